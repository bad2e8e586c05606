"""One scheduler process for the OS-process race test: `python -m tests.fakes.race_worker`.

It waits for the parent's go-file (so both processes start ticking together), ticks the same
instants as its twin with its own engine and connections, and writes the ledger key of every
message it actually sent, one per line, to its own output file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.leader import LeaderLock
from scheduler.tick import Ticker
from storage.db import make_engine
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")


def instants(first: date, last: date) -> list[datetime]:
    out, day = [], first
    while day <= last:
        out += [
            datetime(day.year, day.month, day.day, 9, 0, tzinfo=UK),
            datetime(day.year, day.month, day.day, 9, 7, tzinfo=UK),
        ]
        day += timedelta(days=1)
    return out


async def run(args: argparse.Namespace) -> None:
    engine = make_engine(args.url, schema=args.schema)
    when = instants(date.fromisoformat(args.first), date.fromisoformat(args.last))
    clock = FixedClock(when[0])
    channel = RecordingChannel()
    leader = LeaderLock(engine) if args.lock else None
    ticker = Ticker(engine, clock, load_policy(), {"fake": channel}, leader=leader, worker=f"race-{os.getpid()}")
    go = Path(args.go)
    deadline = time.monotonic() + 60
    while not go.exists():  # a start line for two real processes, not a wait for time to pass
        if time.monotonic() > deadline:
            raise SystemExit("no go-file within 60 s")
        time.sleep(0.01)
    led = 0
    try:
        for instant in when:
            clock.set(instant)
            led += (await ticker.tick()).leader
    finally:
        if leader is not None:
            leader.release()
        engine.dispose()
    Path(args.out).write_text("\n".join(s.key for s in channel.sent) + f"\n#led {led}\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser()
    for name in ("url", "schema", "first", "last", "go", "out"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--lock", action="store_true")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
