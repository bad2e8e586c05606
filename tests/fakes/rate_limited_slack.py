"""The fake Slack Web API (`tests.fakes.slack_api`, with the file uploads of
`tests.fakes.slack_files`: the digest's chart) with Slack's rate limits enforced.

Every request is checked at its arrival, on the clock it is given (the fan-out benchmark and its
tests share a `domain.clock.FastForwardClock` with the bot), against a token bucket for its
limit: `chat.postMessage` per channel (about 1 a second, short bursts), the tier-3 methods
(`conversations.open`, `users.lookupByEmail`, `conversations.history`, `chat.update`: 50 a
minute, small bursts) and any other method at tier 4. A request over its limit is refused as
Slack refuses it, HTTP 429 `{"ok": false, "error": "ratelimited"}` with `Retry-After` in whole
seconds, the wait rounded up (so waiting exactly that long always succeeds); it is not counted
against the limit. Accepted messages are kept with their metadata, so `received()` gives how
many messages carried each send-ledger key.

The parameters are Slack's published figures, written here independently of the bot's own
pacing (`handlers.slack.rate_limits`), so a pacer that goes too fast meets 429s here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable

from aiohttp import web

from bot.rate_limits import TokenBucket, fastest
from tests.fakes.slack_files import FakeSlackWithFiles

POST_PER_CHANNEL = (1.0, 3)  # calls a second, burst
TIER_3 = (50 / 60, 5)
TIER_4 = (100 / 60, 10)
_BODY = web.RequestKey("fake_body", dict)
TIER_3_METHODS = frozenset({"conversations.open", "users.lookupByEmail", "conversations.history", "chat.update"})


class RateLimitedSlackApi(FakeSlackWithFiles):
    def __init__(
        self,
        now: Callable[[], float],
        *,
        post_per_channel: tuple[float, int] = POST_PER_CHANNEL,
        tier_3: tuple[float, int] = TIER_3,
        tier_4: tuple[float, int] = TIER_4,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.now = now
        self.parameters = {"chat.postMessage per channel": post_per_channel, "tier 3": tier_3, "tier 4": tier_4}
        self.buckets: dict[Hashable, TokenBucket] = {}
        self.accepted: Counter[Hashable] = Counter()  # calls let through, by limit
        self.refused: Counter[Hashable] = Counter()  # 429s, by limit

    def limit_key(self, method: str, body: dict) -> tuple[Hashable, tuple[float, int]]:
        key: Hashable = method
        if method == "chat.postMessage":
            key = ("chat.postMessage", self._channel_for(str(body.get("channel", ""))))
        return key, self.parameters[_group(key)]

    async def _body(self, request: web.Request) -> dict:
        """Parsed once per request: the limit check reads it before the fake's own handler."""
        if _BODY not in request:
            request[_BODY] = await super()._body(request)
        return request[_BODY]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._body(request)
        key, (rate, burst) = self.limit_key(method, body)
        bucket = self.buckets.setdefault(key, TokenBucket(rate, burst))
        now = self.now()
        at = bucket.earliest(now)
        if at > now:
            self.refused[key] += 1
            call = self._record(method, request, body)
            call.status, call.answer = 429, {"ok": False, "error": "ratelimited"}
            retry_after = max(1, math.ceil(at - now))
            return web.json_response(call.answer, status=429, headers={"Retry-After": str(retry_after)})
        bucket.take(now)
        self.accepted[key] += 1
        return await super()._api(request)

    @property
    def rate_limited(self) -> int:
        return sum(self.refused.values())

    def received(self) -> Counter[str]:
        """How many accepted messages carry each send-ledger key (thread replies carry none)."""
        keys = (
            ((m.get("metadata") or {}).get("event_payload") or {}).get("ledger_key") for m in self.messages.values()
        )
        return Counter(k for k in keys if k)

    def minimum_seconds(self) -> float:
        """A lower bound for the time the calls accepted needed under these limits: for each
        limit, the calls it let through each made at the earliest instant it allows
        (`bot.rate_limits.fastest`); calls under different limits may overlap, so the longest."""
        return max(
            (fastest(TokenBucket(*self.parameters[_group(key)]), n) for key, n in self.accepted.items()), default=0.0
        )


def _group(key: Hashable) -> str:
    if isinstance(key, tuple):
        return "chat.postMessage per channel"
    return "tier 3" if key in TIER_3_METHODS else "tier 4"
