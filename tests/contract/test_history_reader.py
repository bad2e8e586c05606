"""The ticker reads the send ledger incrementally (`scheduler.snapshot.HistoryReader`): after any
number of ticks its history equals a full read of the ledger, and reading rows twice (the
overlap kept for rows that commit out of id order) changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.snapshot import HistoryReader, load_history
from scheduler.tick import Ticker
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")


def test_incremental_history_equals_a_full_read(reference_any_engine):
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    channel = RecordingChannel(reach={"dcs", "hos-scp"})  # everyone else is unreachable: those rows count too
    ticker = Ticker(reference_any_engine, clock, load_policy(None), {"fake": channel})
    reader = HistoryReader(overlap=0)
    for _ in range(12):  # working days 1 to 12 of September, one tick each morning
        asyncio.run(ticker.tick())
        with Session(reference_any_engine) as session:
            reader.read(session)
        clock.set(clock.now() + timedelta(days=1))
    assert channel.sent, "the month sent nothing: the comparison below would be empty"
    with Session(reference_any_engine) as session:
        full = load_history(session)
        again = HistoryReader(overlap=10**9)  # everything read twice over
        again.read(session)
        again.read(session)
    assert reader.history == full
    assert again.history == full
    assert full.unreached, "no unreachable rows: the idempotence of add_unreached went untested"
