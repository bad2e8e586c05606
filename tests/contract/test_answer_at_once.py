"""`Core.answer_at_once`: the questions a channel may answer on its event loop.

It answers exactly what `handle` answers, but only a status question whose view the core keeps,
only when the plan's state is kept for the database as it is, and only through the quick lane,
which never blocks the loop: on a SQLite file no statement waits for a lock, on PostgreSQL
every round trip is awaited. Anything else is refused with None, from its words alone before
any statement, or after the first reads with nothing written, so the caller's `handle` answers
it as before. Most of these run on both databases."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.runtime import build_runtime
from bot.views import PriorityStatusView
from storage import repo
from storage.db import (
    LANE_CONNECT_TIMEOUT_SECONDS,
    NO_WAIT_CHECKPOINT_PAGES,
    AsyncLane,
    QuickLane,
    make_engine,
    no_wait_engine,
    quick_lane,
    session_scope,
)
from storage.models import ActionUpdate, PersonIdentity, SeenEvent

DCS = Identity("terminal", "dcs")
NOW = datetime(2016, 10, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def loop():
    """One event loop for the whole test, as in `serve`: the lane's PostgreSQL connections
    belong to the loop that opened them."""
    with asyncio.Runner() as runner:
        yield runner


def _core(engine, clock, loop):
    lane = quick_lane(engine)
    assert lane is not None
    core = Core(engine, clock, quick_lane=lane)
    core.at_once = lambda request: loop.run(core.answer_at_once(request))  # the test's shorthand
    return core


@pytest.fixture
def core(reference_any_engine, clock, loop):
    """On SQLite and on PostgreSQL."""
    made = _core(reference_any_engine, clock, loop)
    yield made
    loop.run(made.quick_lane.dispose())


@pytest.fixture
def sqlite_core(reference_engine, clock, loop):
    made = _core(reference_engine, clock, loop)
    yield made
    loop.run(made.quick_lane.dispose())


def ask(text_: str, kind: str = "command", once: str | None = None, **extra) -> ChatRequest:
    return ChatRequest(DCS, text=text_, kind=kind, once_key=once, **extra)


def rows(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def texts(reply) -> list[str]:
    return [repr(v) for v in reply.views]


def test_the_no_wait_engine_never_waits_for_a_lock_and_exists_only_for_a_sqlite_file(reference_engine):
    quick = no_wait_engine(reference_engine)
    try:
        with quick.connect() as c:
            assert c.execute(text("PRAGMA busy_timeout")).scalar() == 0
            # nor copies the write-ahead log into the database at SQLite's 1,000 pages (a
            # checkpoint syncs the file): the main engine's commits do that, off the loop
            assert c.execute(text("PRAGMA wal_autocheckpoint")).scalar() == NO_WAIT_CHECKPOINT_PAGES > 1000
        with reference_engine.connect() as c:
            assert c.execute(text("PRAGMA busy_timeout")).scalar() == 5000
            assert c.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    finally:
        quick.dispose()
    memory = make_engine("sqlite://")
    assert no_wait_engine(memory) is None
    assert quick_lane(memory) is None  # a second engine would not share it: everything takes `handle`
    memory.dispose()


def test_the_quick_lane_is_the_no_wait_engine_on_sqlite_and_asynchronous_on_postgresql(reference_any_engine, loop):
    lane = quick_lane(reference_any_engine)
    try:
        if reference_any_engine.dialect.name == "sqlite":
            assert type(lane) is QuickLane

            def busy_timeout(bind) -> int:
                with bind.connect() as c:
                    return c.exec_driver_sql("PRAGMA busy_timeout").scalar()

            assert loop.run(lane.run(busy_timeout)) == 0  # the no-wait engine's
        else:
            assert isinstance(lane, AsyncLane)

            def settings(bind) -> tuple:
                return bind.exec_driver_sql("SELECT current_setting('search_path'), current_schema()").one()

            # the same database and schema as the engine it was made from
            with reference_any_engine.connect() as c:
                expected = c.exec_driver_sql("SELECT current_setting('search_path'), current_schema()").one()
            assert loop.run(lane.run(settings)) == expected
            # a claim's commit does not wait for the disk (see AsyncLane), set by the lane itself
            # as each connection opens, whatever the server's default; the main engine's is the server's
            sync = "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'"
            assert loop.run(lane.run(lambda bind: tuple(bind.exec_driver_sql(sync).one()))) == ("off", "session")
            with reference_any_engine.connect() as c:
                assert c.exec_driver_sql(sync).one().source != "session"
            # and a connect that cannot reach the server gives up (libpq's connect_timeout)
            assert lane.async_engine.url.query["connect_timeout"] == str(LANE_CONNECT_TIMEOUT_SECONDS)

            def write_then_look_from_elsewhere(bind) -> bool:
                bind.exec_driver_sql("INSERT INTO seen_event (event_key, at) VALUES ('autocommit-probe', now())")
                return _claimed(reference_any_engine, "autocommit-probe")  # before `work` returns

            assert loop.run(lane.run(write_then_look_from_elsewhere))
    finally:
        loop.run(lane.dispose())


def test_a_kept_question_is_answered_as_handle_answers_it(core):
    for question in ("priority 5", "status priority 4", "status", "", "status help", "p5 share"):
        full = core.handle(ask(question))  # reads the state the first time, which answer_at_once never does
        quick = core.at_once(ask(question))
        assert quick is not None, question
        assert texts(quick) == texts(full), question
        assert quick.private == full.private
    assert isinstance(core.at_once(ask("priority 5")).views[-1], PriorityStatusView)


SLACK_LINKED = Identity("slack", "U0DCS")  # linked to dcs below: the version and the person in one statement
SLACK_UNKNOWN = Identity("slack", "U0NOBODY")  # nobody's account: the version alone, then the directory


@pytest.mark.parametrize(
    "who, words, extra",
    [
        (DCS, "priority 5", {}),
        (SLACK_LINKED, "priority 5", {}),
        (SLACK_UNKNOWN, "status", {}),
        (SLACK_LINKED, "priority 4 in bromley-2016-17", {}),
        (Identity("terminal", "dcs", as_role="HOS S&CP"), "status help", {}),
        (SLACK_LINKED, "priority 5", {"dev_mode": True}),  # reads the role chosen with `iam`
    ],
    ids=["terminal", "slack-linked", "slack-unknown", "plan-named", "as-role", "dev-mode"],
)
def test_an_answer_only_reads_then_claims_its_key_in_one_last_statement(core, who, words, extra):
    """What the quick lane's AUTOCOMMIT rests on (`storage.db.AsyncLane`): a refusal before the
    claim leaves nothing written, because nothing before the claim writes."""
    with session_scope(core.engine) as s:
        s.add(PersonIdentity(person_key="dcs", channel="slack", user_id="U0DCS"))
    request_ = ChatRequest(who, text=words, kind="command", once_key=f"claim-last-{who.user_id}", extra=extra)
    core.handle(replace(request_, once_key=None))  # keeps the state and the view
    ran = statements(core.quick_lane.engine, lambda: core.at_once(request_))
    sql, reply = ran[:-1], ran[-1]
    assert reply is not None and reply.views
    assert sql and all(s.lstrip().upper().startswith("SELECT") for s in sql[:-1]), sql
    assert sql[-1].lstrip().upper().startswith("INSERT INTO SEEN_EVENT"), sql[-1]
    assert _claimed(core.engine, request_.once_key)


def test_the_first_question_after_a_change_goes_to_handle(core):
    assert core.at_once(ask("priority 4")) is None  # nothing kept yet
    core.handle(ask("priority 4"))
    assert core.at_once(ask("priority 4")) is not None
    with session_scope(core.engine) as s:  # what an update, an import, an approval writes with its change
        repo.add_audit(s, at=NOW, actor="test", kind="test.event", subject="dcs")
    assert core.at_once(ask("priority 4")) is None  # the trail's version moved on
    core.handle(ask("priority 4"))
    assert texts(core.at_once(ask("priority 4"))) == texts(core.handle(ask("priority 4")))


@pytest.mark.parametrize(
    "request_",
    [
        ask("4.2.1 amber - waiting on HR", kind="message"),  # an update writes
        ask("status overdue"),  # a list is computed from the whole state
        ask("snooze 4.2.1 until Monday"),
        ask("report"),
        ask("plans"),
        ChatRequest(DCS, text="", kind="button", action_ref="4.2.1", rag="green"),
        ChatRequest(DCS, text="", kind="form", action_ref="4.2.1", rag="amber", note="waiting on HR"),
        ask("green", kind="message", thread_refs=("4.2.1",)),  # the answer to a nudge about 4.2.1
        # an account that brings an email may be matched to the directory and linked (a write)
        ChatRequest(Identity("slack", "U0NEW", email="dcs@example.org"), text="priority 4", kind="command"),
    ],
    ids=["update", "list", "snooze", "report", "plans", "button", "form", "nudge-answer", "email-to-match"],
)
def test_anything_else_is_refused_from_its_words_without_a_statement(core, request_):
    core.handle(ask("priority 4"))  # the state is kept
    updates_before, claims_before = rows(core.engine, ActionUpdate), rows(core.engine, SeenEvent)
    assert statements(core.quick_lane.engine, lambda: core.at_once(request_)) == [None]
    assert (rows(core.engine, ActionUpdate), rows(core.engine, SeenEvent)) == (updates_before, claims_before)
    # what the core keeps is untouched: the kept question is still answered at once
    assert core.at_once(ask("priority 4")) is not None


def statements(engine, fn) -> list:
    """What `fn` returned, after every SQL statement it ran on `engine`."""
    seen: list = []

    def record(_conn, _cursor, sql, *_args) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [*seen, result]


def test_a_once_key_is_claimed_with_the_answer_and_a_replay_is_dropped(core):
    core.handle(ask("priority 5"))
    first = core.at_once(ask("priority 5", once="trigger-1"))
    assert first is not None and not first.already_handled and first.views
    assert core.at_once(ask("priority 5", once="trigger-1")).already_handled
    assert core.handle(ask("priority 5", once="trigger-1")).already_handled


def test_a_write_lock_held_elsewhere_sends_the_question_to_handle_unclaimed(sqlite_core, reference_engine):
    core = sqlite_core
    core.handle(ask("priority 5"))
    writer = sqlite3.connect(reference_engine.url.database, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process (the scheduler, an import) is writing
        assert core.at_once(ask("priority 5", once="trigger-2")) is None
    finally:
        writer.rollback()
        writer.close()
    assert not _claimed(reference_engine, "trigger-2")
    # what the core keeps is still true (a lock is no reason to read the state again): the
    # next question is answered at once
    assert core.at_once(ask("priority 5", once="trigger-3")) is not None
    # nothing was claimed, so `handle` answers it (once)
    answered = core.handle(ask("priority 5", once="trigger-2"))
    assert answered.views and not answered.already_handled
    assert core.at_once(ask("priority 5", once="trigger-2")).already_handled


def _claimed(engine, key: str) -> bool:
    with session_scope(engine) as s:
        return s.exec(select(SeenEvent).where(SeenEvent.event_key == key)).first() is not None


def test_a_dropped_postgresql_connection_sends_the_question_to_handle_then_the_lane_reconnects(
    reference_postgres_engine, clock, loop
):
    """The lane does not ping a connection before using it (a round trip per answer): when the
    database dropped it (a restart, a failover), the question goes to `handle` unclaimed, and
    the next one is answered at once on a new connection."""
    core = _core(reference_postgres_engine, clock, loop)
    try:
        core.handle(ask("priority 5"))
        assert core.at_once(ask("priority 5", once="before-drop")) is not None
        pid = loop.run(core.quick_lane.run(lambda bind: bind.exec_driver_sql("SELECT pg_backend_pid()").scalar()))
        with reference_postgres_engine.connect() as c:  # as a restart would
            assert c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        assert core.at_once(ask("priority 5", once="after-drop")) is None
        assert not _claimed(reference_postgres_engine, "after-drop")
        assert core.handle(ask("priority 5", once="after-drop")).views  # `handle` answers it, once
        again = core.at_once(ask("priority 5", once="reconnected"))
        assert again is not None and again.views
    finally:
        loop.run(core.quick_lane.dispose())


def test_a_lane_asked_from_another_event_loop_opens_its_own_connections(reference_postgres_engine, clock):
    """A second app in one process (or a test) runs on another loop: the lane does not hand it
    connections opened on the first (whose pool's waiters and connections belong to that loop)."""
    core = Core(reference_postgres_engine, clock, quick_lane=quick_lane(reference_postgres_engine))
    core.handle(ask("priority 5"))
    backend = "SELECT pg_backend_pid()"
    pids = []
    for n in range(2):

        async def answer_and_say_which_backend(n=n):
            assert await core.answer_at_once(ask("priority 5", once=f"loop-{n}")) is not None
            return await core.quick_lane.run(lambda bind: bind.exec_driver_sql(backend).scalar())

        pids.append(asyncio.run(answer_and_say_which_backend()))
    assert pids[0] != pids[1]
    asyncio.run(core.quick_lane.dispose())


def test_a_lane_that_cannot_reach_the_database_says_so_once_a_minute(clock, loop, caplog):
    """Each question then pays a failed try before `handle`: the log shows it, without a line
    per question."""
    nowhere = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere")
    core = _core(nowhere, clock, loop)
    core.states.clear()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.conversation"):
            for _ in range(3):
                assert core.at_once(ask("priority 5")) is None
            clock.advance(timedelta(minutes=1))
            assert core.at_once(ask("priority 5")) is None
        said = [r for r in caplog.records if "quick lane could not reach the database" in r.getMessage()]
        assert len(said) == 2 and all(r.levelno == logging.WARNING for r in said)
    finally:
        loop.run(core.quick_lane.dispose())
        nowhere.dispose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_a_quick_lane_nothing_is_answered_at_once(reference_engine, clock, loop):
    core = Core(reference_engine, clock)
    core.handle(ask("priority 5"))
    assert loop.run(core.answer_at_once(ask("priority 5"))) is None


def test_a_view_not_yet_computed_for_the_kept_state_is_left_to_handle(core):
    core.handle(ask("priority 5"))  # the state is kept, with priority 5's view and no other
    assert core.at_once(ask("priority 4")) is None  # computed from the whole priority
    assert core.at_once(ask("status")) is None  # the plan summary: the whole plan
    core.handle(ask("priority 4"))
    core.handle(ask("status"))
    assert core.at_once(ask("priority 4")) is not None
    assert core.at_once(ask("status")) is not None
    # help, and a priority the plan does not have, cost nothing
    assert core.at_once(ask("status help")) is not None
    assert "no priority 42" in repr(core.at_once(ask("priority 42")).views)


def test_views_computed_after_a_state_was_kept_by_another_question_are_kept_too(core):
    core.handle(ask("status overdue"))  # keeps the state, with no view of a priority or the plan
    core.handle(ask("priority 4"))
    core.handle(ask("status"))
    assert core.at_once(ask("priority 4")) is not None
    assert core.at_once(ask("status")) is not None


def test_a_question_addressed_to_the_plan_by_its_key_is_answered_at_once(core):
    question = "priority 4 in bromley-2016-17"
    full = core.handle(ask(question))
    quick = core.at_once(ask(question))
    assert quick is not None and texts(quick) == texts(full)


def test_the_runtime_core_answers_at_once_on_both_databases_and_closes_its_lane(reference_any_engine, clock, loop):
    rt = build_runtime(Settings(), engine=reference_any_engine, clock=clock)
    core = rt.core
    assert core.quick_lane is not None
    if isinstance(core.quick_lane, AsyncLane):  # made on first use: `clock` and the CLI build a core too
        assert core.quick_lane._async_engine is None
    core.handle(ask("priority 5"))
    assert loop.run(core.answer_at_once(ask("priority 5"))) is not None
    pool = core.quick_lane.engine.pool  # disposing an engine gives it a new pool: watch this one
    assert pool.checkedin() == 1  # the answer's connection, kept for the next question
    loop.run(rt.close_connections())  # what the app does as it stops
    assert pool.checkedin() == 0


def test_a_plan_named_but_not_found_is_left_to_handle(core):
    core.handle(ask("priority 4"))
    assert core.at_once(ask("priority 4 in nosuch")) is None
    assert "nosuch" in repr(core.handle(ask("priority 4 in nosuch")).views)
