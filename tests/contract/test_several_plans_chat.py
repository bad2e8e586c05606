"""Several plans in chat, through the core: `plans`, `use plan KEY`, `status … in KEY`, and
answers that name their plan once more than one is live. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.typed_command import shown
from bot.views import NoticeView, PlanSummaryView, PriorityStatusView
from cards.text import render
from domain.clock import FixedClock
from storage import plan_status
from storage.db import session_scope
from storage.models import Action, ActionUpdate, AuditEvent, Person
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import save_plan

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)


def youth_justice() -> PlanData:
    return PlanData(
        key="yj",
        title="Youth Justice Plan",
        priorities=[PriorityRow(1, "Reducing reoffending", "Director (DCS)", ["DCS"])],
        findings=[FindingRow("1.1", 1, "A finding")],
        actions=[ActionRow("1.1.1", "1.1", 1, "Do a thing", "Sep 16", None, None, None, ["DCS"])],
    )


@pytest.fixture
def two_plans(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        save_plan(s, youth_justice(), actor="test", now=NOW)
        plan_status.activate(s, "yj", actor="test", now=NOW)
    return reference_any_engine


def ask(engine, who: str, text: str, channel: str = "terminal"):
    return Core(engine, FixedClock(NOW)).handle(ChatRequest(identity=Identity(channel, who), text=text))


def text_of(reply) -> str:
    return shown("\n".join(render(v) for v in reply.views), "")


def test_one_live_plan_answers_name_no_plan(reference_any_engine):
    reply = ask(reference_any_engine, "dcs", "status")
    assert isinstance(reply.views[0], PlanSummaryView)
    assert "Plan:" not in text_of(reply)


def test_answers_name_their_plan_when_several_are_live(two_plans):
    reply = ask(two_plans, "dcs", "status priority 4")
    assert isinstance(reply.views[0], NoticeView) and reply.views[0].level == "info"
    assert reply.views[0].text.startswith("Plan: ") and reply.views[0].text.endswith("(bromley-2016-17)")
    assert isinstance(reply.views[1], PriorityStatusView) and reply.views[1].number == 4


def test_plans_lists_the_live_plans_and_marks_the_persons_own(two_plans):
    text = text_of(ask(two_plans, "dcs", "plans"))
    assert "• bromley-2016-17:" in text and "• yj: Youth Justice Plan" in text
    assert text.splitlines()[1].endswith("← yours now") and "← yours now" not in text.splitlines()[2]
    with session_scope(two_plans) as s:
        plan_status.archive(s, "yj", actor="test", now=NOW)
    assert "yj" not in text_of(ask(two_plans, "dcs", "plans"))


def test_status_in_key_asks_another_plan_once(two_plans):
    reply = ask(two_plans, "dcs", "status priority 1 in yj")
    assert reply.views[0].text == "Plan: Youth Justice Plan (yj)"
    assert reply.views[1].title == "Reducing reoffending"
    again = ask(two_plans, "dcs", "status priority 1")
    assert again.views[0].text.endswith("(bromley-2016-17)") and again.views[1].title != "Reducing reoffending"


def test_in_p4_is_still_a_priority_filter_not_a_plan(two_plans):
    reply = ask(two_plans, "dcs", "status overdue in p4")
    assert reply.views[0].text.endswith("(bromley-2016-17)")
    assert "no plan" not in text_of(reply)


def test_use_plan_is_remembered_per_person_and_audited(two_plans):
    reply = ask(two_plans, "dcs", "use plan yj")
    assert text_of(reply) == "Your plan is now Youth Justice Plan (yj): `status` answers about it."
    assert ask(two_plans, "dcs", "status p1").views[1].title == "Reducing reoffending"
    assert ask(two_plans, "dph", "status p1").views[1].title != "Reducing reoffending"
    with Session(two_plans) as s:
        assert s.exec(select(Person).where(Person.key == "dcs")).one().current_plan_key == "yj"
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "person.plan")).one()
        assert (event.actor, event.details) == ("dcs", {"plan": "yj"})
    # once the chosen plan is archived, the person is back on the default plan
    with session_scope(two_plans) as s:
        plan_status.archive(s, "yj", actor="test", now=NOW)
    assert isinstance(ask(two_plans, "dcs", "status p1").views[0], PriorityStatusView)


def test_unknown_and_archived_plans_are_refused_clearly(two_plans):
    unknown = ask(two_plans, "dcs", "status priority 1 in yk")
    assert text_of(unknown) == "No plan 'yk': did you mean yj?"
    assert ask(two_plans, "dcs", "use plan nope").views[0].text.startswith("No plan 'nope'")
    with session_scope(two_plans) as s:
        plan_status.archive(s, "yj", actor="test", now=NOW)
    archived = ask(two_plans, "dcs", "status in yj")
    assert archived.views[0].text.startswith("Plan yj is not live. Live plans: bromley-2016-17.")


def test_someone_unknown_cannot_choose_a_plan(two_plans):
    reply = ask(two_plans, "U999", "use plan yj", channel="slack")
    assert reply.views[0].level == "warning"
    assert "I don't know who you are yet" in reply.views[0].text
    with Session(two_plans) as s:
        assert all(p.current_plan_key is None for p in s.exec(select(Person)).all())


def test_a_button_finds_the_one_live_plan_that_has_its_action(two_plans):
    """A card does not say which plan it came from: its action decides, never a guess."""
    click = ChatRequest(identity=Identity("terminal", "dcs"), kind="button", action_ref="1.1.1", rag="green")
    text = text_of(Core(two_plans, FixedClock(NOW)).handle(click))
    assert "1.1.1 is in more than one live plan (bromley-2016-17, yj), so nothing was recorded" in text
    assert "`use plan KEY`" in text
    with Session(two_plans) as s:
        assert s.exec(select(ActionUpdate)).all() == []


def test_a_button_for_an_action_only_one_plan_has_goes_to_that_plan(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        data = youth_justice()
        data.actions[0] = ActionRow("1.1.99", "1.1", 1, "Only here", "Sep 16", None, None, None, ["DCS"])
        save_plan(s, data, actor="test", now=NOW)
        plan_status.activate(s, "yj", actor="test", now=NOW)
    click = ChatRequest(identity=Identity("terminal", "dcs"), kind="button", action_ref="1.1.99", rag="green")
    Core(reference_any_engine, FixedClock(NOW)).handle(click)
    with Session(reference_any_engine) as s:
        action = s.exec(select(Action).where(Action.ref == "1.1.99")).one()
        assert [u.rag for u in s.exec(select(ActionUpdate).where(ActionUpdate.action_id == action.id)).all()] == [
            "green"
        ]


def test_a_role_with_in_in_its_name_is_not_taken_for_a_plan(two_plans):
    reply = ask(two_plans, "dcs", "status lead Head of Service in Schools")
    assert "No plan" not in text_of(reply)
    assert "in Schools" in text_of(reply)


def test_a_button_that_knows_its_plan_is_recorded_there_and_an_unlive_plan_is_refused(two_plans):
    """A channel that knows the plan (an email link remembers it) passes `plan_key`: the id
    both live plans have is then not ambiguous; a plan that is not live is refused as typed."""
    click = ChatRequest(
        identity=Identity("terminal", "dcs"), kind="button", action_ref="1.1.1", rag="green", plan_key="yj"
    )
    Core(two_plans, FixedClock(NOW)).handle(click)
    with Session(two_plans) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert update.rag == "green" and s.get(Action, update.action_id).plan_id == plan_status.find(s, "yj").id
    with session_scope(two_plans) as s:
        plan_status.archive(s, "yj", actor="test", now=NOW)
    text = text_of(Core(two_plans, FixedClock(NOW)).handle(click))
    assert "yj is not live" in text or "not live" in text
    with Session(two_plans) as s:
        assert len(s.exec(select(ActionUpdate)).all()) == 1


def test_one_core_sees_plans_activated_and_archived_between_its_requests(reference_any_engine):
    """The core keeps the live plans between requests (`bot.plans.KeptPlans`); activating or
    archiving a plan (audited) shows in its very next answer."""
    core = Core(reference_any_engine, FixedClock(NOW))

    def ask_core(text: str):
        return core.handle(ChatRequest(identity=Identity("terminal", "dcs"), text=text))

    assert "Plan:" not in text_of(ask_core("status priority 4"))
    with session_scope(reference_any_engine) as s:
        save_plan(s, youth_justice(), actor="test", now=NOW)
        plan_status.activate(s, "yj", actor="test", now=NOW)
    assert text_of(ask_core("status priority 4")).startswith("Plan: ")
    assert "yj" in text_of(ask_core("plans"))
    with session_scope(reference_any_engine) as s:
        plan_status.archive(s, "yj", actor="test", now=NOW)
    assert "Plan:" not in text_of(ask_core("status priority 4"))
    assert "yj" not in text_of(ask_core("plans"))


def test_kept_plans_are_read_once_per_trail_version(reference_any_engine):
    from bot.plans import KeptPlans
    from storage import repo

    kept = KeptPlans()
    with session_scope(reference_any_engine) as s:
        version = repo.trail_version(s)
        first = kept.live(s, version)
        assert [p.key for p in first] == ["bromley-2016-17"]
        assert kept.live(s, version) is first
        save_plan(s, youth_justice(), actor="test", now=NOW)
        plan_status.activate(s, "yj", actor="test", now=NOW)
    with session_scope(reference_any_engine) as s:
        version = repo.trail_version(s)
        assert [p.key for p in kept.live(s, version)] == ["bromley-2016-17", "yj"]
