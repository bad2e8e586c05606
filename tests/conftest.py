"""Shared fixtures: a fixed clock, and databases — SQLite always, PostgreSQL for the storage,
contract and scheduler suites (a fresh schema per test, so parallel runs never collide).

PostgreSQL unreachable is a failure, never a silent skip. A developer without PostgreSQL may
set ACTIONBOT_TEST_POSTGRES=off to skip those tests locally; CI=true ignores that switch.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from bot.runtime import import_reference
from domain.clock import FixedClock
from storage.db import make_engine, upgrade

PG_URL = os.environ.get("ACTIONBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
UK = ZoneInfo("Europe/London")
_counter = itertools.count()


def uk(*args: int) -> datetime:
    """A UK local date-time (what the plan and people mean by a time)."""
    return datetime(*args, tzinfo=UK)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(uk(2016, 9, 14, 10, 0))


def _postgres_available() -> str | None:
    try:
        eng = create_engine(PG_URL)
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # report whatever the driver says
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_ready() -> None:
    problem = _postgres_available()
    if problem is None:
        return
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if not in_ci and os.environ.get("ACTIONBOT_TEST_POSTGRES", "").lower() == "off":
        pytest.skip(f"PostgreSQL tests switched off locally (ACTIONBOT_TEST_POSTGRES=off): {problem}")
    pytest.fail(f"PostgreSQL is unreachable at {PG_URL}: {problem}. Start it, or (locally only) set "
                "ACTIONBOT_TEST_POSTGRES=off.", pytrace=False)


def _pg_engine(request):
    request.getfixturevalue("postgres_ready")
    schema = f"ab_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(PG_URL, schema=schema)

    def cleanup():
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    request.addfinalizer(cleanup)
    return engine


def database_url(engine) -> str:
    """The engine's URL as `--database-url` or `DATABASE_URL` takes it: a test's PostgreSQL
    schema is in it (`make_engine` puts the search_path in the URL's `options`)."""
    return engine.url.render_as_string(hide_password=False)


def copy_sqlite(engine, target: Path) -> Path:
    """A consistent copy of a live SQLite database, through SQLite's backup API: the database runs
    in WAL mode, so recent commits may still be in the -wal file that copying the main file misses."""
    with sqlite3.connect(engine.url.database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def _sqlite_engine(tmp_path: Path):
    return make_engine(f"sqlite:///{tmp_path / 'actionbot.db'}")


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request, tmp_path):
    """An empty, migrated database: once on SQLite, once on PostgreSQL."""
    engine = _pg_engine(request) if request.param == "postgres" else _sqlite_engine(tmp_path)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = _sqlite_engine(tmp_path)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _reference_sqlite_template(tmp_path_factory) -> Path:
    """The reference plan imported once into a SQLite file; tests get a copy (fast, isolated)."""
    path = tmp_path_factory.mktemp("reference") / "reference.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    import_reference(engine, FixedClock(uk(2016, 6, 1, 9, 0)), actor="test")
    engine.dispose()
    return path


@pytest.fixture
def reference_engine(_reference_sqlite_template, tmp_path):
    """SQLite with the reference plan and its example people loaded."""
    target = tmp_path / "ref.db"
    shutil.copy(_reference_sqlite_template, target)
    engine = make_engine(f"sqlite:///{target}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def reference_any_engine(request, tmp_path, _reference_sqlite_template):
    """The reference plan on SQLite and on PostgreSQL (for storage and scheduler suites)."""
    if request.param == "sqlite":
        target = tmp_path / "ref.db"
        shutil.copy(_reference_sqlite_template, target)
        engine = make_engine(f"sqlite:///{target}")
    else:
        engine = _pg_engine(request)
        upgrade(engine)
        import_reference(engine, FixedClock(uk(2016, 6, 1, 9, 0)), actor="test")
    yield engine
    engine.dispose()


@pytest.fixture
def reference_postgres_engine(request):
    """The reference plan on PostgreSQL only: for what only PostgreSQL promises (several
    scheduler processes on one database)."""
    engine = _pg_engine(request)
    upgrade(engine)
    import_reference(engine, FixedClock(uk(2016, 6, 1, 9, 0)), actor="test")
    yield engine
    engine.dispose()
