"""`INSERT … ON CONFLICT DO NOTHING` for SQLite and PostgreSQL: the primitive behind
exactly-once sends and handle-once platform events."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session


def insert_ignore(session: Session, model: type, values: dict[str, Any], conflict_columns: list[str]) -> int:
    """Insert a row unless one with the same unique key exists. Returns 1 if this call inserted."""
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    stmt = _statement(dialect, table, tuple(values), tuple(conflict_columns))
    returned = session.execute(stmt, values).first()
    return 1 if returned is not None else 0


@functools.lru_cache(maxsize=64)
def _statement(dialect: str, table: Table, columns: tuple[str, ...], conflict_columns: tuple[str, ...]) -> Insert:
    """The statement for one table and set of columns, built once with a bound parameter per
    column: it runs for every platform event and every send, and building it anew each time
    (and its cache key) cost more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(table)
        .values({c: bindparam(c) for c in columns})
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
    )
    # RETURNING, not rowcount: psycopg 3 reports rowcount -1 for this statement.
    return stmt.returning(*table.primary_key.columns)
