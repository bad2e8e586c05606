"""Four `actionbot db upgrade` processes (real OS processes, each with its own connection)
started together on one fresh PostgreSQL schema all succeed, and the schema ends at head.

Without the migration lock (`storage.migration_lock`) they each try to create the same tables
and all but one crash with DuplicateTable. SQLite deployments run one process, so this is
PostgreSQL only.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from storage.db import alembic_config, current_revision
from tests.conftest import _pg_engine, database_url

ROOT = Path(__file__).resolve().parents[2]
ACTIONBOT = ROOT / ".venv" / "bin" / "actionbot"
PROCESSES = 4


def test_four_upgrades_at_once_on_a_fresh_schema_all_succeed(request, tmp_path):
    engine = _pg_engine(request)  # a fresh, empty schema
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    url = database_url(engine)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no DATABASE_URL or .env from the developer
    procs = [
        subprocess.Popen(
            [str(ACTIONBOT), "--database-url", url, "db", "upgrade"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=240)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, "\n---\n".join(outputs)
    assert not any("DuplicateTable" in out or "Traceback" in out for out in outputs), outputs
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None and current_revision(engine) == head
    assert all(f"schema at revision {head}" in out for out in outputs), outputs
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert {"action_update", "audit_event", "send_ledger", "alembic_version"} <= tables
