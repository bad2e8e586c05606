"""`INSERT … ON CONFLICT DO NOTHING` for SQLite and PostgreSQL: the primitive behind
exactly-once sends and handle-once platform events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_ignore(session: Session, model: type, values: dict[str, Any], conflict_columns: list[str]) -> int:
    """Insert a row unless one with the same unique key exists. Returns 1 if this call inserted."""
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    else:
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    # RETURNING, not rowcount: psycopg 3 reports rowcount -1 for this statement.
    returned = session.execute(stmt.returning(*table.primary_key.columns)).first()
    return 1 if returned is not None else 0
