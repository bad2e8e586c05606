"""Sending through the ledger, on SQLite and PostgreSQL: retries with backoff then a report to
the SIT, recovery of a crash between claim and send, the advisory-lock leader, and two
scheduler processes racing on one database for half a month: every message exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.leader import LeaderLock
from scheduler.planned import History
from scheduler.preview import simulate
from scheduler.snapshot import load_inputs
from scheduler.tick import Ticker
from storage import repo
from storage.db import make_engine
from storage.models import SendLedger
from tests.fakes.outbound import RecordingChannel, SimulatedCrash

UK = ZoneInfo("Europe/London")
POLICY = load_policy()
KEY = "msg:hos-eifs:2016-09-01"  # Elena Fiskwood's round request on 1 September (4.7.1, 4.7.2)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UK)


def another_process(engine):
    """A second engine on the same database (and the same PostgreSQL schema): another process."""
    if engine.dialect.name == "sqlite":
        return make_engine(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        schema = conn.execute(text("select current_schema()")).scalar()
    return make_engine(engine.url.render_as_string(hide_password=False), schema=schema)


def row(engine, key: str) -> SendLedger:
    with Session(engine) as s:
        return s.exec(select(SendLedger).where(SendLedger.key == key)).one()


def tick(ticker: Ticker, clock: FixedClock, when: datetime):
    clock.set(when)
    return asyncio.run(ticker.tick())


def test_a_failed_send_is_retried_with_backoff_until_it_works(reference_any_engine):
    channel = RecordingChannel(fail_first=2)
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(reference_any_engine, clock, POLICY, {"fake": channel}, recipients={"hos-eifs"}, include_sit=False)
    tick(ticker, clock, at(2016, 9, 1, 9, 0))
    assert (row(reference_any_engine, KEY).status, row(reference_any_engine, KEY).attempts) == ("retry", 1)
    tick(ticker, clock, at(2016, 9, 1, 9, 0, 30))  # backoff: 1 minute
    assert channel.attempts == [KEY]
    tick(ticker, clock, at(2016, 9, 1, 9, 1))
    assert (row(reference_any_engine, KEY).status, row(reference_any_engine, KEY).attempts) == ("retry", 2)
    tick(ticker, clock, at(2016, 9, 1, 9, 4))  # then 4 minutes after that try
    assert channel.attempts == [KEY, KEY]
    tick(ticker, clock, at(2016, 9, 1, 9, 5))
    r = row(reference_any_engine, KEY)
    assert (r.status, r.attempts, r.message_ref) == ("sent", 3, "fake:1")
    for minutes in (10, 30, 120):
        tick(ticker, clock, at(2016, 9, 1, 9, 0) + timedelta(minutes=minutes))
    assert channel.attempts == [KEY] * 3 and [s.key for s in channel.sent] == [KEY]
    assert [type(v).__name__ for v in channel.sent[0].views] == ["NudgeView"]


def test_after_the_last_try_the_sit_is_told_once(reference_any_engine):
    channel = RecordingChannel(fail_to={"hos-eifs"})
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(reference_any_engine, clock, POLICY, {"fake": channel})
    for minutes in (0, 1, 5, 21, 60, 600):  # tries at 09:00, 09:01, 09:05, 09:21, then no more
        tick(ticker, clock, at(2016, 9, 1, 9, 0) + timedelta(minutes=minutes))
    assert channel.attempts.count(KEY) == 4
    r = row(reference_any_engine, KEY)
    assert (r.status, r.attempts) == ("failed", 4) and "503" in r.last_error
    reports = [s for s in channel.to("sit") if s.kind == "failure_report"]
    assert len(reports) == 1
    text_ = reports[0].views[0].text
    assert "Elena Fiskwood" in text_ and "after 4 tries" in text_ and "503 Service Unavailable" in text_
    # everyone else got their message once: 17 other action leads (two more lead only actions
    # starting after 1 October, not asked yet: `ask_before_start_days`) and the performance officer
    assert len({s.to for s in channel.sent if s.to != "sit"}) == 18


def test_a_retry_refused_for_good_falls_back_to_another_channel_like_a_first_send(reference_any_engine):
    """A retry takes the first send's path (`bot.delivery`): the chat channel fails once
    (transient, retried), then refuses for good; the fallback channel carries the same message
    under its own ledger key, and the SIT is not told, since it was delivered."""
    chat = RecordingChannel(fail_first=1)
    email = RecordingChannel(name="email", fallback=True)
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(
        reference_any_engine, clock, POLICY, {"fake": chat, "email": email}, recipients={"hos-eifs"}, include_sit=False
    )
    tick(ticker, clock, at(2016, 9, 1, 9, 0))
    assert row(reference_any_engine, KEY).status == "retry" and email.sent == []
    chat.fail_always, chat.permanent = True, True  # e.g. the person blocked the bot meanwhile
    report = tick(ticker, clock, at(2016, 9, 1, 9, 1))
    [outcome] = report.retried
    assert (outcome.status, outcome.channel, outcome.key) == ("sent", "email", f"{KEY}|fallback:email")
    first, fallback = row(reference_any_engine, KEY), row(reference_any_engine, f"{KEY}|fallback:email")
    assert (first.status, first.attempts, first.channel) == ("failed", 2, "fake")  # the chat tries stay on record
    assert (fallback.status, fallback.message_ref, fallback.recipient) == ("sent", "email:1", "hos-eifs")
    [sent] = email.sent
    assert sent.to == "hos-eifs" and sent.key == KEY and sent.refs == first.payload["refs"]
    assert {"4.7.1", "4.7.2"} <= set(sent.refs)
    assert [type(v).__name__ for v in sent.views] == ["NudgeView"]
    assert chat.to("sit") == [] and email.to("sit") == []  # delivered: nothing for the SIT to chase
    for minutes in (5, 30, 120):  # and nothing is tried again
        tick(ticker, clock, at(2016, 9, 1, 9, 0) + timedelta(minutes=minutes))
    assert chat.attempts == [KEY, KEY] and len(email.sent) == 1


def test_a_retry_that_runs_out_of_tries_falls_back_and_else_the_sit_is_told(reference_any_engine):
    """After the last transient failure the fallback is tried too; when it refuses as well the
    SIT hears once, naming the tries (the retry's own notice, `bot.delivery.tell_sit_failed`)."""
    chat = RecordingChannel(fail_to={"hos-eifs"})
    email = RecordingChannel(name="email", fallback=True, fail_to={"hos-eifs"}, permanent=True)
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(reference_any_engine, clock, POLICY, {"fake": chat, "email": email}, recipients={"hos-eifs"})
    for minutes in (0, 1, 5, 21, 60, 600):
        tick(ticker, clock, at(2016, 9, 1, 9, 0) + timedelta(minutes=minutes))
    assert chat.attempts.count(KEY) == 4 and email.attempts.count(KEY) == 1
    assert row(reference_any_engine, KEY).status == "failed"
    assert row(reference_any_engine, f"{KEY}|fallback:email").status == "failed"
    reports = [s for c in (chat, email) for s in c.to("sit") if s.kind == "failure_report"]
    assert len(reports) == 2 and {s.meta["about"] for s in reports} == {KEY}  # one per SIT channel, once
    assert all(row(reference_any_engine, f"failed:{KEY}|{c}").status == "sent" for c in ("fake", "email"))
    assert "after 4 tries" in reports[0].views[0].text and "via fake" in reports[0].views[0].text


def test_a_retry_delivered_as_the_database_goes_away_is_marked_later_not_sent_again(reference_any_engine):
    """The retry path keeps the first send's outage handling: the channel delivers, the row
    cannot be marked (the database is gone), the tick keeps an `UnmarkedSend`, and the first
    tick that reaches the database marks it, so the stale claim is never re-sent."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy import exc as sa_exc

    down = False

    def refuse(*_args, **_kwargs):
        if down:
            raise sa_exc.OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))

    class GoesDown(RecordingChannel):
        async def send_to_person(self, person, views, *, kind, meta) -> str:
            nonlocal down
            ref = await super().send_to_person(person, views, kind=kind, meta=meta)
            down = True  # delivered; then the database is unavailable
            return ref

    channel = GoesDown(fail_first=1)
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(reference_any_engine, clock, POLICY, {"fake": channel}, recipients={"hos-eifs"}, include_sit=False)
    tick(ticker, clock, at(2016, 9, 1, 9, 0))  # the first try fails (transient): the row waits for a retry
    down = False
    event.listen(reference_any_engine, "before_cursor_execute", refuse)
    try:
        report = tick(ticker, clock, at(2016, 9, 1, 9, 1))
        assert [o.status for o in report.retried] == ["unmarked"] and [s.key for s in channel.sent] == [KEY]
        assert asyncio.run(ticker.run()) is None  # while it is down, ticks are skipped
        down = False
        tick(ticker, clock, at(2016, 9, 1, 9, 7))  # back: marked, not re-sent as a stale claim
        tick(ticker, clock, at(2016, 9, 1, 9, 30))
    finally:
        event.remove(reference_any_engine, "before_cursor_execute", refuse)
    r = row(reference_any_engine, KEY)
    assert (r.status, r.message_ref, r.attempts) == ("sent", "fake:1", 2)
    assert [s.key for s in channel.sent] == [KEY]


def test_a_crash_between_claim_and_send_is_recovered_once_after_restart(reference_any_engine):
    channel = RecordingChannel(crash_on={KEY})
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    first = Ticker(reference_any_engine, clock, POLICY, {"fake": channel})
    with pytest.raises(SimulatedCrash):
        tick(first, clock, at(2016, 9, 1, 9, 0))  # the process dies inside the send
    assert row(reference_any_engine, KEY).status == "claimed"
    before = {s.to for s in channel.sent}
    assert before and "hos-eifs" not in before

    engine = another_process(reference_any_engine)  # the restarted process
    try:
        restarted = Ticker(engine, clock, POLICY, {"fake": channel})
        tick(restarted, clock, at(2016, 9, 1, 9, 2))  # the rest of the day's messages go; the claim is fresh
        assert KEY not in [s.key for s in channel.sent]
        tick(restarted, clock, at(2016, 9, 1, 9, 6))  # the claim is older than 5 minutes: sent again
        tick(restarted, clock, at(2016, 9, 1, 9, 30))
    finally:
        engine.dispose()
    assert [s.key for s in channel.sent].count(KEY) == 1
    assert row(reference_any_engine, KEY).status == "sent"
    per_person = Counter(s.to for s in channel.sent if s.to != "sit")
    # 18 action leads asked on 1 Sep (two lead only actions starting after 1 October) + readings
    assert set(per_person.values()) == {1} and len(per_person) == 19


def test_a_channel_that_can_tell_it_already_sent_is_not_asked_twice(reference_any_engine):
    class Remembering(RecordingChannel):
        async def already_sent(self, key, person, meta):
            return "fake:found-by-metadata" if key == KEY else None

    channel = Remembering(crash_on={KEY})
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(reference_any_engine, clock, POLICY, {"fake": channel}, recipients={"hos-eifs"}, include_sit=False)
    with pytest.raises(SimulatedCrash):
        tick(ticker, clock, at(2016, 9, 1, 9, 0))
    tick(Ticker(reference_any_engine, clock, POLICY, {"fake": channel}), clock, at(2016, 9, 1, 9, 10))
    r = row(reference_any_engine, KEY)
    assert (r.status, r.message_ref) == ("sent", "fake:found-by-metadata")
    assert KEY not in [s.key for s in channel.sent]


def test_one_leader_at_a_time_on_postgresql(reference_any_engine):
    other = another_process(reference_any_engine)
    a, b = LeaderLock(reference_any_engine), LeaderLock(other)
    try:
        if reference_any_engine.dialect.name == "sqlite":
            assert a.is_leader() and b.is_leader()  # one process by design; the ledger still guards
            return
        assert a.is_leader() and not b.is_leader()
        assert a.is_leader() and not b.is_leader()  # kept, not re-acquired
        a.release()  # the leader stops (or dies: its connection closes)
        assert b.is_leader() and not a.is_leader()
    finally:
        a.release()
        b.release()
        other.dispose()


def expected_keys(engine, start: datetime, end: datetime) -> list[str]:
    """What one process alone would send: the pure policy over the same period."""
    with Session(engine) as s:
        base = load_inputs(s, repo.active_plan(s), start)
    from scheduler.preview import redated

    planned = simulate(
        lambda now: replace(base, state=redated(base.state, now)),
        POLICY,
        start,
        end,
        zones={"Europe/London"},
        history=History(),
    )
    return sorted(p.key for p in planned)


@pytest.mark.parametrize("with_leader_lock", [False, True])
def test_two_scheduler_processes_racing_send_each_message_exactly_once(reference_any_engine, with_leader_lock):
    """Two threads, each with its own engine (its own connections), tick the same instants of
    1–16 September together. Without the leader lock both plan and claim everything: the ledger
    alone must keep every message to one send. With it, one leads and the other stays idle."""
    channel = RecordingChannel()
    engines = [reference_any_engine, another_process(reference_any_engine)]
    instants = []
    day = date(2016, 9, 1)
    while day <= date(2016, 9, 16):
        instants += [at(day.year, day.month, day.day, 9, 0), at(day.year, day.month, day.day, 9, 7)]
        day += timedelta(days=1)
    barrier = threading.Barrier(2)
    leading = [0, 0]
    lost_claims = [0, 0]  # sends a process planned but found already claimed by the other
    errors: list[BaseException] = []

    def process(n: int) -> None:
        clock = FixedClock(instants[0])
        leader = LeaderLock(engines[n]) if with_leader_lock else None
        ticker = Ticker(engines[n], clock, POLICY, {"fake": channel}, leader=leader)

        async def run():
            for instant in instants:
                await asyncio.get_running_loop().run_in_executor(None, barrier.wait)
                clock.set(instant)
                report = await ticker.tick()
                leading[n] += report.leader
                lost_claims[n] += sum(o.status == "duplicate" for o in report.outcomes)

        try:
            asyncio.run(run())
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
            barrier.abort()
        finally:
            if leader is not None:
                leader.release()

    threads = [threading.Thread(target=process, args=(n,)) for n in (0, 1)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        engines[1].dispose()
    assert not errors, errors
    keys = [s.key for s in channel.sent]
    assert keys, "nothing was sent"
    duplicates = [k for k, n in Counter(keys).items() if n > 1]
    assert duplicates == []
    assert sorted(keys) == expected_keys(reference_any_engine, instants[0] - timedelta(hours=9), at(2016, 9, 17))
    with Session(reference_any_engine) as s:
        rows = s.exec(select(SendLedger)).all()
    assert len(rows) == len(keys) and all(r.status == "sent" for r in rows)
    if with_leader_lock and reference_any_engine.dialect.name == "postgresql":
        assert sorted(leading) == [0, len(instants)]  # one process led every tick
        assert lost_claims == [0, 0]
    if not with_leader_lock:
        assert sum(lost_claims) > 0  # they really raced for the same messages


def test_only_one_process_can_take_over_a_row_for_a_retry(reference_any_engine):
    from storage import ledger

    now = at(2016, 9, 1, 9, 0)
    with Session(reference_any_engine) as s:
        r = ledger.claim(s, "k", kind="nudge", recipient="dcs", channel="fake", now=now, worker="a")
        ledger.mark_failed(s, r, now, "boom")
        s.commit()
    other = another_process(reference_any_engine)
    try:
        with Session(reference_any_engine) as s1, Session(other) as s2:
            r1 = s1.exec(select(SendLedger).where(SendLedger.key == "k")).one()
            r2 = s2.exec(select(SendLedger).where(SendLedger.key == "k")).one()
            assert ledger.reclaim(s1, r1, now + timedelta(minutes=1), "p1")
            s1.commit()
            assert not ledger.reclaim(s2, r2, now + timedelta(minutes=1), "p2")  # it read the old claim
            s2.commit()
    finally:
        other.dispose()
    assert row(reference_any_engine, "k").claimed_by == "p1"


def test_escalations_are_recorded_then_resolved_by_an_answer(reference_any_engine):
    from bot.conversation import Core
    from bot.requests import ChatRequest, Identity
    from storage.models import Escalation

    channel = RecordingChannel()
    clock = FixedClock(at(2016, 9, 1, 9, 0))
    ticker = Ticker(reference_any_engine, clock, POLICY, {"fake": channel})
    for day in (1, 5, 6, 7):  # 4.7.1 and 4.7.2 are not due; 10.2.2 (due 31 Aug) is escalated on the 7th
        tick(ticker, clock, at(2016, 9, day, 9, 0))
    with Session(reference_any_engine) as s:
        action_id = repo.action_by_ref(s, repo.active_plan(s).id, "10.2.2").id
        rows = s.exec(select(Escalation).where(Escalation.action_id == action_id)).all()
    assert {e.reason for e in rows} == {"silence"} and {"dcos", "dcs"} <= {e.to_person_key for e in rows}
    assert all(e.resolved_at is None for e in rows)
    clock.set(at(2016, 9, 7, 11, 0))
    reply = Core(reference_any_engine, clock).handle(
        ChatRequest(Identity("terminal", "ho-ls"), "10.2.2 amber - waiting for the court's dates")
    )
    assert len(reply.recorded) == 1
    tick(ticker, clock, at(2016, 9, 7, 11, 1))
    with Session(reference_any_engine) as s:
        rows = s.exec(select(Escalation).where(Escalation.action_id == action_id)).all()
    assert rows and all(e.resolved_at == at(2016, 9, 7, 11, 1) for e in rows)
