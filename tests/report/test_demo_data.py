"""`actionbot demo-data`: a labelled sample in its own plan copy, loaded only when asked,
idempotent, and retired by `--remove` without touching the append-only audit trail."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from actionbot.demo_data import DEMO_CHANNEL, DEMO_KEY, NOTE_PREFIX, load_demo, remove_demo
from bot.report import build_report
from domain.clock import FixedClock
from storage import repo
from storage.models import ActionUpdate, Plan
from storage.reference import REFERENCE_KEY
from tests.conftest import uk

CLOCK = FixedClock(uk(2016, 11, 1, 9, 0))


def plan_updates(session, key: str) -> list[ActionUpdate]:
    plan = session.exec(select(Plan).where(Plan.key == key)).one()
    ids = [a.id for a in repo.plan_actions(session, plan.id)]
    return [u for ups in repo.updates_for(session, ids).values() for u in ups]


def test_demo_data_is_a_labelled_separate_plan_and_idempotent(reference_any_engine):
    first = load_demo(reference_any_engine, CLOCK)
    assert first.created and first.updates > 300 and first.escalations > 0 and first.readings > 0
    second = load_demo(reference_any_engine, CLOCK)
    assert not second.created and second.updates == first.updates
    with Session(reference_any_engine) as session:
        active = repo.active_plan(session)
        assert active.key == DEMO_KEY and "SAMPLE DATA" in active.title
        sample = plan_updates(session, DEMO_KEY)
        assert len(sample) == first.updates
        assert all(u.channel == DEMO_CHANNEL and u.note.startswith(NOTE_PREFIX) for u in sample)
        assert all("(fictional)" in u.author_name for u in sample)
        assert plan_updates(session, REFERENCE_KEY) == []  # the reference plan is untouched
        months = Counter(u.at.astimezone(uk(2016, 1, 1).tzinfo).strftime("%Y-%m") for u in sample)
        assert sorted(months) == ["2016-06", "2016-07", "2016-08", "2016-09", "2016-10"]
        report = build_report(session, active, "2016-09")
    assert report.sample
    c = report.counts
    assert c.red > 0 and c.amber > 0 and c.green > 0 and c.completed > 5  # something real-looking
    assert report.figures()["escalations_raised"] > 0


def test_remove_retires_the_sample_and_reactivates_the_reference_plan(reference_any_engine):
    load_demo(reference_any_engine, CLOCK)
    message = remove_demo(reference_any_engine, CLOCK)
    assert "retired" in message and REFERENCE_KEY in message and "append-only" in message
    with Session(reference_any_engine) as session:
        assert repo.active_plan(session).key == REFERENCE_KEY
        demo = session.exec(select(Plan).where(Plan.key == DEMO_KEY)).one()
        assert demo.active is False
        report = build_report(session, repo.active_plan(session), "2016-09")
        kinds = [e.kind for e in repo.audit_events(session, ["demo.loaded", "demo.removed"])]
    assert not report.sample and report.counts.not_rated == 302  # nothing sample shows any more
    assert kinds == ["demo.loaded", "demo.removed"]


def test_loading_again_after_removal_brings_the_same_sample_back(reference_engine):
    first = load_demo(reference_engine, CLOCK)
    remove_demo(reference_engine, CLOCK)
    again = load_demo(reference_engine, CLOCK)
    assert not again.created and again.updates == first.updates
    with Session(reference_engine) as session:
        assert repo.active_plan(session).key == DEMO_KEY


def test_no_sample_unless_asked(reference_engine):
    with Session(reference_engine) as session:
        assert session.exec(select(Plan).where(Plan.key == DEMO_KEY)).first() is None
        assert "no sample data" in remove_demo(reference_engine, CLOCK)


def test_remove_brings_back_every_plan_that_was_live(reference_engine):
    """Several plans can be live: the sample stands in for all of them, and gives all back."""
    from storage import plan_status
    from storage.db import session_scope
    from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
    from storage.plan_store import save_plan

    yj = PlanData(
        key="yj",
        title="Youth Justice Plan",
        priorities=[PriorityRow(1, "One", "Director (DCS)", ["DCS"])],
        findings=[FindingRow("1.1", 1, "A finding")],
        actions=[ActionRow("1.1.1", "1.1", 1, "Do a thing", "Sep 16", None, None, None, ["DCS"])],
    )
    with session_scope(reference_engine) as s:
        save_plan(s, yj, actor="test", now=CLOCK.now())
        plan_status.activate(s, "yj", actor="test", now=CLOCK.now())
    load_demo(reference_engine, CLOCK)
    with Session(reference_engine) as session:
        assert [p.key for p in repo.live_plans(session)] == [DEMO_KEY]
    remove_demo(reference_engine, CLOCK)
    with Session(reference_engine) as session:
        assert [p.key for p in repo.live_plans(session)] == [REFERENCE_KEY, "yj"]
