"""The storage contract, run on SQLite and on PostgreSQL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, func, select

from bot.runtime import import_reference
from domain.clock import FixedClock
from storage.db import current_revision, session_scope, upgrade
from storage.ledger_sql import insert_ignore
from storage.models import Action, ActionUpdate, AuditEvent, SeenEvent
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import PlanValidationError, save_plan

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)


def small_plan(lead: str = "DCS") -> PlanData:
    return PlanData(
        key="small", title="Small plan",
        priorities=[PriorityRow(1, "One", "Director (DCS)", ["DCS"])],
        findings=[FindingRow("1.1", 1, "A finding")],
        actions=[ActionRow("1.1.1", "1.1", 1, "Do a thing", "Sep 16", None, None, None, [lead])],
    )


def test_migrations_are_idempotent_and_reach_head(any_engine):
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS, alembic_config

    upgrade(any_engine)
    head = ScriptDirectory.from_config(alembic_config(any_engine)).get_current_head()
    assert head is not None and current_revision(any_engine) == head
    assert (MIGRATIONS / "versions").is_dir()


def test_migrated_schema_matches_the_models(any_engine):
    """A model change without a migration (or the reverse) fails here, on both databases."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_audit_trail_is_append_only(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        action = s.exec(select(Action).where(Action.ref == "4.2.1")).one()
        s.add(ActionUpdate(action_id=action.id, at=NOW, author_key="dcs", rag="green", channel="test"))
    for statement in ("UPDATE action_update SET rag = 'red'", "DELETE FROM action_update",
                      "UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), reference_any_engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with Session(reference_any_engine) as s:
        assert s.exec(select(ActionUpdate)).one().rag == "green"


def test_reimport_updates_in_place_and_keeps_history(reference_any_engine):
    clock = FixedClock(NOW)
    with session_scope(reference_any_engine) as s:
        action = s.exec(select(Action).where(Action.ref == "4.2.1")).one()
        s.add(ActionUpdate(action_id=action.id, at=NOW, author_key="hos-scp", rag="amber", note="x", channel="t"))
    plan, _ = import_reference(reference_any_engine, clock)
    assert plan.created["action"] == 0 and plan.updated["action"] == 0 and plan.unchanged["action"] == 307
    with Session(reference_any_engine) as s:
        assert s.exec(select(func.count()).select_from(Action)).one() == 307
        assert s.exec(select(func.count()).select_from(ActionUpdate)).one() == 1
        assert s.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "plan.import")).one() == 2


def test_invalid_plan_writes_nothing(any_engine):
    bad = small_plan(lead="")
    bad.actions.append(ActionRow("1.1.1", "1.1", 1, "Duplicate", "Sep 16", leads=["DCS"]))
    bad.actions.append(ActionRow("1.9.1", "1.9", 1, "Orphan", "Sep 16", leads=["DCS"]))
    with pytest.raises(PlanValidationError) as err, session_scope(any_engine) as s:
        save_plan(s, bad, actor="test", now=NOW)
    reasons = [p.reason for p in err.value.problems]
    assert any("no lead" in r for r in reasons)
    assert any("duplicate action id 1.1.1" in r for r in reasons)
    assert any("unknown finding 1.9" in r for r in reasons)
    with Session(any_engine) as s:
        assert s.exec(select(func.count()).select_from(Action)).one() == 0


def test_several_plans_in_one_database_a_second_import_is_not_live(reference_any_engine):
    """Importing never silently changes which plans are live: the reference plan stays the default."""
    from storage import repo

    with session_scope(reference_any_engine) as s:
        summary = save_plan(s, small_plan(), actor="test", now=NOW)
    assert summary.live is False and summary.new_plan
    assert "plan small imported, not live: `actionbot plan activate small` to make it live" in summary.describe()
    with Session(reference_any_engine) as s:
        assert repo.active_plan(s).key == "bromley-2016-17"
        assert [p.key for p in repo.live_plans(s)] == ["bromley-2016-17"]
        assert repo.active_plan(s, "small").key == "small"
        with pytest.raises(repo.NoPlanError, match="no plan 'nope'"):
            repo.active_plan(s, "nope")


def test_insert_ignore_claims_once(any_engine):
    with session_scope(any_engine) as s:
        first = insert_ignore(s, SeenEvent, {"event_key": "Ev1", "at": NOW}, ["event_key"])
        second = insert_ignore(s, SeenEvent, {"event_key": "Ev1", "at": NOW}, ["event_key"])
    assert (first, second) == (1, 0)


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_event",
        "TRUNCATE action_update",
        "TRUNCATE action_update CASCADE",
        "TRUNCATE action CASCADE",  # empties action_update with it
        "TRUNCATE plan, priority, finding, action, action_update, audit_event RESTART IDENTITY CASCADE",
    ],
)
def test_postgresql_refuses_to_truncate_the_audit_trail(reference_postgres_engine, statement):
    """TRUNCATE fires no row trigger: migration 0004's statement triggers refuse it."""
    with session_scope(reference_postgres_engine) as s:
        action = s.exec(select(Action).where(Action.ref == "4.2.1")).one()
        s.add(ActionUpdate(action_id=action.id, at=NOW, author_key="dcs", rag="green", channel="test"))
    with Session(reference_postgres_engine) as s:
        before = (s.exec(select(func.count()).select_from(ActionUpdate)).one(),
                  s.exec(select(func.count()).select_from(AuditEvent)).one())
    with pytest.raises(DBAPIError, match="append-only"), reference_postgres_engine.begin() as conn:
        conn.exec_driver_sql(statement)
    for still_refused in ("UPDATE action_update SET rag = 'red'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), reference_postgres_engine.begin() as conn:
            conn.exec_driver_sql(still_refused)
    with Session(reference_postgres_engine) as s:
        assert (s.exec(select(func.count()).select_from(ActionUpdate)).one(),
                s.exec(select(func.count()).select_from(AuditEvent)).one()) == before
        assert before[0] == 1 and before[1] > 0
