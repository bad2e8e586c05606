"""The first thing the bot says when it is added to a conversation, decided once for every
channel: a team channel gets the mention-me hint, a person the directory knows is greeted by
name, someone it does not know is told what they can do (or, in local development mode, how to
try it as a role). Adapters only render the views: the Teams install event is the first user,
and any channel with an "added" event calls the same function."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.identity import resolve
from bot.requests import Identity
from bot.status import HELP
from bot.views import NoticeView

CHANNEL_HELLO = (
    "Hello! I help drive the improvement action plan. @mention me with `status priority 4` or "
    "`help`. An SIT admin can type `@actionbot set sit channel` here to receive digests and "
    "reports in this channel."
)
UNKNOWN_LOCAL = (
    "Hello! The people directory doesn't know you. This bot runs in local development mode: "
    "type `iam DCS` (or another role) to try it as that role."
)
UNKNOWN = (
    "Hello! The people directory doesn't know you yet, so I can answer `status` questions but "
    "not record updates. Ask the SIT to add you."
)


def welcome(session: Session, who: Identity, now: datetime, *, personal: bool, dev_mode: bool) -> list[Any]:
    """The views that greet `who`: in a 1:1 chat when `personal`, else in a shared channel.
    Known, unknown or local (development mode) is decided here, from the people directory."""
    if not personal:
        return [NoticeView(CHANNEL_HELLO)]
    actor = resolve(session, who, now)
    if actor.person is not None:
        first = actor.person.name.split(" ")[0]
        return [NoticeView(f"Hello {first}! I'll ask you here for updates on your actions."), HELP]
    if dev_mode:
        return [NoticeView(UNKNOWN_LOCAL), HELP]
    return [NoticeView(UNKNOWN, "warning"), HELP]
