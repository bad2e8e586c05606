"""A council's largest size: synthetic plans of 10,000 and 100,000 actions (2,000 and 20,000 people).

For each size, on SQLite: importing the plan and the people directory, answering `status` (the
plan summary), one scheduler tick (with the number of SQL statements it ran, which should not
grow with the plan), and — at 10,000 actions — `preview` of a month. Figures are printed beside
the issue's targets.

Run alone: `python -m bench scale`; `BENCH_SCALE=10000:2000` picks the sizes (actions:people,
comma-separated; default `10000:2000`: `BENCH_SCALE=10000:2000,100000:20000` adds the largest size,
which takes many minutes today).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bench.synthetic import generate
from bot.conversation import Core
from bot.policy import load_policy
from bot.requests import ChatRequest, Identity
from domain.clock import FixedClock
from scheduler.tick import Ticker
from storage.db import make_engine, upgrade
from storage.importers import import_plan_file

UK = ZoneInfo("Europe/London")
ACTIONBOT = Path(sys.executable).with_name("actionbot")
PLAN_KEY = "synthetic"


class CountingChannel:
    """Reaches everyone and keeps nothing but a count: the tick's own cost is what is measured."""

    name = "bench"

    def __init__(self) -> None:
        self.sent = 0

    def can_reach(self, session, person) -> bool:
        return True

    async def send_to_person(self, person, views, *, kind, meta) -> str:
        self.sent += 1
        return f"bench:{self.sent}"

    async def send_to_sit(self, views, *, kind, meta) -> str:
        self.sent += 1
        return f"bench:{self.sent}"


@contextmanager
def counted(engine) -> Iterator[list[int]]:
    box = [0]

    def count(*_args) -> None:
        box[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(engine, "before_cursor_execute", count)


def seconds(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def line(name: str, value: str, target: str = "") -> None:
    print(f"    {name:<44} {value:>14}   {target}")


def run_size(actions: int, people: int, tmp: Path) -> None:
    print(f"  {actions:,} actions, {people:,} people (SQLite)")
    plan_csv, people_csv = generate(tmp / f"files-{actions}", actions, people)
    db = tmp / f"scale-{actions}.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    clock = FixedClock(datetime(2016, 9, 14, 10, 0, tzinfo=UK))
    took, _ = seconds(lambda: import_plan_file(engine, clock, str(plan_csv), plan_key=PLAN_KEY, title="Synthetic"))
    line("import plan", f"{took:.2f} s", f"target <= {3 if actions <= 10_000 else 30} s")
    env = os.environ | {"DATABASE_URL": url, "ACTIONBOT_PLAN": PLAN_KEY}
    took, done = seconds(lambda: subprocess.run([str(ACTIONBOT), "people", "import", str(people_csv)], env=env,
                                                capture_output=True, text=True))
    line("people import (CLI, process start included)", f"{took:.2f} s", "" if done.returncode == 0 else "FAILED")

    core = Core(engine, clock, plan_key=PLAN_KEY)
    who = ChatRequest(identity=Identity("terminal", "sit"), text="status")
    runs = [seconds(lambda: core.handle(who))[0] for _ in range(3)]
    line("/status summary (median of 3)", f"{sorted(runs)[1] * 1000:.0f} ms", "target <= 50 ms at 100,000")

    channel = CountingChannel()
    ticker = Ticker(engine, clock, load_policy(None), {"bench": channel}, plan_key=PLAN_KEY)
    with counted(engine) as statements:
        took, report = seconds(lambda: asyncio.run(ticker.tick()))
    line("first tick of the day (14 Sep 2016 10:00)", f"{took:.2f} s", f"{channel.sent:,} messages sent")
    line("  SQL statements in that tick", f"{statements[0]:,}", f"({len(report.planned)} messages planned)")
    with counted(engine) as statements:
        took, report = seconds(lambda: asyncio.run(ticker.tick()))
    line("next tick (everything due already sent)", f"{took:.2f} s", "target <= 1 s at 100,000")
    line("  SQL statements in that tick", f"{statements[0]:,}", "target: the same at every size")

    if actions <= 10_000:
        took, done = seconds(lambda: subprocess.run(
            [str(ACTIONBOT), "preview", "--from", "2016-09-01", "--to", "2016-10-01", "-o", str(tmp / "p.txt")],
            env=env, capture_output=True, text=True))
        line("preview of a month (CLI)", f"{took:.2f} s", "target <= 5 s" if done.returncode == 0 else "FAILED")
    engine.dispose()


def main() -> None:
    sizes = [tuple(int(x) for x in s.split(":")) for s in os.environ.get("BENCH_SCALE", "10000:2000")
             .split(",")]
    print("Scale: synthetic plans (bench/synthetic.py)")
    with tempfile.TemporaryDirectory() as tmp:
        for actions, people in sizes:
            run_size(actions, people, Path(tmp))
    print()


if __name__ == "__main__":
    main()
