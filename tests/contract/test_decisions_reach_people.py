"""Decisions reach people (issue 12), on SQLite and PostgreSQL: when the SIT approves or rejects
a proposed date, or reopens a completion, the lead who asked is told in their own channel by the
next scheduler tick, exactly once (one send-ledger row per decision), with the new due date or
the reason; `status proposals` lists what waits, with buttons only for SIT admins; the SIT's
messages count the proposals."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.plan_state import load_state
from bot.policy import load_policy
from bot.requests import ChatRequest, Identity
from bot.views import NoticeView, ProposalsView
from cards.text import render_all
from scheduler.messages import weekly_digest_views
from scheduler.tick import Ticker
from storage import repo
from storage.models import SendLedger
from tests.conftest import uk
from tests.fakes.outbound import RecordingChannel

PROPOSAL = "4.2.1 amber - trainer off sick, new date 30/11/2016"


@pytest.fixture
def core(reference_any_engine, clock):
    clock.set(uk(2016, 10, 14, 10, 0))
    return Core(reference_any_engine, clock)


def ask(core: Core, text: str, who: str = "hos-scp"):
    (view,) = [v for v in core.handle(ChatRequest(Identity("terminal", who), text=text)).views]
    return view


def tick(engine, clock, channel: RecordingChannel, recipients=None):
    ticker = Ticker(engine, clock, load_policy(), {"fake": channel}, recipients=recipients, include_sit=False)
    return asyncio.run(ticker.tick())


def decisions(channel: RecordingChannel) -> list:
    return [s for s in channel.sent if s.kind == "decision"]


def test_an_approval_is_told_to_the_lead_once(core, clock, reference_any_engine):
    ask(core, PROPOSAL)
    answer = ask(core, "status approve 4.2.1", who="sit-manager")
    assert "Approved: 4.2.1 is now due 30 Nov 2016" in answer.text
    channel = RecordingChannel()
    tick(reference_any_engine, clock, channel)
    (told,) = decisions(channel)
    assert told.to == "hos-scp"
    assert render_all(told.views) == "The SIT approved your proposed date for 4.2.1 (bromley-2016-17): it is now due 30 Nov 2016."
    clock.set(uk(2016, 10, 14, 11, 0))
    tick(reference_any_engine, clock, channel)
    assert len(decisions(channel)) == 1  # claimed in the ledger: never sent twice
    with Session(reference_any_engine) as s:
        (row,) = s.exec(select(SendLedger).where(SendLedger.kind == "decision")).all()
    assert row.status == "sent" and row.recipient == "hos-scp" and row.key.startswith("decision:")


def test_a_rejection_carries_the_reason_and_the_date_that_stands(core, clock, reference_any_engine):
    ask(core, PROPOSAL)
    answer = ask(core, "status reject 4.2.1 - the board wants it by October", who="sit-manager")
    assert answer.text == "Rejected: 4.2.1 stays due 28 Feb 2017. Reason: the board wants it by October"
    with Session(reference_any_engine) as s:
        (event,) = repo.audit_events(s, ["due.rejected"])
    assert event.details["reason"] == "the board wants it by October"
    channel = RecordingChannel()
    tick(reference_any_engine, clock, channel)
    (told,) = decisions(channel)
    text = render_all(told.views)
    assert "rejected your proposed date (30 Nov 2016) for 4.2.1" in text
    assert "it stays due 28 Feb 2017" in text and "Reason: the board wants it by October" in text


def test_a_reopened_completion_goes_back_to_its_claimant_with_the_reason(core, clock, reference_any_engine):
    ask(core, "4.2.1 completed - evidence: audit report Oct 16")
    ask(core, "reopen 4.2.1 - two teams untrained", who="sit-manager")
    channel = RecordingChannel()
    tick(reference_any_engine, clock, channel)
    (told,) = decisions(channel)
    assert told.to == "hos-scp" and "The SIT reopened 4.2.1" in render_all(told.views)
    assert "Reason: two teams untrained" in render_all(told.views)


def test_the_terminal_chat_ticker_tells_only_the_person_at_the_keyboard(core, clock, reference_any_engine):
    ask(core, PROPOSAL)
    ask(core, "status approve 4.2.1", who="sit-manager")
    channel = RecordingChannel()
    tick(reference_any_engine, clock, channel, recipients={"hos-qi"})
    assert decisions(channel) == []
    tick(reference_any_engine, clock, channel, recipients={"hos-scp"})
    assert [s.to for s in decisions(channel)] == ["hos-scp"]


def test_a_lead_no_channel_reaches_is_recorded_unreachable_not_lost(core, clock, reference_any_engine):
    ask(core, PROPOSAL)
    ask(core, "status approve 4.2.1", who="sit-manager")
    channel = RecordingChannel(reach={"sit-manager"})
    tick(reference_any_engine, clock, channel)
    assert decisions(channel) == []
    with Session(reference_any_engine) as s:
        (row,) = s.exec(select(SendLedger).where(SendLedger.kind == "decision")).all()
    assert row.status == "unreachable"


def test_status_proposals_lists_what_waits_with_buttons_only_for_the_sit(core, reference_any_engine):
    empty = ask(core, "status proposals", who="sit-manager")
    assert isinstance(empty, ProposalsView) and empty.lines == ()
    assert render_all([empty]) == "No proposed dates are awaiting a decision."
    ask(core, PROPOSAL)
    sit = ask(core, "status proposals", who="sit-manager")
    (line,) = sit.lines
    assert sit.buttons
    assert (line.ref, line.proposed_by, f"{line.proposed_due:%d/%m/%Y}", f"{line.due:%d/%m/%Y}") == (
        "4.2.1", "Sadie Carpenterly (fictional)", "30/11/2016", "28/02/2017"
    )
    lead = ask(core, "status proposals")
    assert isinstance(lead, ProposalsView) and not lead.buttons and len(lead.lines) == 1
    ask(core, "status approve 4.2.1", who="sit-manager")
    assert ask(core, "status proposals", who="sit-manager").lines == ()


def test_a_lead_cannot_approve_with_a_forged_command(core, reference_any_engine):
    ask(core, PROPOSAL)
    refused = ask(core, "status approve 4.2.1")
    assert isinstance(refused, NoticeView) and "Only an SIT admin" in refused.text
    with Session(reference_any_engine) as s:
        assert repo.audit_events(s, ["due.approved"]) == []


def test_the_sit_digest_counts_pending_proposals(core, reference_any_engine):
    ask(core, PROPOSAL)
    with Session(reference_any_engine) as s:
        state = load_state(s, repo.active_plan(s), uk(2016, 10, 17, 9, 0))
        text = render_all(weekly_digest_views(s, state, uk(2016, 10, 17, 9, 0)))
    assert "1 proposed date awaiting your decision: `status proposals`." in text


def test_the_sits_daily_message_counts_pending_proposals(core, reference_any_engine):
    from scheduler.messages import person_views
    from scheduler.planned import SIT, Item, Planned

    notice = Item(
        key="unreachable:hos-qi:2016-10-14:notice@sit", series="unreachable:hos-qi:2016-10-14", stage="notice",
        kind="notice", recipient=SIT, trigger=uk(2016, 10, 14, 9, 0), rule="unreachable", reason="no chat account",
    )
    planned = Planned("msg:sit:2016-10-14", "notice", SIT, uk(2016, 10, 14, 9, 0), "Europe/London", (notice,))
    with Session(reference_any_engine) as s:
        from bot.recipients import directory

        state = load_state(s, repo.active_plan(s), uk(2016, 10, 14, 12, 0))
        assert "proposed date" not in render_all(person_views(planned, state, directory(s)))
    ask(core, PROPOSAL)
    with Session(reference_any_engine) as s:
        state = load_state(s, repo.active_plan(s), uk(2016, 10, 14, 12, 0))
        text = render_all(person_views(planned, state, directory(s)))
    assert text.endswith("1 proposed date awaiting your decision: `status proposals`.")
