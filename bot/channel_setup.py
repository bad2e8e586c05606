"""Text commands that set up how a chat platform reaches people: `iam ROLE` and `set sit channel`.

- `iam DCS` (local development mode only): someone the people directory does not know acts as
  a role, to try the bot before the directory is set up. The handler says whether the request
  came in development mode (`ChatRequest.extra["dev_mode"]`); with authentication on the
  command is always refused, and a stored choice is ignored (see `acting_role`).
- `set sit channel`, typed in a channel by an SIT admin: that channel receives digests,
  reports and "could not reach X" notices. The handler passes the channel's opaque address
  in `ChatRequest.extra["conversation_address"]`.

Both choices live in `channel_address` (per platform), so they survive restarts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.requests import Reply
from bot.views import NoticeView
from storage import repo
from storage.models import Person

if TYPE_CHECKING:
    from bot.conversation import Turn

_IAM = re.compile(r"^(?:iam|i am|act as)\s+(?P<who>\S.*)$", re.IGNORECASE)
_SET_SIT = re.compile(r"^set\s+(?:this\s+as\s+(?:the\s+)?)?sit\s+channel$", re.IGNORECASE)
IAM_OFF = ("off", "nobody", "me", "none")


# Any text that could be an `iam` command, however it is prefixed or addressed: a superset of
# what `command` accepts, for a channel that must know whether a turn may have changed the role.
_MAY_BE_IAM = re.compile(r"\b(?:iam|i\s+am|act\s+as)\b", re.IGNORECASE)


def may_choose_role(text: str) -> bool:
    """Could this text be `iam …` (and so change the role `acting_role` reads)? Never False for one."""
    return bool(_MAY_BE_IAM.search(text or ""))


def iam_key(user_id: str) -> str:
    return f"iam:{user_id}"


def acting_role(session: Session, channel: str, user_id: str, *, dev_mode: bool) -> str | None:
    """The role this platform user chose with `iam`, honoured only in development mode."""
    if not dev_mode:
        return None
    row = repo.channel_address(session, channel, iam_key(user_id))
    return (row.data or {}).get("role") if row else None


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: `iam …` and `set sit channel`; None for anything else."""
    t = " ".join(text.strip().split())
    m = _IAM.match(t)
    if m:
        return _iam(turn, m.group("who").strip())
    if _SET_SIT.match(t):
        return _set_sit(turn)
    return None


def _iam(turn: Turn, who: str) -> Reply:
    request = turn.request
    if not request.extra.get("dev_mode"):
        return Reply(
            [
                NoticeView(
                    "`iam` only works in local development mode (no MICROSOFT_APP_ID). With authentication "
                    "on, you are who your account says; ask the SIT to add you to the people directory.",
                    "warning",
                )
            ]
        )
    if turn.actor.person is not None and turn.actor.acting_role is None:
        return Reply(
            [NoticeView(f"The people directory already knows you as {turn.actor.person.name}; `iam` is not needed.")]
        )
    s, channel, user_id = turn.session, request.identity.channel, request.identity.user_id
    key = iam_key(user_id)
    if who.lower() in IAM_OFF:
        row = repo.channel_address(s, channel, key)
        if row is not None:
            s.delete(row)
        _audit(turn, "iam.cleared", {})
        return Reply([NoticeView("You are nobody again: you can ask for status but not record updates.")])
    role, holder = _role_holder(s, who)
    if holder is None:
        roles = ", ".join(r.abbrev for r in repo.roles(s)[:15])
        return Reply([NoticeView(f"Nobody holds the role {who!r}. Try one of: {roles}…", "warning")])
    repo.save_channel_address(s, channel, key, {"role": role, "person": holder.key}, turn.now)
    _audit(turn, "iam.set", {"role": role, "person": holder.key})
    return Reply(
        [
            NoticeView(
                f"Development mode: you now act as {role} ({holder.name}). Try `status mine`, or update one of "
                f"your actions, e.g. `status lead {role}`. Nudges for {holder.name} now come to this chat. "
                "`iam off` to stop."
            )
        ]
    )


def _role_holder(session: Session, who: str) -> tuple[str, Person | None]:
    roles = {r.abbrev.lower(): r.abbrev for r in repo.roles(session)}
    role = roles.get(who.lower(), who)
    holders = repo.people_with_role(session, role)
    if holders:
        return role, holders[0]
    person = repo.person_by_key(session, who)
    if person is not None and person.roles:
        return person.roles[0], person
    return role, None


def _set_sit(turn: Turn) -> Reply:
    actor, request = turn.actor, turn.request
    if actor.person is None or not actor.person.sit_admin:
        return Reply([NoticeView("Only an SIT admin can choose the SIT channel.", "warning")])
    address = request.extra.get("conversation_address")
    if not address:
        return Reply(
            [NoticeView("Type `set sit channel` in the channel you want as the SIT channel (not in a personal chat).")]
        )
    channel = request.identity.channel
    repo.save_channel_address(turn.session, channel, "sit", dict(address), turn.now)
    _audit(turn, "sit_channel.set", {"channel": channel, "label": address.get("label", "")})
    return Reply(
        [NoticeView("This is now the SIT channel: digests, reports and delivery problems will be posted here.")],
        private=False,
    )


def _audit(turn: Turn, kind: str, details: dict) -> None:
    repo.add_audit(
        turn.session,
        at=turn.now,
        actor=turn.actor.label,
        kind=kind,
        subject=f"{turn.request.identity.channel}:{turn.request.identity.user_id}",
        details=details,
    )
