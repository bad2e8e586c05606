"""`bot.outage.is_database_outage`: real errors from real databases, told apart. An outage is
"try again later"; a bug (a missing table, a broken constraint) must not be disguised as one."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.outage import UNAVAILABLE, is_database_outage, unavailable_notice
from storage.db import make_engine


def _raised(engine, sql: str, **execution: object) -> BaseException:
    with pytest.raises(Exception) as caught, engine.connect() as conn:
        if execution:
            conn = conn.execution_options(**execution)
        conn.execute(text(sql))
    return caught.value


def test_postgresql_refusing_connections_is_an_outage():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere")
    try:
        error = _raised(engine, "SELECT 1")
    finally:
        engine.dispose()
    assert isinstance(error, OperationalError)
    assert is_database_outage(error)
    wrapped = RuntimeError("while handling a request")
    wrapped.__cause__ = error
    assert is_database_outage(wrapped)  # found through the cause, whoever wrapped it


def test_a_locked_sqlite_database_is_an_outage(tmp_path):
    path = tmp_path / "locked.db"
    holder = create_engine(f"sqlite:///{path}")
    waiter = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    with holder.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.commit()
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        error = _raised(waiter, "SELECT * FROM t")
        conn.rollback()
    holder.dispose()
    waiter.dispose()
    assert "locked" in str(error)
    assert is_database_outage(error)


def test_a_missing_table_or_a_constraint_is_not_an_outage(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bugs.db'}")
    missing = _raised(engine, "SELECT * FROM no_such_table")
    assert isinstance(missing, OperationalError) and not is_database_outage(missing)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE u (x INTEGER UNIQUE)")
        conn.exec_driver_sql("INSERT INTO u VALUES (1)")
        conn.commit()
    duplicate = _raised(engine, "INSERT INTO u VALUES (1)")
    engine.dispose()
    assert isinstance(duplicate, IntegrityError) and not is_database_outage(duplicate)
    assert not is_database_outage(ValueError("not a database error at all"))


def test_the_notice_says_nothing_was_recorded():
    notice = unavailable_notice()
    assert notice.text == UNAVAILABLE and notice.level == "error"
    assert "temporarily unavailable" in UNAVAILABLE and "nothing was recorded" in UNAVAILABLE
