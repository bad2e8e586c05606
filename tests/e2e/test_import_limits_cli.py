"""The real `actionbot import` refuses the issue's hostile files, in a child process, within a
bounded peak memory (issue #9): a zip-bomb workbook and a million-row CSV.

Without the limits the workbook took minutes and gigabytes (openpyxl builds every cell) and the
CSV ran past 400 s at about 1 GB. Peak memory is measured with `getrusage(RUSAGE_CHILDREN)` in a
small wrapper process that runs only the command, so no other child of the test run counts.
How fast the refusal is goes into `make bench` (a figure, not a timed test).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_files import million_row_csv, zip_bomb_xlsx

PEAK_RSS_LIMIT_MB = 200
WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, 'peak_kb': peak}))\n"
)


def actionbot() -> list[str]:
    script = shutil.which("actionbot", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "actionbot"]


def run_import(tmp_path: Path, path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIONBOT_", "SLACK_", "MICROSOFT_"))}
    command = [*actionbot(), "--database-url", f"sqlite:///{tmp_path / 'actionbot.db'}", "import", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=330
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda p: zip_bomb_xlsx(p / "bomb.xlsx"),
            "bomb.xlsx: the file expands to 300.2 MB when unzipped, over the limit of 100 MB: it is not an "
            "ordinary .xlsx workbook (a zip bomb?); raise ACTIONBOT_IMPORT_MAX_UNZIPPED_BYTES if the file is genuine",
        ),
        (
            lambda p: million_row_csv(p / "million.csv"),
            "million.csv: the file has more than 200,000 rows, the limit for an import: split it, or raise "
            "ACTIONBOT_IMPORT_MAX_ROWS if the file is genuine",
        ),
    ],
    ids=["zip-bomb-xlsx", "million-row-csv"],
)
def test_the_cli_refuses_a_hostile_file_with_a_listed_problem_in_bounded_memory(tmp_path, make, expected):
    path = make(tmp_path)

    result = run_import(tmp_path, path)

    assert result["rc"] == 1, result
    assert result["err"].startswith(f"actionbot: {path}: nothing was imported; 1 problem(s):\n"), result["err"]
    assert f"  - {tmp_path}/{expected}" in result["err"]
    assert "Traceback" not in result["err"]
    peak_mb = result["peak_kb"] / 1024  # Linux reports ru_maxrss in kilobytes
    assert peak_mb < PEAK_RSS_LIMIT_MB, f"peak RSS {peak_mb:.0f} MB"
