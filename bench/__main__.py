"""Measure the hot paths side by side in one run and print figures and ratios.

- timescale parsing: our parser vs dateparser alone (which also gets "Sep 16" wrong);
- importing the whole reference plan (the issue asks for well under a second);
- answering `/status priority 5` (the largest priority) and the plan summary, SQLite vs PostgreSQL.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dateparser
from sqlalchemy import create_engine, text

from bot.clock import FixedClock
from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.runtime import import_reference
from bot.timescale import parse_timescale
from storage.db import make_engine, upgrade
from storage.reference import load_reference_plan

WHO = Identity("terminal", "dcs")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and best wall time of `repeat` runs, in milliseconds."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), min(runs)


def row(name: str, median: float, best: float, note: str = "") -> None:
    print(f"  {name:<48} median {median:9.3f} ms   best {best:9.3f} ms  {note}")


def bench_timescales() -> None:
    texts = [a.timescale for a in load_reference_plan().actions]
    print(f"Timescale parsing ({len(texts)} cells of the reference plan)")
    ours = timed(lambda: [parse_timescale(t) for t in texts], 20)
    settings = {"DATE_ORDER": "DMY", "RELATIVE_BASE": datetime(2016, 6, 1)}
    naive = timed(lambda: [dateparser.parse(t, languages=["en"], settings=settings) for t in texts], 3)
    wrong = sum(1 for t in texts if (d := dateparser.parse(t, languages=["en"], settings=settings)) is None
                or d.date() != parse_timescale(t).due)
    row("actionbot parser", *ours)
    row("dateparser alone", *naive, f"({wrong}/{len(texts)} missing or different)")
    print(f"  ratio dateparser/actionbot: {naive[0] / ours[0]:.0f}x slower\n")


def engines(tmp: Path) -> list[tuple[str, object]]:
    out = [("SQLite", make_engine(f"sqlite:///{tmp / 'bench.db'}"))]
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("DROP SCHEMA IF EXISTS ab_bench CASCADE"))
            c.execute(text("CREATE SCHEMA ab_bench"))
        out.append(("PostgreSQL", make_engine(PG_URL, schema="ab_bench")))
    except Exception as exc:  # the benchmark still runs on SQLite
        print(f"(PostgreSQL unavailable: {type(exc).__name__}; SQLite only)")
    return out


def bench_storage() -> None:
    clock = FixedClock(datetime(2016, 10, 14, 9, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        results: dict[str, dict[str, float]] = {}
        for name, engine in engines(Path(tmp)):
            upgrade(engine)
            first = timed(lambda e=engine: import_reference(e, clock), 1)
            again = timed(lambda e=engine: import_reference(e, clock), 3)
            core = Core(engine, clock)
            p5 = timed(lambda c=core: c.handle(ChatRequest(identity=WHO, text="status priority 5")), 15)
            summary = timed(lambda c=core: c.handle(ChatRequest(identity=WHO, text="status")), 15)
            print(name)
            row("import reference plan (empty database)", *first)
            row("re-import reference plan (no changes)", *again)
            row("/status priority 5 (59 actions)", *p5)
            row("/status (307 actions)", *summary)
            results[name] = {"import": first[0], "p5": p5[0], "summary": summary[0]}
            engine.dispose()
        if len(results) == 2:
            s, p = results["SQLite"], results["PostgreSQL"]
            print("\nRatios PostgreSQL / SQLite: " + ", ".join(f"{k} {p[k] / s[k]:.2f}x" for k in s))


def bench_slack() -> None:
    from bench import slack_load  # imported late: it starts servers, the others don't

    slack_load.main()


def bench_scale() -> None:
    from bench import scale

    scale.main()


BENCHES: dict[str, Callable[[], None]] = {
    "timescales": bench_timescales,
    "storage": bench_storage,
    "slack": bench_slack,
    "scale": bench_scale,
}


def main(argv: list[str] | None = None) -> None:
    """`python -m bench` runs every benchmark; `python -m bench slack storage` runs those named."""
    names = (sys.argv[1:] if argv is None else argv) or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; choose from: {', '.join(BENCHES)}")
    print(f"actionbot benchmarks, {datetime.now():%Y-%m-%d %H:%M}\n")
    for name in names:
        BENCHES[name]()


if __name__ == "__main__":
    main()
