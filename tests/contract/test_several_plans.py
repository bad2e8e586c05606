"""Several plans in one deployment: which plans are live, and who changes that. On SQLite and
PostgreSQL, through `save_plan` and `storage.plan_status` (the rules the CLI and chat use)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from storage import plan_status, repo
from storage.db import session_scope
from storage.models import AuditEvent, Plan
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import save_plan

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)


def plan_data(key: str, title: str) -> PlanData:
    return PlanData(
        key=key,
        title=title,
        priorities=[PriorityRow(1, "One", "Director (DCS)", ["DCS"])],
        findings=[FindingRow("1.1", 1, "A finding")],
        actions=[ActionRow("1.1.1", "1.1", 1, "Do a thing", "Sep 16", None, None, None, ["DCS"])],
    )


def live_keys(engine) -> list[str]:
    with Session(engine) as s:
        return [p.key for p in repo.live_plans(s)]


def test_the_first_plan_of_a_deployment_is_live(any_engine):
    with session_scope(any_engine) as s:
        summary = save_plan(s, plan_data("yj", "Youth Justice"), actor="test", now=NOW)
    assert summary.live is True
    assert "plan yj imported, live" in summary.describe()
    assert live_keys(any_engine) == ["yj"]


def test_reimporting_keeps_a_plans_status(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        save_plan(s, plan_data("yj", "Youth Justice"), actor="test", now=NOW)
    with session_scope(reference_any_engine) as s:
        again = save_plan(s, plan_data("yj", "Youth Justice v2"), actor="test", now=NOW)
    assert again.live is False and not again.new_plan
    assert "plan yj updated, not live" in again.describe()
    with session_scope(reference_any_engine) as s:
        plan_status.activate(s, "yj", actor="test", now=NOW)
    with session_scope(reference_any_engine) as s:
        assert save_plan(s, plan_data("yj", "Youth Justice v3"), actor="test", now=NOW).live is True
    assert live_keys(reference_any_engine) == ["bromley-2016-17", "yj"]


def test_activate_and_archive_are_audited_and_the_default_stays_the_oldest_live(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        save_plan(s, plan_data("yj", "Youth Justice"), actor="test", now=NOW)
    with session_scope(reference_any_engine) as s:
        assert plan_status.activate(s, "YJ", actor="sit", now=NOW).startswith("plan yj is live")
    with Session(reference_any_engine) as s:
        assert repo.active_plan(s).key == "bromley-2016-17"
    with session_scope(reference_any_engine) as s:
        assert "archived" in plan_status.archive(s, "bromley-2016-17", actor="sit", now=NOW)
    with Session(reference_any_engine) as s:
        assert repo.active_plan(s).key == "yj"
        events = s.exec(select(AuditEvent).where(AuditEvent.kind.in_(["plan.activated", "plan.archived"]))).all()
        assert [(e.kind, e.subject, e.actor) for e in events] == [
            ("plan.activated", "yj", "sit"),
            ("plan.archived", "bromley-2016-17", "sit"),
        ]


def test_the_last_live_plan_cannot_be_archived(reference_any_engine):
    with session_scope(reference_any_engine) as s, pytest.raises(plan_status.PlanStatusError) as err:
        plan_status.archive(s, "bromley-2016-17", actor="sit", now=NOW)
    assert "only live plan" in str(err.value) and "actionbot plan activate KEY" in str(err.value)
    with Session(reference_any_engine) as s:
        assert s.exec(select(Plan)).one().active is True


def test_an_unknown_key_is_refused_with_a_suggestion(reference_any_engine):
    with session_scope(reference_any_engine) as s, pytest.raises(plan_status.PlanStatusError) as err:
        plan_status.activate(s, "bromley-2016-71", actor="sit", now=NOW)
    assert str(err.value) == "no plan 'bromley-2016-71': did you mean bromley-2016-17?"
