"""The neutral core, driven as every channel drives it: ChatRequest in, Reply of views out."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.typed_command import typed
from bot.views import (
    ActionDetailView,
    ActionListView,
    ConfirmationView,
    HelpView,
    NoticeView,
    NudgeView,
    PlanSummaryView,
    PriorityStatusView,
    UpdateFormView,
)
from cards.text import render_all
from storage.models import Action, ActionUpdate, AuditEvent, Person
from storage.reference import load_reference_plan

PLAN = load_reference_plan()
REF = {a.ref: a for a in PLAN.actions}


@pytest.fixture
def core(reference_engine, clock):
    clock.set(clock.now().replace(year=2016, month=10, day=14))
    return Core(reference_engine, clock)


def ask(core, who: str, text: str, **kw) -> object:
    return core.handle(ChatRequest(identity=Identity("terminal", who), text=text, **kw))


def person_for(engine, role: str) -> str:
    with Session(engine) as s:
        return next(p.key for p in s.exec(select(Person)).all() if role in p.roles)


def updates(engine, ref: str) -> list[ActionUpdate]:
    with Session(engine) as s:
        action = s.exec(select(Action).where(Action.ref == ref)).one()
        return list(s.exec(select(ActionUpdate).where(ActionUpdate.action_id == action.id)).all())


def test_priority_status_summarises_the_priority(core, reference_engine):
    reply = ask(core, "dcs", "status priority 4")
    (view,) = reply.views
    assert isinstance(view, PriorityStatusView)
    assert view.number == 4 and view.counts.total == 33
    assert view.counts.completed == 1 and view.counts.not_rated == 32
    # on 14 Oct 2016 every open action due by 30 Sep is overdue
    assert {a.ref for a in view.overdue.items} >= {"4.1.1", "4.4.1"}
    assert all(a.days_to_due < 0 for a in view.overdue.items)
    assert reply.private


def test_priority_five_list_is_cut_with_the_command_for_the_rest(core):
    (view,) = ask(core, "dcs", "p5").views
    assert view.counts.total == 59
    assert len(view.overdue.items) <= 8 and view.overdue.total > 8
    assert "more" in view.overdue.more_hint


def test_share_makes_the_reply_public(core):
    assert not ask(core, "dcs", "status priority 4 share").private


def test_whole_plan_summary_and_help(core):
    (summary,) = ask(core, "dcs", "status").views
    assert isinstance(summary, PlanSummaryView) and summary.counts.total == 307
    assert len(summary.priorities) == 10
    assert isinstance(ask(core, "dcs", "status help").views[0], HelpView)


def test_unknown_action_suggests_the_closest(core):
    (view,) = ask(core, "dcs", "status 4.2.9").views
    assert isinstance(view, NoticeView)
    assert view.text.startswith("No action 4.2.9 — did you mean")
    assert set(view.suggestions) <= {"4.2.1", "4.2.2", "4.2.3"} and view.suggestions


def test_unknown_role_suggests_the_closest(core):
    (view,) = ask(core, "dcs", "status lead HOS SCP").views
    assert isinstance(view, NoticeView) and "HOS S&CP" in view.suggestions


def test_update_by_the_lead_is_recorded_and_shown(core, reference_engine):
    lead = person_for(reference_engine, "HOS S&CP")
    reply = ask(core, lead, "4.2.1 amber - waiting on HR sign-off, new date end of Oct")
    (conf,) = reply.views
    assert isinstance(conf, ConfirmationView)
    (line,) = conf.recorded
    assert (line.ref, line.rag, line.note, str(line.proposed_due)) == ("4.2.1", "amber", "waiting on HR sign-off",
                                                                        "2016-10-31")
    (detail,) = ask(core, "dcs", "status 4.2.1").views
    assert isinstance(detail, ActionDetailView)
    assert detail.rag == "amber" and detail.updates[0].note == "waiting on HR sign-off"
    assert str(detail.pending_due) == "2016-10-31"
    assert detail.due == REF["4.2.1"].due  # a proposal does not move the deadline


def test_only_the_lead_their_delegate_or_sit_may_update(core, reference_engine):
    reply = ask(core, "dcs", "4.2.1 green")  # 4.2.1 is led by HOS S&CP
    assert "Only the lead for 4.2.1" in reply.views[0].text
    assert updates(reference_engine, "4.2.1") == []
    sit = next(p for p in Session(reference_engine).exec(select(Person)).all() if p.sit_admin)
    assert isinstance(ask(core, sit.key, "4.2.1 green").views[0], ConfirmationView)
    with Session(reference_engine) as s:
        lead = next(p for p in s.exec(select(Person)).all() if "HOS S&CP" in p.roles)
        lead.delegate_key = "dcs"
        s.add(lead)
        s.commit()
    assert isinstance(ask(core, "dcs", "4.2.2 green").views[0], ConfirmationView)


def test_unknown_person_may_ask_but_not_update(core):
    stranger = Identity("slack", "U999")
    reply = core.handle(ChatRequest(identity=stranger, text="status 4.2.1"))
    assert isinstance(reply.views[0], ActionDetailView) and not reply.views[0].can_update
    reply = core.handle(ChatRequest(identity=stranger, text="4.2.1 green"))
    assert "don't know you" in reply.views[0].text


def test_several_lines_are_all_or_nothing(core, reference_engine):
    lead = person_for(reference_engine, "HOS S&CP")
    reply = ask(core, lead, "4.2.1 green\n4.2.2 amber\n4.5.2 red - no staff")
    assert "Nothing was recorded" in reply.views[0].text and "4.2.2 amber" in reply.views[0].text
    assert updates(reference_engine, "4.2.1") == []
    reply = ask(core, lead, "4.2.1 green\n4.2.2 amber - awaiting panel date")
    assert [r.ref for r in reply.views[0].recorded] == ["4.2.1", "4.2.2"]


def test_unparseable_text_gets_the_expected_form_and_records_nothing(core, reference_engine):
    reply = ask(core, "dcs", "hello bot")
    assert "4.2.1 amber" in render_all(reply.views)
    assert reply.recorded == []


def test_proposed_date_in_the_past_or_unreadable_is_refused(core, reference_engine):
    lead = person_for(reference_engine, "HOS S&CP")
    assert "in the past" in ask(core, lead, "4.2.1 amber - late, new date 01/09/2016").views[0].text
    assert "can't read the date" in ask(core, lead, "4.2.1 amber - late, new date whenever").views[0].text
    assert updates(reference_engine, "4.2.1") == []


def test_sit_approves_a_proposed_date_and_it_is_audited(core, reference_engine):
    lead = person_for(reference_engine, "HOS S&CP")
    ask(core, lead, "4.2.1 amber - waiting on HR, new date 30/11/2016")
    assert "Only an SIT admin" in ask(core, lead, "status approve 4.2.1").views[0].text
    sit = next(p.key for p in Session(reference_engine).exec(select(Person)).all() if p.sit_admin)
    assert "now due 30 Nov 2016" in ask(core, sit, "status approve 4.2.1").views[0].text
    (detail,) = ask(core, "dcs", "status 4.2.1").views
    assert str(detail.due) == "2016-11-30" and detail.pending_due is None
    with Session(reference_engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "due.approved")).one()
        assert event.details["from"] == REF["4.2.1"].due.isoformat() and event.details["to"] == "2016-11-30"
    assert "no proposed new date" in ask(core, sit, "status approve 4.2.1").views[0].text


def test_button_amber_asks_for_a_note_then_the_form_records(core, reference_engine):
    lead = Identity("terminal", person_for(reference_engine, "HOS S&CP"))
    reply = core.handle(ChatRequest(identity=lead, kind="button", action_ref="4.2.1", rag="amber",
                                    thread_refs=("4.2.1", "4.2.2")))
    assert isinstance(reply.views[0], UpdateFormView) and reply.views[0].rag == "amber"
    assert updates(reference_engine, "4.2.1") == []
    reply = core.handle(ChatRequest(identity=lead, kind="form", action_ref="4.2.1", rag="amber", note="x" * 281,
                                    thread_refs=("4.2.1", "4.2.2")))
    assert isinstance(reply.views[0], UpdateFormView) and "280" in reply.views[0].error
    reply = core.handle(ChatRequest(identity=lead, kind="form", action_ref="4.2.1", rag="amber",
                                    note="waiting on HR", proposed_date="end of Nov", thread_refs=("4.2.1", "4.2.2")))
    assert reply.replace_original
    nudge = reply.views[0]
    assert isinstance(nudge, NudgeView) and [i.ref for i in nudge.items] == ["4.2.1", "4.2.2"]
    assert nudge.recorded == {"4.2.1": "Amber: waiting on HR"}
    (u,) = updates(reference_engine, "4.2.1")
    assert (u.rag, u.note, str(u.proposed_due), u.channel) == ("amber", "waiting on HR", "2016-11-30", "terminal")


def test_button_green_records_directly(core, reference_engine):
    lead = Identity("terminal", person_for(reference_engine, "HOS S&CP"))
    reply = core.handle(ChatRequest(identity=lead, kind="button", action_ref="4.2.1", rag="green",
                                    thread_refs=("4.2.1",)))
    assert isinstance(reply.views[-1], ConfirmationView)
    assert [u.rag for u in updates(reference_engine, "4.2.1")] == ["green"]


def test_lists_overdue_mine_due_and_lead(core, reference_engine, clock):
    (overdue,) = ask(core, "dcs", "status overdue").views
    assert isinstance(overdue, ActionListView) and overdue.total > 20
    assert all(i.days_to_due < 0 for i in overdue.items)
    (mine,) = ask(core, "dcs", "status mine").views
    dcs_roles = {"DCS"} | {r.abbrev for r in PLAN.roles if r.represented_by == "DCS"}
    expected_mine = [a for a in PLAN.actions if set(a.leads) & dcs_roles and not a.completed]
    assert mine.total == len(expected_mine) and all(set(i.leads) & dcs_roles for i in mine.items)
    (due,) = ask(core, "dcs", "status due 30d").views
    assert all(0 <= i.days_to_due <= 30 for i in due.items)
    (lead,) = ask(core, "dcs", "status lead hos s&cp").views
    assert lead.total == sum("HOS S&CP" in a.leads for a in PLAN.actions)
    assert all("HOS S&CP" in i.leads for i in lead.items)


def test_status_is_computed_as_of_the_clock(core, reference_engine, clock):
    lead = person_for(reference_engine, "HOS S&CP")
    ask(core, lead, "4.2.1 red - no budget")
    clock.advance(timedelta(days=-30))  # before the update was made: not yet rated
    (detail,) = ask(core, "dcs", "status 4.2.1").views
    assert detail.rag == "not_rated"


def test_long_lists_page_through_with_the_command_in_the_hint(core):
    (first,) = ask(core, "dcs", "status lead HOS S&CP").views
    total = sum("HOS S&CP" in a.leads for a in PLAN.actions)
    assert len(first.items) == 20 and first.more_hint == f"{total - 20} more: `{typed('status lead HOS S&CP page 2')}`"
    (second,) = ask(core, "dcs", "status lead HOS S&CP page 2").views
    assert len(second.items) == total - 20 and not second.more_hint
    assert not {i.ref for i in first.items} & {i.ref for i in second.items}


def test_a_priority_status_points_to_the_priority_filtered_list(core):
    (view,) = ask(core, "dcs", "status p5").views
    assert view.overdue.more_hint.endswith(f"`{typed('status overdue p5')}`")
    (full,) = ask(core, "dcs", "status overdue p5").views
    assert full.total == view.overdue.total and all(i.ref.startswith("5.") for i in full.items)


@pytest.mark.parametrize(
    ("note", "date", "field"),
    [("", "", "note"), ("x" * 281, "", "note"), ("late", "whenever", "date"), ("late", "01/01/2016", "date")],
)
def test_form_errors_name_the_input_they_are_about(core, reference_engine, note, date, field):
    lead = Identity("terminal", person_for(reference_engine, "HOS S&CP"))
    reply = core.handle(ChatRequest(identity=lead, kind="form", action_ref="4.2.1", rag="amber", note=note,
                                    proposed_date=date))
    (form,) = reply.views
    assert isinstance(form, UpdateFormView) and form.error_field == field


# ------------------------------------------------------------- once_key: handled once


def seen_keys(engine) -> list[str]:
    from storage.models import SeenEvent

    with Session(engine) as s:
        return [e.event_key for e in s.exec(select(SeenEvent)).all()]


def test_a_request_with_a_once_key_is_handled_once_and_its_replay_writes_nothing(core, reference_engine):
    lead = person_for(reference_engine, "HOS S&CP")
    first = ask(core, lead, "4.2.1 amber - waiting on HR", once_key="slack:trigger:t1")
    assert [r.ref for r in first.views[0].recorded] == ["4.2.1"] and not first.already_handled
    replay = ask(core, lead, "4.2.1 amber - waiting on HR", once_key="slack:trigger:t1")
    assert replay.already_handled and replay.views == []
    assert len(updates(reference_engine, "4.2.1")) == 1
    # another invocation (its own key) is another request
    again = ask(core, lead, "4.2.1 green", once_key="slack:trigger:t2")
    assert not again.already_handled and len(updates(reference_engine, "4.2.1")) == 2
    assert sorted(seen_keys(reference_engine)) == ["slack:trigger:t1", "slack:trigger:t2"]


def test_a_request_that_fails_leaves_no_claim_so_its_retry_is_handled(core, reference_engine, monkeypatch):
    import bot.conversation as conversation

    def broken(*_args, **_kw):
        raise RuntimeError("a bug while answering")

    with monkeypatch.context() as m:
        m.setattr(conversation.Core, "_reply", broken)
        with pytest.raises(RuntimeError):
            ask(core, "dcs", "status priority 4", once_key="slack:trigger:t3")
    assert seen_keys(reference_engine) == []
    assert isinstance(ask(core, "dcs", "status priority 4", once_key="slack:trigger:t3").views[0], PriorityStatusView)


@pytest.mark.parametrize("key", ["", "x" * 201, 5])
def test_a_once_key_that_is_not_a_short_text_is_refused_and_nothing_is_claimed(core, reference_engine, key):
    reply = ask(core, "dcs", "status priority 4", once_key=key)
    assert isinstance(reply.views[0], NoticeView) and "delivery id" in reply.views[0].text
    assert seen_keys(reference_engine) == []


def test_a_priority_status_is_kept_with_its_state_and_follows_each_update(core, reference_engine):
    first = ask(core, "dcs", "status priority 4").views[0]
    assert ask(core, "dcs", "status priority 4").views[0] is first  # nothing changed: the kept view
    assert first.counts.not_rated == 32
    ask(core, person_for(reference_engine, "HOS S&CP"), "4.2.1 amber - waiting on HR")
    after = ask(core, "dcs", "status priority 4").views[0]
    assert after is not first and (after.counts.amber, after.counts.not_rated) == (1, 31)


def test_a_request_that_fails_after_reading_the_plan_leaves_the_kept_state_readable(reference_engine, clock):
    """The state and the live plans a failed request read are kept for the next: the failure's
    rollback must not expire them (a rollback expires every object of its session)."""
    core = Core(reference_engine, clock)

    def fails_after_the_answer(*_args):
        raise RuntimeError("the channel's read failed")

    with pytest.raises(RuntimeError):
        core.handle(ChatRequest(identity=Identity("terminal", "dcs"), text="status priority 4"),
                    alongside=fails_after_the_answer)
    reply = ask(core, "dcs", "status 4.2.1")
    assert isinstance(reply.views[0], ActionDetailView) and reply.views[0].ref == "4.2.1"
    assert isinstance(ask(core, "dcs", "status priority 4").views[0], PriorityStatusView)


def test_a_failed_approval_leaves_no_unsaved_date_in_what_the_core_keeps(reference_engine, clock):
    """An SIT officer approves a proposed date, and the request fails before it commits (here:
    the channel's read after the answer). The core must not go on showing the approved date
    that was never saved: it drops what it kept, and the next answer reads the database."""
    lead = person_for(reference_engine, "HOS S&CP")
    sit = person_for(reference_engine, "SIT")
    ask(Core(reference_engine, clock), lead, "4.2.1 amber - waiting on HR, new date 30 Nov 2016")
    with Session(reference_engine) as s:
        due = s.exec(select(Action).where(Action.ref == "4.2.1")).one().due
    # a server that has kept nothing yet: the approval reads the plan's state itself, so the
    # action it changes is the very object the core then keeps
    core = Core(reference_engine, clock)

    def fails(*_args):
        raise RuntimeError("the connection dropped before the commit")

    with pytest.raises(RuntimeError):
        core.handle(ChatRequest(identity=Identity("terminal", sit), text="approve 4.2.1"), alongside=fails)
    assert ask(core, "dcs", "status 4.2.1").views[0].due == due  # the approval was rolled back, in memory too
    with Session(reference_engine) as s:
        assert s.exec(select(Action).where(Action.ref == "4.2.1")).one().due == due  # and in the database
    approved = core.handle(ChatRequest(identity=Identity("terminal", sit), text="approve 4.2.1"))
    assert "approved" in approved.views[0].text.lower()
    assert ask(core, "dcs", "status 4.2.1").views[0].due != due  # the same approval, committed
