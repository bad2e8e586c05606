"""Time as a dependency: every rule that depends on 'now' asks a Clock, never the system.

This lets the 2016–17 reference plan run today (`ACTIONBOT_NOW=2016-09-01`), lets tests move
time without sleeping, and keeps dateparser's relative dates ("next Friday") anchored to it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait (a Retry-After, a backoff). A test clock moves time instead of waiting."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class FixedClock:
    """A clock that only moves when told to: the test suite's clock."""

    current: datetime
    slept: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.current = as_utc(self.current)

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = as_utc(when)

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta

    async def sleep(self, seconds: float) -> None:
        """No real wait: the clock moves on, and the wait is recorded for the test to check."""
        self.slept.append(seconds)
        self.advance(timedelta(seconds=seconds))


@dataclass
class ShiftedClock:
    """Real time moved to a chosen start, optionally running faster (demos of a past plan)."""

    start: datetime
    speed: float = 1.0
    _origin: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.start = as_utc(self.start)

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin) * self.speed
        return self.start + timedelta(seconds=elapsed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)  # the platforms' limits are in real seconds


class FastForwardClock:
    """Real time from a chosen start in which waiting costs nothing: `now()` is the start plus
    the real time elapsed plus every wait skipped so far, and `sleep(d)` skips `d` at once
    (yielding to the event loop once). What a round spends working is counted as it happens;
    what it spends waiting for a platform's rate limit is not waited. The fan-out benchmark
    shares one between the bot and the rate-limiting fakes, so a 40-minute round runs in the
    time its work takes while the fakes still see every request at its virtual instant.

    Waits add up: it models one sender at a time. Two tasks sleeping at once would each move
    time on, so a concurrent sender is shown slower than it is, never faster."""

    def __init__(self, start: datetime, *, monotonic=time.monotonic):
        self.start = as_utc(start)
        self._monotonic = monotonic
        self._origin = monotonic()
        self.skipped = 0.0  # seconds of waiting skipped so far

    def elapsed(self) -> float:
        """Seconds since the start: the real time taken plus the waits skipped."""
        return self._monotonic() - self._origin + self.skipped

    def real(self) -> float:
        """Real seconds since the start."""
        return self._monotonic() - self._origin

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed())

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.skipped += seconds
        await asyncio.sleep(0)


def as_utc(when: datetime) -> datetime:
    """Naive datetimes are taken as UK local time: that is what people type."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo("Europe/London"))
    return when.astimezone(UTC)


def parse_now(text: str) -> datetime:
    """Parse ACTIONBOT_NOW / --as-of: an ISO date (09:00 UK time) or date-time."""
    text = text.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return as_utc(datetime(d.year, d.month, d.day, 9, 0))
        return as_utc(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(f"cannot read {text!r} as a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UK local time)") from exc


def clock_from(now_text: str | None, speed: float = 1.0) -> Clock:
    if not now_text:
        return SystemClock()
    return ShiftedClock(parse_now(now_text), speed)


def local_today(clock: Clock, tz: str = "Europe/London") -> date:
    return clock.now().astimezone(ZoneInfo(tz)).date()
