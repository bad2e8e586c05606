"""`actionbot preview` of a month at 10,000 actions, alone: quicker than `bench scale` (no
scheduler ticks, no `status`), for working on the preview.

It imports the synthetic plan and people directory (`bench/synthetic.py`, the scale benchmark's),
then runs `actionbot preview --from 2016-09-01 --to 2016-10-01 -o FILE` as a user would (process
start included), and the same command over a weekend (no wake-up: what a preview costs before it
simulates anything: start-up, reading the plan, the directory and who can be reached). Wall and
CPU time are printed with the machine's load average; the CPU time is the steadier figure on a
shared machine. The target (issue #14) is 5 s for the month.

Run: `python -m bench preview`; `BENCH_PREVIEW=actions:people` for another size.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.scale import ACTIONBOT, PLAN_KEY, line, load, seconds, wall
from bench.synthetic import generate
from domain.clock import FixedClock
from storage.db import make_engine, upgrade
from storage.importers import import_plan_file

UK = ZoneInfo("Europe/London")


def preview_cli(env: dict[str, str], start: str, end: str, out: Path) -> tuple[float, subprocess.CompletedProcess]:
    return seconds(
        lambda: subprocess.run(
            [str(ACTIONBOT), "preview", "--from", start, "--to", end, "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
        )
    )


def main() -> None:
    actions, people = (int(x) for x in os.environ.get("BENCH_PREVIEW", "10000:2000").split(":"))
    print(f"Preview of a month: {actions:,} actions, {people:,} people (SQLite); {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plan_csv, people_csv = generate(folder / "files", actions, people)
        url = f"sqlite:///{folder / 'preview.db'}"
        engine = make_engine(url)
        upgrade(engine)
        clock = FixedClock(datetime(2016, 9, 14, 10, 0, tzinfo=UK))
        import_plan_file(engine, clock, str(plan_csv), plan_key=PLAN_KEY, title="Synthetic")
        engine.dispose()
        env = os.environ | {"DATABASE_URL": url, "ACTIONBOT_PLAN": PLAN_KEY}
        done = subprocess.run([str(ACTIONBOT), "people", "import", str(people_csv)], env=env, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"people import failed: {done.stderr!r}")
        took, done = preview_cli(env, "2016-09-03", "2016-09-05", folder / "weekend.txt")
        line("preview of a weekend (start-up and reading)", wall(took), "" if done.returncode == 0 else "FAILED")
        took, done = preview_cli(env, "2016-09-01", "2016-10-01", folder / "month.txt")
        summary = done.stdout.strip().split(";")[0] if done.returncode == 0 else "FAILED"
        line("preview of a month (CLI)", wall(took), f"target <= 5 s; {summary}")
    print(f"  (after the run: {load()})\n")


if __name__ == "__main__":
    main()
