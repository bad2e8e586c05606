"""Rate limits as arithmetic, and a pacer that waits for them on the injected clock.

A nudge round sends thousands of messages; Slack and Teams refuse what goes faster than their
limits (HTTP 429 with Retry-After). Waiting for a 429 and then `Retry-After` is the slowest way
to learn a limit: the refused request is wasted and the wait rounds up to whole seconds. So
each sender knows the limits it is under and waits, before it sends, until the request fits:
a round then rarely meets a 429, and when it does (another process shares the app's limits)
the Retry-After is honoured as well.

Two shapes cover the platforms' documents:

- `TokenBucket(rate, burst)`: `rate` calls a second on average, up to `burst` at once after
  a quiet spell (Slack: `chat.postMessage` about 1 a second per channel with short bursts;
  the tier-3 methods 50 a minute).
- `SlidingWindows((limit, seconds), …)`: at most `limit` calls in any `seconds`, for every
  window at once (Teams: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour per conversation).

Both are plain arithmetic on instants in seconds (`earliest(now)`, `take(at)`), so the tests
check them with numbers and the benchmarks' fakes enforce the same shapes on the other side.
Time is always injected: `Pacer` reads `now` and waits with the runtime's `sleep`.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Protocol

Sleep = Callable[[float], Awaitable[object]]
EPSILON = 1e-6  # seconds: float sums of intervals on epoch instants (~1e-7 apart) must not cost a burst its last call


def _not_before(now: float, at: float) -> float:
    return now if at <= now + EPSILON else at


class Limit(Protocol):
    def earliest(self, now: float) -> float:
        """The first instant, at or after `now`, at which one more call fits."""
        ...

    def take(self, at: float) -> None:
        """Count a call made at `at` (never before the last one taken)."""
        ...


class TokenBucket:
    """`rate` calls a second, `burst` of them at once (the generic cell rate algorithm: one
    number, the theoretical arrival time of the next call, instead of a token count)."""

    def __init__(self, rate: float, burst: int = 1):
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate, self.burst = rate, burst
        self.interval = 1.0 / rate
        self._tolerance = (burst - 1) * self.interval
        self._tat = -math.inf  # when the bucket is full again

    def earliest(self, now: float) -> float:
        return _not_before(now, self._tat - self._tolerance)

    def take(self, at: float) -> None:
        self._tat = max(self._tat, at) + self.interval


class SlidingWindows:
    """At most `limit` calls in any `seconds`, for each `(limit, seconds)` window given."""

    def __init__(self, *windows: tuple[int, float]):
        if not windows or any(limit < 1 or seconds <= 0 for limit, seconds in windows):
            raise ValueError("each window needs a limit of at least 1 and a positive length")
        self.windows = tuple(windows)
        self._times: deque[float] = deque(maxlen=max(limit for limit, _ in windows))

    def earliest(self, now: float) -> float:
        at = now
        for limit, seconds in self.windows:
            if len(self._times) >= limit:
                at = max(at, _not_before(now, self._times[-limit] + seconds))
        return at

    def take(self, at: float) -> None:
        self._times.append(at)


def earliest_for(limits: tuple[Limit, ...], now: float) -> float:
    """The first instant at which a call fits every limit in `limits` (each limit only moves
    the instant later, so one pass over them in a loop until it is stable is enough)."""
    at = now
    while True:
        later = max((limit.earliest(at) for limit in limits), default=at)
        if later <= at:
            return at
        at = later


class Pacer:
    """Limits by key (a method, a channel, a conversation) and the wait before each call.

    `async with pacer.slot(*keys): <call>` waits, with the injected `sleep`, until a call fits
    every limit named, makes it, and counts it against each at the instant it *finished*. The
    platform sees a request somewhere between its start and its answer; counting it at its
    answer means the next call, spaced from there, can never reach the platform early, however
    long this one took (the first call through an SDK can take a tenth of a second). Callers
    under the same limit queue on one lock (first come, first served), so concurrent senders
    never race for a slot; callers under different limits do not wait for each other."""

    def __init__(self, now: Callable[[], float], sleep: Sleep):
        self._now, self._sleep = now, sleep
        self._limits: dict[Hashable, Limit] = {}
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self.waited = 0.0  # seconds waited so far (a figure for benchmarks and logs)
        self.waits = 0

    def define(self, key: Hashable, limit: Limit) -> None:
        self._limits[key] = limit

    def limit(self, key: Hashable, make: Callable[[], Limit]) -> Hashable:
        """`key`, its limit made by `make` the first time it is named (one per channel, …)."""
        if key not in self._limits:
            self._limits[key] = make()
        return key

    @asynccontextmanager
    async def slot(self, *keys: Hashable) -> AsyncIterator[float]:
        """Wait until a call fits the limits of `keys` (unknown keys are not limited), hold them
        while the call runs, then count it; yields the seconds waited."""
        known = sorted({k for k in keys if k in self._limits}, key=repr)  # one lock order: no deadlock
        locks = [self._locks.setdefault(k, asyncio.Lock()) for k in known]
        for lock in locks:
            await lock.acquire()
        try:
            limits = tuple(self._limits[k] for k in known)
            now = self._now()
            at = earliest_for(limits, now)
            waited = 0.0
            if at > now:
                waited = at - now
                self.waited += waited
                self.waits += 1
                await self._sleep(waited)
            try:
                yield waited
            finally:
                done = max(at, self._now())
                for limit in limits:
                    limit.take(done)
        finally:
            for lock in reversed(locks):
                lock.release()


def fastest(limit: Limit, calls: int) -> float:
    """Seconds from the first of `calls` calls to the last when each goes at the earliest
    instant `limit` (fresh) allows: the least time those calls can take under it. Over several
    independent limits the greatest of these is a lower bound for the whole."""
    at = 0.0
    for _ in range(calls):
        at = limit.earliest(at)
        limit.take(at)
    return at
