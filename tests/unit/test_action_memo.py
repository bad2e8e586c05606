"""The ticker's memory of each action's items (`scheduler.action_memo`) is an optimisation only:
tick after tick, through sends, undeliverable people, updates (a Red, a Completed), leave and
several ticks a day, the ticker plans exactly what a fresh evaluation (new state, full ledger
read, no memory) plans at the same instant."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.leave import set_leave
from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.planner import plan_every
from scheduler.snapshot import load_history
from scheduler.tick import Ticker
from storage.db import session_scope
from storage.models import Action, ActionUpdate, Person
from tests.fakes.outbound import RecordingChannel
from tests.unit.scheduler_world import policy_with

UK = ZoneInfo("Europe/London")


def _update(engine, ref: str, rag: str, at: datetime) -> None:
    with session_scope(engine) as session:
        action = session.exec(select(Action).where(Action.ref == ref)).one()
        session.add(ActionUpdate(action_id=action.id, at=at, author_key="dcs", rag=rag, note="because of a test"))


@pytest.mark.parametrize(
    "policy",
    [load_policy(None), policy_with(escalation={"silence_working_days": 0})],  # silence: the day of the last chase
    ids=["default", "silence-same-day"],
)
def test_the_memo_plans_what_a_fresh_evaluation_plans(reference_engine, policy):
    clock = FixedClock(datetime(2016, 9, 1, 8, 0, tzinfo=UK))
    channels = {"fake": RecordingChannel(reach={"dcs", "hos-scp", "sit"})}  # the rest are unreachable
    ticker = Ticker(reference_engine, clock, policy, channels)
    compared = reused = 0
    day = date(2016, 9, 1)
    while day < date(2016, 10, 15):
        for hour, minute in ((8, 0), (10, 0), (10, 5), (14, 30)):
            now = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK)
            clock.set(now)
            if (day, hour, minute) == (date(2016, 9, 12), 10, 5):
                _update(reference_engine, "4.2.1", "red", now - timedelta(minutes=1))
                _update(reference_engine, "1.1.1", "completed", now - timedelta(minutes=1))
            if (day, hour) == (date(2016, 9, 20), 14):
                with session_scope(reference_engine) as session:
                    person = session.exec(select(Person).where(Person.key == "hos-scp")).one()
                    set_leave(session, person, day, day + timedelta(days=5), actor="dcs", now=now)
            with Session(reference_engine) as session:
                fresh = plan_every(ticker.scopes(session, now, channels), policy, load_history(session), now)
            report = asyncio.run(ticker.tick())
            assert report.planned == fresh, f"{now}: the memo and a fresh evaluation disagree"
            compared += len(fresh)
            reused += sum(m.hits for m in ticker._action_memos.values())
        day += timedelta(days=1)
    assert compared > 100, "too few messages to compare: the month sent almost nothing"
    assert reused > 1000, "the memo was never used: the comparison proves nothing about it"
