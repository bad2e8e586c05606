"""Migration 0009: the Slack and Teams ids that were columns of `person` become
`person_identity` rows, on SQLite and PostgreSQL, with data already in the database; and back."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import Session

from bot.identity import identities_of, person_for
from storage.db import alembic_config, current_revision, upgrade
from tests.conftest import _pg_engine, _sqlite_engine

BEFORE = "0008"
PEOPLE = [
    # key, slack_user_id, teams_user_id
    ("ann", "U0ANN", "29:ann"),
    ("bob", "U0BOB", None),
    ("cat", None, "29:cat"),
    ("dan", None, None),
    ("eve", "U0ANN", None),  # the old columns let two people share an id: the first by key keeps it
    ("fay", "  ", ""),  # blanks are no link
]


@pytest.fixture(params=["sqlite", "postgres"])
def old_engine(request, tmp_path):
    """A database at the schema before identities were rows, holding linked people."""
    engine = _pg_engine(request) if request.param == "postgres" else _sqlite_engine(tmp_path)
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        for key, slack, teams in PEOPLE:
            conn.execute(
                text(
                    "INSERT INTO person (key, name, email, slack_user_id, teams_user_id, timezone, sit_admin, "
                    "performance_officer, roles) VALUES (:key, :name, :email, :slack, :teams, 'Europe/London', "
                    ":no, :no, '[]')"
                ),
                {"key": key, "name": key.title(), "email": f"{key}@example.invalid", "slack": slack, "teams": teams,
                 "no": False},
            )
    yield engine
    engine.dispose()


def test_every_existing_link_becomes_a_row_and_the_columns_go(old_engine):
    upgrade(old_engine, "0009_person_identity")
    assert current_revision(old_engine) == "0009_person_identity"
    columns = {c["name"] for c in inspect(old_engine).get_columns("person")}
    assert not {"slack_user_id", "teams_user_id"} & columns
    with old_engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, user_id, person_key FROM person_identity")).all()
    assert sorted(map(tuple, rows)) == [
        ("slack", "U0ANN", "ann"),
        ("slack", "U0BOB", "bob"),
        ("teams", "29:ann", "ann"),
        ("teams", "29:cat", "cat"),
    ]
    with Session(old_engine) as s:
        assert identities_of(s, "ann") == {"slack": "U0ANN", "teams": "29:ann"}
        assert identities_of(s, "dan") == {} and identities_of(s, "fay") == {}
        assert person_for(s, "teams", "29:cat").key == "cat"
        assert person_for(s, "email", "cat@example.invalid") is None  # a channel with no rows: nobody, no KeyError


def test_the_downgrade_puts_the_links_back_into_the_columns(old_engine):
    upgrade(old_engine)
    command.downgrade(alembic_config(old_engine), BEFORE)
    with old_engine.connect() as conn:
        rows = conn.execute(text("SELECT key, slack_user_id, teams_user_id FROM person ORDER BY key")).all()
        assert not inspect(conn).has_table("person_identity")
    assert [tuple(r) for r in rows] == [
        ("ann", "U0ANN", "29:ann"),
        ("bob", "U0BOB", None),
        ("cat", None, "29:cat"),
        ("dan", None, None),
        ("eve", None, None),
        ("fay", None, None),
    ]
