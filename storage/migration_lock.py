"""One migrator at a time: a PostgreSQL advisory lock around `alembic upgrade`.

Alembic itself does not serialise concurrent upgrades. Four processes started at once on a fresh
schema (four `actionbot db upgrade`, or a deploy that starts `serve` and `clock` together) each
see no `alembic_version`, each begin a transaction that creates the same tables, and all but
the first fail with `DuplicateTable` when it commits. Holding a session-level advisory lock on
the migration connection makes the others wait; when they get the lock, Alembic reads the
version the first one committed and has nothing left to do.

The lock is keyed by schema (`hashtext(current_schema())`), like the scheduler's leader lock,
so two deployments (or two test schemas) in one database never wait for each other. It is taken
in the Alembic environment (`storage/migrations/env.py`), so every path that migrates (the CLI,
`serve`, `clock`, a plain `alembic upgrade`) goes through it. SQLite needs nothing: it has one
writer at a time and its deployments run one process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

LOCK_CLASS = 0x61B1  # first key of the two-key advisory lock: "actionbot migrations" (the leader lock is 0x61B0)
_KEY = "hashtext(current_schema())"
TRY_LOCK = text(f"SELECT pg_try_advisory_lock(:cls, {_KEY})")
LOCK = text(f"SELECT pg_advisory_lock(:cls, {_KEY})")
UNLOCK = text(f"SELECT pg_advisory_unlock(:cls, {_KEY})")


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Hold the schema's migration lock on `connection` for the duration of the block.

    The lock is session-level, so it outlives the block's commits; it is released at the end
    (and by PostgreSQL if the process dies, since the connection goes with it). The connection
    is left outside any transaction on entry, so Alembic begins its own.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    params = {"cls": LOCK_CLASS}
    if not connection.execute(TRY_LOCK, params).scalar():
        log.info("another process is migrating this database; waiting for it to finish")
        connection.execute(LOCK, params)
    connection.commit()
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()  # a failed migration: its transaction is aborted, the unlock must not be
        try:
            connection.execute(UNLOCK, params)
            connection.commit()
        except Exception:  # the connection is broken: closing it releases the lock anyway
            log.debug("migration unlock failed; the connection's end releases the lock", exc_info=True)
            connection.invalidate()
