"""Alembic environment: runs on the engine handed over by `storage.db.upgrade`, holding the
schema's migration lock on PostgreSQL (`storage.migration_lock`)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.migration_lock import migration_lock

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        import os  # the plain `alembic` command: storage reads the variable itself, never bot's settings

        from sqlmodel import create_engine

        from storage.defaults import DEFAULT_DATABASE_URL

        engine = create_engine(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    # one migrator at a time on PostgreSQL (concurrent upgrades of a fresh schema would collide)
    with engine.connect() as connection, migration_lock(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
