"""`storage.db.upgrade_if_behind` (every start-up) recognises a database already at the head
without Alembic (a start-up cost, issue #14), and still migrates one that is behind: on SQLite
and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory

from storage.db import alembic_config, at_head, current_revision, script_heads, upgrade_if_behind


def test_the_heads_read_from_the_scripts_are_alembics(any_engine):
    heads = ScriptDirectory.from_config(alembic_config(any_engine)).get_heads()
    assert script_heads() == frozenset(heads) and len(heads) == 1


def test_a_database_behind_the_head_is_still_migrated(any_engine):
    assert at_head(any_engine)
    [head] = script_heads()
    command.downgrade(alembic_config(any_engine), "-1")
    behind = current_revision(any_engine)
    assert behind != head and not at_head(any_engine)
    upgrade_if_behind(any_engine)
    assert current_revision(any_engine) == head and at_head(any_engine)
