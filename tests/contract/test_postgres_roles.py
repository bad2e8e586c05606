"""The README's PostgreSQL roles (deploy/postgres-roles.sql), run on the test server: the
migration role migrates; the app role runs the bot (at head, `db upgrade` has nothing to do and
succeeds; it imports a plan, records a heartbeat, appends to the audit trail) but cannot create
or drop a table or truncate one, and the triggers refuse it UPDATE and DELETE on the
append-only tables. Role and schema names get a unique suffix (roles are cluster-wide)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from bot.runtime import import_reference
from domain.clock import FixedClock
from scheduler import heartbeat
from storage.db import current_revision, make_engine, session_scope, upgrade
from storage.models import Action, ActionUpdate
from tests.conftest import PG_URL, uk

ROOT = Path(__file__).resolve().parents[2]
SQL = ROOT / "deploy" / "postgres-roles.sql"


def statements(sql: str, suffix: str) -> list[str]:
    sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    sql = re.sub(r"\bactionbot(_owner|_app)?\b", lambda m: f"actionbot{m.group(1) or ''}_{suffix}", sql)
    return [s.strip() for s in sql.split(";") if s.strip()]


@pytest.fixture
def roles(postgres_ready):
    suffix = f"t{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    names = {"owner": f"actionbot_owner_{suffix}", "app": f"actionbot_app_{suffix}", "schema": f"actionbot_{suffix}"}

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {names['schema']} CASCADE"))
            for role in (names["app"], names["owner"]):
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                    conn.execute(text(f"DROP OWNED BY {role}"))
                    conn.execute(text(f"DROP ROLE {role}"))

    drop()
    with admin.connect() as conn:
        for statement in statements(SQL.read_text(encoding="utf-8"), suffix):
            conn.execute(text(statement))
    yield {k: (make_url(PG_URL).set(username=v) if k != "schema" else v) for k, v in names.items()}
    drop()
    admin.dispose()


def refused(engine, sql: str) -> str:
    with engine.connect() as conn:
        try:
            conn.execute(text(sql))
            conn.commit()
        except DBAPIError as exc:
            return str(exc.orig)
    raise AssertionError(f"{sql!r} was allowed")


def test_the_app_role_writes_rows_but_not_the_schema(roles):
    owner = make_engine(roles["owner"].render_as_string(hide_password=False))
    app = make_engine(roles["app"].render_as_string(hide_password=False))
    try:
        upgrade(owner)  # the migration role: the tables land in its schema (search_path)
        with owner.connect() as conn:
            assert conn.execute(text("select current_schema()")).scalar() == roles["schema"]
        head = current_revision(owner)
        upgrade(app)  # what `serve` and `clock` do at start-up: nothing to do, and no DDL needed
        assert current_revision(app) == head
        import_reference(app, FixedClock(uk(2016, 6, 1, 9, 0)), actor="test")  # INSERTs, sequences
        heartbeat.record(app, "host clock", uk(2016, 9, 1, 9, 0), 60.0, leader=True)  # INSERT … ON CONFLICT UPDATE
        assert "permission denied" in refused(app, "CREATE TABLE intruder (id int)")
        assert "must be owner" in refused(app, "DROP TABLE send_ledger")
        assert "permission denied" in refused(app, "TRUNCATE audit_event")
        assert "append-only" in refused(app, "UPDATE audit_event SET actor = 'someone else'")
        with session_scope(app) as session:  # the app role appends to the audit trail ...
            action = session.exec(select(Action)).first()
            session.add(ActionUpdate(action_id=action.id, at=uk(2016, 9, 2, 10, 0), rag="green", note="on track"))
        # ... and may not change it (the triggers answer, whoever asks)
        assert "append-only" in refused(app, "UPDATE action_update SET rag = 'red'")
        assert "append-only" in refused(app, "DELETE FROM action_update")
        assert "append-only" in refused(app, "DELETE FROM audit_event")
    finally:
        owner.dispose()
        app.dispose()


def test_the_readme_shows_the_same_sql():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SQL.read_text(encoding="utf-8").strip() in readme
