"""Each person's Slack DM channel with the bot, remembered in the database.

Slack gives a bot the DM channel with a user through `conversations.open`, a tier-3 method (50
calls a minute). Opening it before every nudge made a round to 2,000 people take at least 40
minutes on that method alone, and the next round as long again. The DM channel between a bot
and a user does not change, so it is kept (`channel_address`, channel "slack", key
`dm:<person key>`, with the user id it belongs to): a second round opens nothing. A relinked
Slack account has another user id, so the kept channel is not used for it; a channel Slack no
longer knows is forgotten and opened again (`SlackChannel.send_to_person`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage import repo

CHANNEL = "slack"


def address_key(person_key: str) -> str:
    return f"dm:{person_key}"


def dm_channel(session: Session, person_key: str, user_id: str) -> str | None:
    """The DM channel kept for this person's Slack account `user_id`, if any."""
    row = repo.channel_address(session, CHANNEL, address_key(person_key))
    data = row.data if row is not None else {}
    return data.get("dm_channel") if data.get("user_id") == user_id else None


def remember(session: Session, person_key: str, user_id: str, channel_id: str, at: datetime) -> None:
    repo.save_channel_address(
        session, CHANNEL, address_key(person_key), {"user_id": user_id, "dm_channel": channel_id}, at
    )


def forget(session: Session, person_key: str) -> None:
    row = repo.channel_address(session, CHANNEL, address_key(person_key))
    if row is not None:
        session.delete(row)
