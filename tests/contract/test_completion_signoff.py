"""Completion needs evidence and sign-off (issue 12), through the neutral core on SQLite and
PostgreSQL: a completion claim carries its evidence, stays "Completed (awaiting sign-off)"
until an SIT admin signs it off or reopens it, and the report counts claimed and verified
completions apart while the RAG counts still sum to the plan's 307 actions."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.periods import Period
from bot.plan_state import load_state
from bot.report import build_report
from bot.requests import ChatRequest, Identity
from bot.status import AWAITING_SIGNOFF
from bot.views import (
    ActionDetailView,
    ActionListView,
    ConfirmationView,
    NoticeView,
    PlanSummaryView,
    UpdateFormView,
)
from cards.report_text import render_report
from cards.text import render_all
from storage import repo
from storage.models import ActionUpdate, AuditEvent
from tests.conftest import uk

CLAIM = "4.2.1 completed - evidence: audit report Oct 16"


@pytest.fixture
def core(reference_any_engine, clock):
    clock.set(uk(2016, 10, 14, 10, 0))
    return Core(reference_any_engine, clock)


def ask(core: Core, text: str, *, who: str = "hos-scp", channel: str = "terminal"):
    return core.handle(ChatRequest(Identity(channel, who), text=text))


def one(reply):
    (view,) = reply.views
    return view


def detail(core: Core) -> ActionDetailView:
    view = one(ask(core, "status 4.2.1"))
    assert isinstance(view, ActionDetailView), render_all([view])
    return view


def test_a_completion_records_its_evidence_apart_from_the_note(core, reference_any_engine):
    assert isinstance(
        one(ask(core, "4.2.1 completed - all staff trained, evidence: https://intranet/audit/16")), ConfirmationView
    )
    with Session(reference_any_engine) as s:
        u = s.exec(select(ActionUpdate).order_by(ActionUpdate.id.desc())).first()
    assert (u.rag, u.note, u.evidence) == ("completed", "all staff trained", "https://intranet/audit/16")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("4.2.1 completed", "needs evidence"),
        ("4.2.1 done - all trained", "needs evidence"),
        ("4.2.1 completed - evidence:", "needs evidence"),
        ("4.2.1 completed - evidence: javascript:alert(1)", "http:// or https://"),
        ("4.2.1 completed - evidence: file:///etc/passwd", "http:// or https://"),
        ("4.2.1 completed - evidence: " + "x" * 201, "keep it to 200"),
    ],
)
def test_a_completion_without_good_evidence_is_refused_with_the_form_to_use(core, reference_any_engine, text, says):
    view = one(ask(core, text))
    assert isinstance(view, NoticeView) and view.level == "warning"
    assert says in view.text
    if says == "needs evidence":
        assert "evidence: audit report Oct 16" in view.text
    with Session(reference_any_engine) as s:
        assert s.exec(select(ActionUpdate)).first() is None


def test_the_completed_button_opens_the_form_and_the_form_needs_evidence(core, reference_any_engine):
    button = ChatRequest(Identity("terminal", "hos-scp"), kind="button", action_ref="4.2.1", rag="completed")
    assert isinstance(one(core.handle(button)), UpdateFormView)
    form = ChatRequest(
        Identity("terminal", "hos-scp"), kind="form", action_ref="4.2.1", rag="completed", note="all done"
    )
    view = one(core.handle(form))
    assert isinstance(view, UpdateFormView) and view.error_field == "note" and "needs evidence" in view.error
    ok = ChatRequest(
        Identity("terminal", "hos-scp"), kind="form", action_ref="4.2.1", rag="completed", note="evidence: audit report"
    )
    assert isinstance(one(core.handle(ok)), ConfirmationView)
    with Session(reference_any_engine) as s:
        (u,) = s.exec(select(ActionUpdate)).all()
    assert u.evidence == "audit report"


def test_a_claim_awaits_sign_off_and_the_sit_signs_it_off(core, reference_any_engine):
    ask(core, CLAIM)
    view = detail(core)
    assert view.rag == "completed" and view.completion.startswith(AWAITING_SIGNOFF)
    assert "audit report Oct 16" in view.completion
    summary = one(ask(core, "status"))
    assert isinstance(summary, PlanSummaryView) and summary.counts.total == 307
    assert summary.awaiting_signoff.startswith("1 of the completed is")

    answer = one(ask(core, "signoff 4.2.1", who="sit-manager"))
    assert answer.level == "info" and "Signed off: 4.2.1" in answer.text
    assert detail(core).completion == ""
    assert one(ask(core, "status")).awaiting_signoff == ""
    with Session(reference_any_engine) as s:
        (event,) = repo.audit_events(s, ["completion.signed_off"])
        assert event.subject == "4.2.1" and event.details["update_id"] is not None
    again = one(ask(core, "signoff 4.2.1", who="sit-manager"))
    assert again.level == "warning" and "no completion awaiting sign-off" in again.text


def test_reopen_returns_the_action_to_its_rag_before_the_claim_with_the_reason(core, reference_any_engine):
    ask(core, "4.2.1 amber - waiting on HR")
    ask(core, CLAIM)
    refused = one(ask(core, "reopen 4.2.1", who="sit-manager"))
    assert refused.level == "warning" and "Say why" in refused.text
    answer = one(ask(core, "reopen 4.2.1 - the audit found two teams untrained", who="sit-manager"))
    assert answer.level == "info" and "Reopened 4.2.1" in answer.text
    view = detail(core)
    assert view.rag == "amber"
    assert view.completion == "Reopened by the SIT: the audit found two teams untrained"
    with Session(reference_any_engine) as s:
        (event,) = repo.audit_events(s, ["completion.reopened"])
        assert event.details["reason"] == "the audit found two teams untrained"
    # a new claim awaits sign-off again
    ask(core, "4.2.1 completed - evidence: re-audit Nov 16")
    assert detail(core).completion.startswith(AWAITING_SIGNOFF)


@pytest.mark.parametrize("text", ["signoff 4.2.1", "reopen 4.2.1 - not convinced"])
def test_only_sit_admins_may_sign_off_or_reopen(core, reference_any_engine, text):
    ask(core, CLAIM)
    view = one(ask(core, text, who="hos-scp"))
    assert view.level == "warning" and "Only an SIT admin" in view.text
    with Session(reference_any_engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.kind.like("completion.%"))).first() is None
    assert detail(core).completion.startswith(AWAITING_SIGNOFF)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("signoff 9.9.9", "no action 9.9.9"),
        ("signoff 4.2.2", "no completion awaiting sign-off"),
        ("signoff", "I didn't understand"),
        ("reopen 4.2.1 - " + "x" * 300, "keep it to 280"),
    ],
)
def test_bad_signoff_commands_are_refused_clearly(core, text, says):
    ask(core, CLAIM)
    view = one(ask(core, text, who="sit-manager"))
    assert isinstance(view, NoticeView) and view.level == "warning"
    assert says.lower() in view.text.lower()


@pytest.mark.parametrize("kind", ["message", "command"])
def test_signoff_is_a_text_command_as_a_message_and_a_command(core, kind):
    ask(core, CLAIM)
    view = one(core.handle(ChatRequest(Identity("terminal", "sit-manager"), text="signoff 4.2.1", kind=kind)))
    assert "Signed off: 4.2.1" in view.text


def test_the_report_counts_claimed_and_verified_completions_apart(core, reference_any_engine):
    ask(core, CLAIM)
    ask(core, "4.2.2 completed - evidence: https://example.org/minutes")
    ask(core, "signoff 4.2.2", who="sit-manager")
    with Session(reference_any_engine) as s:
        plan = repo.active_plan(s)
        report = build_report(s, plan, Period.month(2016, 10), as_of=uk(2016, 10, 14, 12, 0))
    figures = report.figures()
    assert report.counts.total == 307
    assert figures["awaiting_signoff"] == 1
    # the 5 actions the plan marks completed count as verified, with 4.2.2 signed off
    assert figures["completed_verified"] == report.counts.completed - 1 == 6
    (p4,) = [p for p in report.priorities if p.number == 4]
    assert [a.ref for a in p4.awaiting_signoff] == ["4.2.1"]
    text = render_report(report)
    assert "Completed and signed off 6" in text and "Completed (awaiting sign-off) 1" in text


def audit_list(core: Core, who: str = "sit-manager") -> ActionListView:
    view = one(ask(core, "status audits", who=who))
    assert isinstance(view, ActionListView), render_all([view])
    return view


def test_thematic_audits_come_round_within_30_days_or_overdue(core, clock, reference_any_engine):
    assert audit_list(core).items == ()
    assert "No thematic audits due" in audit_list(core).empty_text
    answer = one(ask(core, "audit 4.2.1 due 1 Nov 2016", who="sit-manager"))
    assert answer.level == "info" and "Tue 01 Nov 2016" in answer.text
    ask(core, "audit 4.2.2 due 30 Jan 2017", who="sit-manager")
    ask(core, "audit 4.2.3 due 20 Oct 2016", who="sit-manager")
    listed = audit_list(core, who="hos-scp")  # everyone may read the list
    assert [a.ref for a in listed.items] == ["4.2.3", "4.2.1"]  # 4.2.2 is more than 30 days away
    assert listed.items[0].note == "audit due 20 Oct 2016"
    clock.set(uk(2016, 10, 25, 10, 0))
    listed = audit_list(core)
    assert listed.items[0].note == "audit due 20 Oct 2016 (5 days overdue)"
    assert one(ask(core, "audit 4.2.3 off", who="sit-manager")).level == "info"
    assert [a.ref for a in audit_list(core).items] == ["4.2.1"]
    with Session(reference_any_engine) as s:
        kinds = [e.kind for e in repo.audit_events(s, ["audit.scheduled", "audit.cleared"])]
    assert kinds == ["audit.scheduled"] * 3 + ["audit.cleared"]


@pytest.mark.parametrize(
    ("text", "who", "says"),
    [
        ("audit 4.2.1 due Mar 17", "hos-scp", "Only an SIT admin"),
        ("audit 4.2.1 due the twelfth of never", "sit-manager", "can't read the date"),
        ("audit 4.2.1 due 1 Jan 2016", "sit-manager", "in the past"),
        ("audit 4.2.1 due 31/12/9999", "sit-manager", "too far ahead"),
        ("audit 9.9.9 due Mar 17", "sit-manager", "no action 9.9.9"),
        ("audit 4.2.1 off", "sit-manager", "no audit date"),
        ("audit 4.2.1", "sit-manager", "didn't understand"),
    ],
)
def test_bad_audit_commands_are_refused_clearly(core, reference_any_engine, text, who, says):
    view = one(ask(core, text, who=who))
    assert isinstance(view, NoticeView) and view.level == "warning", render_all([view])
    assert says.lower() in view.text.lower()
    with Session(reference_any_engine) as s:
        assert repo.audit_events(s, ["audit.scheduled", "audit.cleared"]) == []


def test_a_past_instant_shows_the_claim_as_it_stood_before_the_sign_off(core, clock, reference_any_engine):
    ask(core, CLAIM)  # 14 Oct
    clock.set(uk(2016, 10, 20, 10, 0))
    ask(core, "signoff 4.2.1", who="sit-manager")
    with Session(reference_any_engine) as s:
        plan = repo.active_plan(s)
        before = load_state(s, plan, uk(2016, 10, 15, 12, 0)).action("4.2.1")
        after = load_state(s, plan, uk(2016, 10, 21, 12, 0)).action("4.2.1")
    assert before.awaiting_signoff and not after.awaiting_signoff
    assert before.rag == after.rag == "completed"
