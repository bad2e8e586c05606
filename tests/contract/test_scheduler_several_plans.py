"""The scheduler serves every live plan in one tick and still sends each person at most one
message a day, with each plan's part named. On SQLite and PostgreSQL, through the real tick."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.policy import load_policy
from bot.views import NoticeView, NudgeView
from domain.clock import FixedClock
from scheduler.tick import Ticker
from storage import plan_status
from storage.db import session_scope
from storage.models import SendLedger
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import save_plan
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")
POLICY = load_policy()
KEY = "msg:hos-eifs:2016-09-01"  # Elena Fiskwood's round request on 1 September


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UK)


def youth_justice() -> PlanData:
    """A second plan whose action 4.7.1 has the same id as one of Elena's in the reference plan."""
    return PlanData(
        key="yj",
        title="Youth Justice Plan",
        priorities=[PriorityRow(4, "Early help", "Head of Service (HOS EI&FS)", ["HOS EI&FS"])],
        findings=[FindingRow("4.7", 4, "A finding")],
        actions=[ActionRow("4.7.1", "4.7", 4, "Youth panel in place", "Dec 16", None, None, None, ["HOS EI&FS"])],
    )


def ticker_for(engine, clock: FixedClock, channel: RecordingChannel) -> Ticker:
    return Ticker(engine, clock, POLICY, {"fake": channel}, recipients={"hos-eifs"}, include_sit=False)


def tick(ticker: Ticker, clock: FixedClock, when: datetime) -> None:
    clock.set(when)
    asyncio.run(ticker.tick())


def with_second_plan(engine, live: bool) -> None:
    with session_scope(engine) as s:
        save_plan(s, youth_justice(), actor="test", now=at(2016, 8, 1, 9, 0))
        if live:
            plan_status.activate(s, "yj", actor="test", now=at(2016, 8, 1, 9, 0))


def test_one_message_a_day_lists_every_live_plan_each_under_its_name(reference_any_engine):
    with_second_plan(reference_any_engine, live=True)
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    channel = RecordingChannel()
    ticker = ticker_for(reference_any_engine, clock, channel)
    tick(ticker, clock, at(2016, 9, 1, 9, 0))
    tick(ticker, clock, at(2016, 9, 1, 11, 0))
    assert [s.key for s in channel.sent] == [KEY]  # one message, both plans in it
    views = channel.sent[0].views
    assert [type(v) for v in views] == [NoticeView, NudgeView, NoticeView, NudgeView]
    assert views[0].text.endswith("(bromley-2016-17)") and views[2].text == "Plan: Youth Justice Plan (yj)"
    assert [(i.ref, i.text) for i in views[3].items] == [("4.7.1", "Youth panel in place")]
    assert "4.7.1" in [i.ref for i in views[1].items] and "Youth panel in place" not in [i.text for i in views[1].items]
    with Session(reference_any_engine) as s:
        row = s.exec(select(SendLedger).where(SendLedger.key == KEY)).one()
    keys = [i["key"] for i in row.payload["items"]]
    assert "round:4.7.1:2016-09:ask@hos-eifs" in keys  # the default plan's keys are as they always were
    assert "yj/round:4.7.1:2016-09:ask@hos-eifs" in keys  # the other plan's are its own
    # each action's plan travels with the message (an email link remembers it), except 4.7.1,
    # which this message asks about in both plans: a single link for it could not say which
    plans = row.payload["plans"]
    assert "4.7.1" not in plans and plans and set(plans.values()) == {"bromley-2016-17"}
    # the next working day nothing is asked again, of either plan (the round's chases come later)
    tick(ticker, clock, at(2016, 9, 2, 9, 0))
    assert [s.key for s in channel.sent] == [KEY]


def test_a_plan_that_is_not_live_is_not_served(reference_any_engine):
    with_second_plan(reference_any_engine, live=False)
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    channel = RecordingChannel()
    ticker = ticker_for(reference_any_engine, clock, channel)
    tick(ticker, clock, at(2016, 9, 1, 9, 0))
    sent = channel.sent
    assert [s.key for s in sent] == [KEY]
    assert [type(v) for v in sent[0].views] == [NudgeView]
    assert all(not i["key"].startswith("yj/") for i in sent[0].meta["items"])
