"""Teams' throttling limits for a bot, as the outbound sender paces itself by them
(`bot.rate_limits`).

Microsoft documents, per bot per conversation: 7 messages a second, 8 in 2 s, 60 in 30 s and
1,800 an hour; and about 30 requests a second per app per tenant, across conversations.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from bot.rate_limits import Pacer, Sleep, SlidingWindows

PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_APP = ((30, 1.0),)
APP = "app"


def teams_pacer(now: Callable[[], float], sleep: Sleep) -> Pacer:
    pacer = Pacer(now, sleep)
    pacer.define(APP, SlidingWindows(*PER_APP))
    return pacer


def keys_for(pacer: Pacer, conversation: str) -> tuple[Hashable, ...]:
    """The limits one send falls under: its conversation's windows and the app's."""
    return (pacer.limit(("conversation", conversation), lambda: SlidingWindows(*PER_CONVERSATION)), APP)
