"""A scheduler tick runs the same number of SQL statements whatever the plan's size (issue #14):
every table it reads is read in one statement, never one per action or person. Counted with a
SQLAlchemy event listener, on plans of 100 and 1,000 synthetic actions, on SQLite and PostgreSQL.
A correctness property of how the tick reads, not a timing (timings live in `bench/scale.py`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event

from actionbot.people_admin import read_people
from bench.synthetic import generate
from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.tick import Ticker
from storage.db import make_engine, session_scope, upgrade
from storage.importers import import_plan_file
from storage.plan_store import save_people
from tests.conftest import _pg_engine
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")


def _statements_per_tick(engine, folder: Path, actions: int, people: int) -> tuple[list[int], int]:
    """Statements in three ticks (the first sends what is due; the next two find nothing new),
    and how many messages the first sent."""
    clock = FixedClock(datetime(2016, 9, 14, 10, 0, tzinfo=UK))
    plan_csv, people_csv = generate(folder, actions, people)
    import_plan_file(engine, clock, str(plan_csv), plan_key="synthetic", title="Synthetic")
    with session_scope(engine) as session:
        save_people(session, read_people(str(people_csv)).rows, actor="test", now=clock.now())
    channel = RecordingChannel()
    ticker = Ticker(engine, clock, load_policy(None), {"fake": channel}, plan_key="synthetic")
    counts = []
    box = [0]

    def count(*_args) -> None:
        box[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for minutes in (0, 5, 10):
            clock.set(datetime(2016, 9, 14, 10, 0, tzinfo=UK) + timedelta(minutes=minutes))
            box[0] = 0
            asyncio.run(ticker.tick())
            counts.append(box[0])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counts, len(channel.sent)


def test_a_tick_runs_as_many_statements_at_1000_actions_as_at_100(any_engine, tmp_path, request):
    big_engine = _second_database(any_engine, tmp_path, request)
    small, small_sent = _statements_per_tick(any_engine, tmp_path / "small", 100, 20)
    big, big_sent = _statements_per_tick(big_engine, tmp_path / "big", 1000, 200)
    assert small_sent and big_sent > small_sent, "nothing was due: the ticks below would prove nothing"
    # the ticks after the first have nothing new to send: the same statements at either size
    assert small[1:] == big[1:], (small, big)


def _second_database(engine, tmp_path: Path, request):
    """An empty, migrated database of the same kind for the larger plan."""
    other = _pg_engine(request) if engine.dialect.name == "postgresql" else make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    upgrade(other)
    request.addfinalizer(other.dispose)
    return other
