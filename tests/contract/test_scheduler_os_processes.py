"""Two real scheduler processes (two OS processes, two connection pools) on one PostgreSQL
schema, ticking the same simulated fortnight: every message is sent exactly once.

SQLite is single-process by design (see ARCHITECTURE.md), so this runs on PostgreSQL only; the
thread-based race in test_scheduler_delivery.py covers both databases.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from storage.models import SendLedger
from tests.contract.test_scheduler_delivery import at, expected_keys

ROOT = Path(__file__).resolve().parents[2]


def start(engine, tmp_path: Path, n: int, lock: bool) -> subprocess.Popen:
    with engine.connect() as conn:
        schema = conn.execute(text("select current_schema()")).scalar()
    args = [
        sys.executable,
        "-m",
        "tests.fakes.race_worker",
        "--url",
        engine.url.render_as_string(hide_password=False),
        "--schema",
        schema,
        "--first",
        "2016-09-01",
        "--last",
        "2016-09-16",
        "--go",
        str(tmp_path / "go"),
        "--out",
        str(tmp_path / f"sent-{n}.txt"),
    ] + (["--lock"] if lock else [])
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("with_leader_lock", [False, True])
def test_two_os_processes_send_each_message_exactly_once(reference_postgres_engine, tmp_path, with_leader_lock):
    engine = reference_postgres_engine
    procs = [start(engine, tmp_path, n, with_leader_lock) for n in (0, 1)]
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    sent, led = [], []
    for n in (0, 1):
        lines = (tmp_path / f"sent-{n}.txt").read_text(encoding="utf-8").splitlines()
        led.append(int(lines[-1].removeprefix("#led ")))
        sent.append([k for k in lines[:-1] if k])
    keys = sent[0] + sent[1]
    assert [k for k, c in Counter(keys).items() if c > 1] == []
    assert sorted(keys) == expected_keys(engine, at(2016, 9, 1, 0, 0), at(2016, 9, 17))
    with Session(engine) as s:
        rows = s.exec(select(SendLedger)).all()
    assert len(rows) == len(keys) and all(r.status == "sent" for r in rows)
    if with_leader_lock:
        # the first to take the advisory lock keeps it for its life: the other never sends
        assert sorted(len(x) for x in sent)[0] == 0
        assert max(led) == 32  # ... and led every one of its 32 ticks (2 a day, 1–16 September)
