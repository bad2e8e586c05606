"""What a ticker keeps between ticks (the plan's state, the people directory, each action's items
and the whole list of them, `scheduler.action_memo`) never changes what it plans: through two
weeks of the reference plan, with a new person imported, a snooze typed in chat, a Red update
and a restart (a new ticker: nothing kept) between ticks, each tick plans exactly what a fresh
evaluation (state and directory read again, the whole ledger read, no memory) plans at that
instant; on SQLite and PostgreSQL. And a tick with nothing new reuses it all."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from actionbot.people_admin import read_people
from bot.conversation import Core
from bot.policy import load_policy
from bot.requests import ChatRequest, Identity
from domain.clock import FixedClock
from scheduler.planner import plan_every
from scheduler.snapshot import load_history
from scheduler.tick import Ticker
from storage import repo
from storage.db import session_scope
from storage.models import Action, ActionUpdate
from storage.plan_store import save_people
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")


def _fresh(ticker: Ticker, engine, now: datetime, channels) -> list:
    with Session(engine) as session:
        return plan_every(ticker.scopes(session, now, channels), ticker.policy, load_history(session), now)


def _new_holder(engine, tmp_path, now: datetime) -> None:
    """A second holder of HOS EI&FS, through the people import's own reading and saving."""
    csv = tmp_path / "people.csv"
    csv.write_text(
        "key,name,email,roles,manager,sit_admin\nnew-eifs,New Holder (fictional),new-eifs@example.invalid,"
        "HOS EI&FS,dcs,no\n",
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        save_people(session, read_people(str(csv)).rows, actor="test", now=now)


def _red(engine, ref: str, at: datetime) -> None:
    with session_scope(engine) as session:
        action = session.exec(select(Action).where(Action.ref == ref)).one()
        session.add(ActionUpdate(action_id=action.id, at=at, author_key="dcs", rag="red", note="a test's reason"))


def test_what_a_ticker_keeps_plans_what_a_fresh_evaluation_plans(reference_any_engine, tmp_path):
    engine = reference_any_engine
    clock = FixedClock(datetime(2016, 9, 1, 8, 0, tzinfo=UK))
    channel = RecordingChannel()
    channels = {"fake": channel}
    policy = load_policy(None)
    ticker = Ticker(engine, clock, policy, channels)
    day, compared = date(2016, 9, 1), 0
    while day < date(2016, 9, 17):
        for hour, minute in ((8, 0), (10, 0), (10, 5), (14, 30)):
            now = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UK)
            clock.set(now)
            if (day, hour, minute) == (date(2016, 9, 5), 10, 5):
                _new_holder(engine, tmp_path, now - timedelta(minutes=1))
            if (day, hour, minute) == (date(2016, 9, 7), 10, 0):
                reply = Core(engine, clock).handle(ChatRequest(Identity("terminal", "hos-eifs"), "snooze 4.7.2 until 13/09"))
                assert "Snoozed 4.7.2" in " ".join(getattr(v, "text", "") for v in reply.views)
            if (day, hour, minute) == (date(2016, 9, 8), 14, 30):
                _red(engine, "4.7.1", now - timedelta(minutes=1))
            if (day, hour, minute) == (date(2016, 9, 12), 8, 0):
                ticker = Ticker(engine, clock, policy, channels)  # a restart: nothing kept
            fresh = _fresh(ticker, engine, now, channels)
            report = asyncio.run(ticker.tick())
            assert report.planned == fresh, f"{now}: what the ticker keeps and a fresh evaluation disagree"
            compared += len(fresh)
        day += timedelta(days=1)
    assert compared > 50, "too few messages to compare: the fortnight sent almost nothing"
    assert channel.to("new-eifs"), "the person imported mid-way was never asked: the directory was not read again"


def test_a_tick_with_nothing_new_reuses_the_state_the_directory_and_every_actions_items(reference_any_engine):
    engine = reference_any_engine
    clock = FixedClock(datetime(2016, 9, 1, 10, 0, tzinfo=UK))
    ticker = Ticker(engine, clock, load_policy(None), {"fake": RecordingChannel()})
    asyncio.run(ticker.tick())  # sends the day's messages
    clock.set(datetime(2016, 9, 1, 10, 5, tzinfo=UK))
    asyncio.run(ticker.tick())  # reads them back
    directory = _kept_directory(ticker, engine, clock.now())
    clock.set(datetime(2016, 9, 1, 10, 10, tzinfo=UK))
    report = asyncio.run(ticker.tick())
    memo = ticker._action_memos[""]
    with Session(engine) as session:
        open_actions = sum(1 for s in ticker.scopes(session, clock.now())[0].inputs.state.actions if s.is_open)
    assert report.planned == []
    assert (memo.hits, memo.misses) == (open_actions, 0), "a steady tick evaluated actions again"
    assert _kept_directory(ticker, engine, clock.now()) is directory, "the directory was read again, unchanged"


def _kept_directory(ticker: Ticker, engine, now: datetime):
    """The directory the ticker's next tick would plan with (its kept one, while unchanged)."""
    with Session(engine) as session:
        return ticker.scopes(session, now, version=repo.trail_version(session))[0].inputs.directory
