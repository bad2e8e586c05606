"""The fake Bot Connector (`tests.fakes.bot_connector`) with Teams' throttling enforced.

Every write (a message posted into a conversation) is checked at its arrival, on the clock it
is given, against Teams' documented limits for a bot: per conversation 7 in 1 s, 8 in 2 s, 60
in 30 s and 1,800 in an hour, and about 30 a second per app across conversations (sliding
windows). A write over a limit gets HTTP 429 with a Bot Framework error body and `Retry-After`
in whole seconds, the wait rounded up; it is not counted. Accepted activities are kept, so
`received()` gives how many carried each send-ledger key (`channelData.actionbot.ledgerKey`).
Of an accepted activity only its `channelData` is kept: the fake runs in the bot's process,
and a round's 2,000 cards kept whole (some 50 MB of dicts) would be walked by the bot's cycle
collector again and again, a cost the real connector, elsewhere, never puts on the bot.

The parameters are Microsoft's published figures, written here independently of the bot's own
pacing (`handlers.teams.rate_limits`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.rate_limits import SlidingWindows, fastest
from tests.fakes.bot_connector import FakeBotConnector, Recorded

PER_CONVERSATION = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
PER_APP = ((30, 1.0),)


@dataclass
class RateLimitedBotConnector(FakeBotConnector):
    now: Callable[[], float] = field(default=lambda: 0.0)
    per_conversation: tuple[tuple[int, float], ...] = PER_CONVERSATION
    per_app: tuple[tuple[int, float], ...] = PER_APP
    windows: dict[str, SlidingWindows] = field(default_factory=dict)
    accepted: Counter = field(default_factory=Counter)  # writes let through, by conversation
    refused: Counter = field(default_factory=Counter)  # 429s, by conversation

    def __post_init__(self) -> None:
        super().__post_init__()
        self.app = SlidingWindows(*self.per_app)

    async def _write(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        if request.method != "POST":
            return await super()._write(request)
        mine = self.windows.setdefault(conversation, SlidingWindows(*self.per_conversation))
        now = self.now()
        at = max(mine.earliest(now), self.app.earliest(now))
        if at > now:
            self.refused[conversation] += 1
            body = await request.json() if request.can_read_body else None
            self.requests.append(Recorded(request.method, request.path, conversation, None, body, 429))
            return web.json_response(
                {"error": {"code": "Throttled", "message": "too many requests"}},
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(at - now)))},
            )
        mine.take(now)
        self.app.take(now)
        self.accepted[conversation] += 1
        answer = await super()._write(request)
        kept = self.requests[-1]
        if isinstance(kept.body, dict):  # only what `received()` reads: see the module's docstring
            kept.body = {"channelData": kept.body.get("channelData")}
        return answer

    @property
    def rate_limited(self) -> int:
        return sum(self.refused.values())

    def received(self) -> Counter[str]:
        """How many accepted activities carry each send-ledger key."""
        keys = (
            (((r.body or {}).get("channelData") or {}).get("actionbot") or {}).get("ledgerKey")
            for r in self.requests
            if r.method == "POST" and r.status < 300
        )
        return Counter(k for k in keys if k)

    def minimum_seconds(self) -> float:
        """A lower bound for the time the writes accepted needed under these limits: the app's
        window over all of them, or one conversation's windows over its own, whichever is
        longest (`bot.rate_limits.fastest`)."""
        app = fastest(SlidingWindows(*self.per_app), sum(self.accepted.values()))
        own = (fastest(SlidingWindows(*self.per_conversation), n) for n in self.accepted.values())
        return max(app, *own, 0.0)
