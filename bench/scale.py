"""A council's largest size: synthetic plans of 10,000 and 100,000 actions (2,000 and 20,000 people).

For each size, on SQLite: importing the plan and the people directory, answering `status` (the
plan summary), scheduler ticks (with the number of SQL statements each ran, which does not grow
with the plan: `tests/contract/test_tick_statements.py` asserts it), and — at 10,000 actions —
`preview` of a month. Figures are printed beside the issue's targets, with the machine's load
(other processes share the cores; a loaded machine inflates every figure).

The ticks: the first of the day (everything due is sent: one ledger claim and mark per
message), the next one (it reads back the rows the first wrote, once), and a steady one (nothing
new: what every tick of a normal day costs; the issue's "tick ≤ 1 s at 100,000").

Run: `python -m bench scale` (10,000 actions, part of `make bench`), `python -m bench scale-100k`
(100,000 actions, several minutes: `make bench-scale`). `BENCH_SCALE=10000:2000,100000:20000`
picks other sizes (actions:people, comma-separated) for `scale`.
"""

from __future__ import annotations

import asyncio
import os
import resource
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

from bench.synthetic import SIZES, generate
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


CPU = [0.0]  # the CPU seconds of the last `seconds` call, this process and its children


def seconds(fn) -> tuple[float, object]:
    """Wall time of `fn()`; its CPU time goes to CPU[0] (on a shared machine the CPU time is
    the steadier figure: the wall time grows with the other processes' load)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    c0 = time.process_time() + children.ru_utime + children.ru_stime
    t0 = time.perf_counter()
    out = fn()
    took = time.perf_counter() - t0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[0] = time.process_time() + children.ru_utime + children.ru_stime - c0
    return took, out


def wall(took: float) -> str:
    return f"{took:.2f} s (CPU {CPU[0]:.2f})"


def line(name: str, value: str, target: str = "") -> None:
    print(f"    {name:<44} {value:>22}   {target}")


def run_size(actions: int, people: int, tmp: Path) -> None:
    print(f"  {actions:,} actions, {people:,} people (SQLite)")
    plan_csv, people_csv = generate(tmp / f"files-{actions}", actions, people)
    db = tmp / f"scale-{actions}.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    clock = FixedClock(datetime(2016, 9, 14, 10, 0, tzinfo=UK))
    took, _ = seconds(lambda: import_plan_file(engine, clock, str(plan_csv), plan_key=PLAN_KEY, title="Synthetic"))
    line("import plan", wall(took), f"target <= {3 if actions <= 10_000 else 30} s")
    env = os.environ | {"DATABASE_URL": url, "ACTIONBOT_PLAN": PLAN_KEY}
    took, done = seconds(lambda: subprocess.run([str(ACTIONBOT), "people", "import", str(people_csv)], env=env,
                                                capture_output=True, text=True))
    line("people import (CLI, process start included)", wall(took), "" if done.returncode == 0 else "FAILED")

    core = Core(engine, clock, plan_key=PLAN_KEY)
    who = ChatRequest(identity=Identity("terminal", "sit"), text="status")
    cold = seconds(lambda: core.handle(who))[0]
    line("/status summary, first (reads the plan's state)", f"{cold * 1000:.0f} ms")
    runs = [seconds(lambda: core.handle(who))[0] for _ in range(5)]
    line("/status summary (state kept, median of 5)", f"{sorted(runs)[2] * 1000:.0f} ms", "target <= 50 ms at 100,000")

    channel = CountingChannel()
    ticker = Ticker(engine, clock, load_policy(None), {"bench": channel}, plan_key=PLAN_KEY)
    with counted(engine) as statements:
        took, report = seconds(lambda: asyncio.run(ticker.tick()))
    line("first tick of the day (14 Sep 2016 10:00)", wall(took), f"{channel.sent:,} messages sent")
    line("  SQL statements in that tick", f"{statements[0]:,}", f"({len(report.planned)} messages planned)")
    names = ("next tick (reads back what the first sent)", "steady tick (nothing new since)")
    for minutes, name in zip((1, 2), names, strict=True):
        clock.set(datetime(2016, 9, 14, 10, minutes, tzinfo=UK))
        with counted(engine) as statements:
            took, report = seconds(lambda: asyncio.run(ticker.tick()))
        reused = sum(m.hits for m in ticker._action_memos.values())
        line(name, wall(took), "target <= 1 s at 100,000" if minutes == 2 else "")
        line("  SQL statements in that tick", f"{statements[0]:,}", f"the same at every size; {reused:,} actions reused")
    steady = []  # one wall figure moves with the machine's load: the median of five more, with its CPU
    for minutes in range(3, 8):
        clock.set(datetime(2016, 9, 14, 10, minutes, tzinfo=UK))
        steady.append((seconds(lambda: asyncio.run(ticker.tick()))[0], CPU[0]))
    took, CPU[0] = sorted(steady)[2]
    line("steady tick, median of 5 more", wall(took), "target <= 1 s at 100,000")

    if actions <= 10_000:
        took, done = seconds(lambda: subprocess.run(
            [str(ACTIONBOT), "preview", "--from", "2016-09-01", "--to", "2016-10-01", "-o", str(tmp / "p.txt")],
            env=env, capture_output=True, text=True))
        line("preview of a month (CLI)", wall(took), "target <= 5 s" if done.returncode == 0 else "FAILED")
    engine.dispose()


def load() -> str:
    """The machine's load average, printed with the figures (the cores may be shared)."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main(default: str = "10000:2000") -> None:
    sizes = [tuple(int(x) for x in s.split(":")) for s in os.environ.get("BENCH_SCALE", default).split(",")]
    print(f"Scale: synthetic plans (bench/synthetic.py); {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        for actions, people in sizes:
            run_size(actions, people, Path(tmp))
    print(f"  (after the run: {load()})\n")


def main_100k() -> None:
    """The largest size alone (`make bench-scale`)."""
    actions, people = SIZES["100k"]
    os.environ.pop("BENCH_SCALE", None)
    main(f"{actions}:{people}")


if __name__ == "__main__":
    main()
