"""Measure the hot paths side by side in one run and print figures and ratios.

- timescale parsing: our parser vs dateparser alone (which also gets "Sep 16" wrong);
- importing the whole reference plan (the issue asks for well under a second);
- answering `/status priority 5` (the largest priority) and the plan summary, SQLite vs PostgreSQL;
- start-up (`actionbot --help`, `serve` to its first /healthz) and an idle server's memory;
- Slack and Teams under load against their frameworks' floors, and `serve --workers` 1 vs 2;
- a nudge round through fakes that enforce Slack's and Teams' rate limits (`fanout`);
- refusing the issue's hostile import files (a zip-bomb workbook expanding to 1.5 GB, a
  1,000,000-row CSV): the reader alone, and the whole `actionbot import` in a child process
  with its peak memory (issue #9 asks for under 2 s and under 200 MB).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dateparser
from sqlalchemy import create_engine, text

from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.runtime import import_reference
from domain.clock import FixedClock
from domain.timescale import parse_timescale
from storage.db import make_engine, upgrade
from storage.importers import read_plan_file
from storage.reference import load_reference_plan
from tests.hostile_files import million_row_csv, zip_bomb_xlsx

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


_PEAK = (
    "import json, resource, subprocess, sys, time\n"
    "t0 = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "print(json.dumps({'rc': p.returncode, 's': time.perf_counter() - t0,\n"
    "                  'kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
)


def run_cli(args: list[str], cwd: Path) -> tuple[int, float, float]:
    """Run `actionbot ARGS` in a child process: exit code, wall seconds, peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONBOT_")}
    command = [sys.executable, "-m", "actionbot", "--database-url", f"sqlite:///{cwd / 'bench-import.db'}", *args]
    out = subprocess.run([sys.executable, "-c", _PEAK, *command], capture_output=True, text=True, env=env, cwd=cwd)
    result = json.loads(out.stdout)
    return result["rc"], result["s"], result["kb"] / 1024


def bench_hostile_files() -> None:
    print("\nRefusing hostile import files (limits: 100 MB unzipped, 200,000 rows)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        files = [
            ("zip-bomb .xlsx (1.5 GB unzipped)", zip_bomb_xlsx(folder / "bomb.xlsx", 1_500_000_000)),
            ("1,000,000-row CSV", million_row_csv(folder / "million.csv")),
        ]
        print(
            f"  (generated in {time.perf_counter() - t0:.1f} s: "
            + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for _, p in files)
            + ")"
        )
        run_cli(["db", "upgrade"], folder)
        _, startup, startup_mb = run_cli(["--help"], folder)
        print(f"  (the command's own start-up, `actionbot --help`: {startup * 1000:.0f} ms, peak {startup_mb:.0f} MB)")
        for name, path in files:
            refused = timed(lambda p=path: read_plan_file(p), 5)
            assert read_plan_file(path).problems, name
            ok = refused[0] < 2000
            row(f"{name}: reader refuses it", *refused, "ok (< 2 s)" if ok else "OVER 2 s")
            code, seconds, peak = run_cli(["import", str(path)], folder)
            verdict = "ok" if code == 1 and peak < 200 else "OVER (target: exit 1, < 200 MB)"
            print(
                f"  {name + ': actionbot import':<48} {seconds * 1000:9.0f} ms wall with start-up, "
                f"peak {peak:4.0f} MB, exit {code}  {verdict}"
            )


def bench_slack() -> None:
    from bench import slack_load  # imported late: it starts servers, the others don't

    slack_load.main()


def bench_scale() -> None:
    from bench import scale

    scale.main()


def bench_scale_100k() -> None:
    from bench import scale

    scale.main_100k()


def bench_import() -> None:
    from bench import imports

    imports.main()


def bench_preview() -> None:
    from bench import preview

    preview.main()


def bench_teams() -> None:
    from bench import teams_load

    teams_load.main()


def bench_fanout() -> None:
    from bench import fanout

    fanout.main()


def bench_startup() -> None:
    from bench import startup

    startup.main_startup()


def bench_memory() -> None:
    from bench import startup

    startup.main_memory()


def bench_workers() -> None:
    from bench import workers

    workers.main()


BENCHES: dict[str, Callable[[], None]] = {
    "timescales": bench_timescales,
    "storage": bench_storage,
    "hostile-files": bench_hostile_files,
    "slack": bench_slack,
    "teams": bench_teams,
    "scale": bench_scale,
    "scale-100k": bench_scale_100k,  # minutes: not in the default run (`make bench-scale`)
    "import": bench_import,  # 10,000 actions; BENCH_IMPORT_100K=1 adds 100,000
    "preview": bench_preview,  # the month's preview of `scale` alone: not in the default run
    "fanout": bench_fanout,
    "startup": bench_startup,
    "memory": bench_memory,
    "workers": bench_workers,
}
DEFAULT = [name for name in BENCHES if name not in ("scale-100k", "preview")]


def main(argv: list[str] | None = None) -> None:
    """`python -m bench` runs every benchmark but the 100,000-action one and `preview` (which
    `scale` includes); `python -m bench slack storage` runs those named."""
    names = (sys.argv[1:] if argv is None else argv) or DEFAULT
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; choose from: {', '.join(BENCHES)}")
    print(f"actionbot benchmarks, {datetime.now():%Y-%m-%d %H:%M}\n")
    for name in names:
        BENCHES[name]()


if __name__ == "__main__":
    main()
