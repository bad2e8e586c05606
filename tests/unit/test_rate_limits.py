"""The pacing arithmetic (`bot.rate_limits`) and the fast-forward clock, on injected time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.rate_limits import Pacer, SlidingWindows, TokenBucket, earliest_for, fastest
from domain.clock import FastForwardClock, FixedClock
from handlers.teams.rate_limits import PER_CONVERSATION


def calls(limit, count: int, start: float = 0.0) -> list[float]:
    """The instants of `count` calls, each made as early as `limit` allows."""
    out, at = [], start
    for _ in range(count):
        at = limit.earliest(at)
        limit.take(at)
        out.append(at)
    return out


def test_a_token_bucket_lets_its_burst_through_then_one_call_per_interval():
    assert calls(TokenBucket(rate=0.5, burst=3), 6) == [0, 0, 0, 2, 4, 6]


def test_a_quiet_spell_refills_the_bucket_up_to_its_burst_only():
    bucket = TokenBucket(rate=1.0, burst=2)
    calls(bucket, 2)
    assert bucket.earliest(0.5) == 1.0  # empty: the next token comes at 1 s
    assert calls(bucket, 3, start=100.0) == [100.0, 100.0, 101.0]  # full again, but never beyond 2


def test_teams_windows_allow_7_in_a_second_8_in_two_and_60_in_thirty():
    times = calls(SlidingWindows(*PER_CONVERSATION), 61)
    assert times[:7] == [0.0] * 7
    assert times[7] == 1.0  # the 8th waits out the 1-second window...
    assert times[8] == 2.0  # ...and the 9th the 2-second one (8 in any 2 s)
    assert all(b - a >= 2.0 for a, b in zip(times[:-8], times[8:], strict=True))
    assert times[60] == 30.0  # 61st: 60 in any 30 s
    assert sum(1 for t in times if t < 30.0) == 60


def test_an_hour_window_holds_1800_sends():
    times = calls(SlidingWindows(*PER_CONVERSATION), 1801)
    assert times[1799] < 3600.0 and times[1800] == 3600.0


def test_several_limits_give_the_first_instant_that_fits_them_all():
    slow, fast = TokenBucket(rate=0.1, burst=1), SlidingWindows((2, 1.0))
    slow.take(0.0)
    fast.take(9.5)
    fast.take(9.6)
    assert slow.earliest(0.0) == 10.0 and fast.earliest(10.0) == 10.5
    assert earliest_for((slow, fast), 0.0) == 10.5


def test_fastest_is_when_the_last_call_can_go():
    assert fastest(TokenBucket(50 / 60, 5), 2000) == pytest.approx(1995 * 1.2)
    assert fastest(SlidingWindows((30, 1.0)), 2001) == 66.0
    assert fastest(TokenBucket(1.0, 3), 3) == 0.0


async def paced(pacer: Pacer, clock: FixedClock, *keys: str, took: float = 0.0) -> float:
    """One call under `keys` that takes `took` seconds; returns the seconds waited before it."""
    async with pacer.slot(*keys) as waited:
        clock.advance(timedelta(seconds=took))
    return waited


async def test_the_pacer_waits_on_the_injected_clock_only_when_a_call_would_not_fit():
    clock = FixedClock(datetime(2016, 9, 14, 9, 0, tzinfo=UTC))
    pacer = Pacer(lambda: clock.now().timestamp(), clock.sleep)
    pacer.define("tier3", TokenBucket(rate=0.5, burst=2))
    waits = [await paced(pacer, clock, "tier3") for _ in range(4)]
    assert waits == [0.0, 0.0, 2.0, 2.0]
    assert clock.slept == [2.0, 2.0]  # the clock moved; nothing really waited
    assert await paced(pacer, clock, "unlimited") == 0.0
    assert (pacer.waits, pacer.waited) == (2, 4.0)


async def test_a_call_counts_from_when_it_finished_so_a_slow_one_never_lets_the_next_arrive_early():
    clock = FixedClock(datetime(2016, 9, 14, 9, 0, tzinfo=UTC))
    start = clock.now().timestamp()
    pacer = Pacer(lambda: clock.now().timestamp(), clock.sleep)
    pacer.define("m", TokenBucket(rate=1.0, burst=1))
    starts = []
    for _ in range(3):
        async with pacer.slot("m"):
            starts.append(clock.now().timestamp() - start)
            clock.advance(timedelta(seconds=0.25))  # the request's own time
    assert starts == [0.0, 1.25, 2.5]


async def test_concurrent_callers_under_one_limit_queue_and_other_limits_do_not_wait_for_them():
    clock = FixedClock(datetime(2016, 9, 14, 9, 0, tzinfo=UTC))
    order: list[str] = []

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0)  # let the others run meanwhile
        await clock.sleep(seconds)

    pacer = Pacer(lambda: clock.now().timestamp(), sleep)
    pacer.define("channel", TokenBucket(rate=1.0, burst=1))
    pacer.define("other", TokenBucket(rate=1.0, burst=1))

    async def send(name: str, key: str) -> None:
        async with pacer.slot(key):
            order.append(f"{name}@{clock.now().timestamp() - start:g}")
            await asyncio.sleep(0)

    start = clock.now().timestamp()
    await asyncio.gather(send("a", "channel"), send("b", "channel"), send("c", "channel"), send("x", "other"))
    assert order == ["a@0", "x@0", "b@1", "c@2"]


async def test_the_fast_forward_clock_counts_real_time_and_skips_waits():
    ticks = iter([100.0, 100.5, 100.5, 101.0, 101.0])
    clock = FastForwardClock(datetime(2016, 9, 14, 9, 0, tzinfo=UTC), monotonic=lambda: next(ticks))
    assert clock.elapsed() == 0.5  # real time passes
    await clock.sleep(60)
    assert clock.elapsed() == 60.5 and clock.skipped == 60  # waiting costs none
    assert clock.now() == datetime(2016, 9, 14, 9, 1, 1, tzinfo=UTC)
    assert clock.real() == 1.0
