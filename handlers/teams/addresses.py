"""Teams conversation references, kept in the database (`channel_address`, channel "teams").

Address keys:
  - `person:<key>`        a person's personal chat with the bot (nudges, chases, escalations)
  - `sit`                 the SIT channel (digests, reports, "could not reach X")
  - `conversation:<id>`   a team channel or group chat the bot was added to or @mentioned in:
                          the candidates for `actionbot teams set-sit-channel`

A restart or a second process can send from these; each incoming activity refreshes its
conversation's `serviceUrl`, which Teams may change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import repo
from storage.models import ChannelAddress

CHANNEL = "teams"
SIT = "sit"
CONVERSATION_PREFIX = "conversation:"


def person_key(key: str) -> str:
    return f"person:{key}"


def conversation_key(conversation_id: str) -> str:
    return f"{CONVERSATION_PREFIX}{conversation_id}"


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id (`19:…@thread.tacv2;messageid=123`) → the channel's own id."""
    return conversation_id.split(";messageid=", 1)[0]


def proactive_reference(reference: dict[str, Any]) -> dict[str, Any]:
    """The reference to store for later sends: not a reply to the message it came from, and in a
    channel a new post rather than a reply in that message's thread."""
    stored = {k: v for k, v in reference.items() if k != "activityId"}
    conversation = dict(stored.get("conversation") or {})
    if conversation.get("id"):
        conversation["id"] = base_conversation_id(conversation["id"])
    stored["conversation"] = conversation
    return stored


def describe_conversation(activity: dict[str, Any]) -> dict[str, Any]:
    """What we know about the conversation an activity came from (names for the CLI list)."""
    conversation = activity.get("conversation") or {}
    data = activity.get("channelData") or {}
    team = data.get("team") or {}
    channel = data.get("channel") or {}
    return {
        "conversation_id": base_conversation_id(conversation.get("id", "")),
        "conversation_type": conversation.get("conversationType") or "personal",
        "conversation_name": conversation.get("name") or "",
        "team_id": team.get("id") or "",
        "team_name": team.get("name") or "",
        "channel_id": channel.get("id") or "",
        "channel_name": channel.get("name") or "",
        "tenant_id": (conversation.get("tenantId") or (data.get("tenant") or {}).get("id") or ""),
    }


def conversation_data(reference: dict[str, Any], described: dict[str, Any]) -> dict[str, Any]:
    """What is stored for a team channel or group chat: where to post, and the names that let a
    person pick it as the SIT channel."""
    return {"reference": reference, **described, "label": label(described)}


def is_personal(activity: dict[str, Any]) -> bool:
    return describe_conversation(activity)["conversation_type"] == "personal"


def is_stored(session: Session, address_key: str, data: dict[str, Any]) -> bool:
    """The address holds exactly `data` and has not failed: `remember` would write nothing."""
    row = repo.channel_address(session, CHANNEL, address_key)
    return row is not None and row.data == data and row.failed_at is None


def remember(session: Session, address_key: str, data: dict[str, Any], at: datetime) -> bool:
    """Store or refresh an address. Writes only when something changed or it had failed."""
    if is_stored(session, address_key, data):
        return False
    repo.save_channel_address(session, CHANNEL, address_key, data, at)
    return True


def refresh_service_url(session: Session, conversation_id: str, service_url: str, at: datetime) -> int:
    """Every stored address for this conversation gets the service URL it just came from."""
    changed = 0
    for row in session.exec(select(ChannelAddress).where(ChannelAddress.channel == CHANNEL)).all():
        ref = (row.data or {}).get("reference") or {}
        same = base_conversation_id((ref.get("conversation") or {}).get("id", "")) == conversation_id
        if same and ref.get("serviceUrl") != service_url:
            row.data = {**row.data, "reference": {**ref, "serviceUrl": service_url}}
            row.updated_at = at
            session.add(row)
            changed += 1
    return changed


def reference_for(session: Session, address_key: str) -> dict[str, Any] | None:
    """The stored reference if the address exists and its last send did not fail for good."""
    row = repo.channel_address(session, CHANNEL, address_key)
    if row is None or row.failed_at is not None:
        return None
    return (row.data or {}).get("reference") or None


def mark_failed(session: Session, address_key: str, reason: str, at: datetime) -> None:
    """A permanent failure (blocked, uninstalled, conversation gone): `people check` shows it."""
    row = repo.channel_address(session, CHANNEL, address_key)
    if row is None:
        return
    row.failed_at = at
    row.failure = reason[:500]
    session.add(row)


def mark_conversation_failed(session: Session, conversation_id: str, reason: str, at: datetime) -> list[str]:
    """Mark every address pointing at this conversation failed (the app was removed from it)."""
    keys = []
    for row in session.exec(select(ChannelAddress).where(ChannelAddress.channel == CHANNEL)).all():
        ref = (row.data or {}).get("reference") or {}
        same = base_conversation_id((ref.get("conversation") or {}).get("id", "")) == conversation_id
        if same and row.failed_at is None:
            row.failed_at, row.failure = at, reason
            session.add(row)
            keys.append(row.address_key)
    return keys


def known_conversations(session: Session) -> list[ChannelAddress]:
    """Team channels and group chats the bot has seen, newest first."""
    query = (
        select(ChannelAddress)
        .where(ChannelAddress.channel == CHANNEL, col(ChannelAddress.address_key).startswith(CONVERSATION_PREFIX))
        .order_by(col(ChannelAddress.updated_at).desc())
    )
    return list(session.exec(query).all())


def label(data: dict[str, Any]) -> str:
    """`Team › Channel` (or the conversation name / id) for lists and confirmations."""
    team, channel = data.get("team_name") or "", data.get("channel_name") or ""
    if team or channel:
        return f"{team or '?'} › {channel or 'General'}"
    return data.get("conversation_name") or data.get("conversation_id") or "?"
