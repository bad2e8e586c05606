"""`Core.answer_at_once`: the questions a channel may answer on its event loop.

It answers exactly what `handle` answers, but only a status question whose view the core keeps,
only when the plan's state is kept for the database as it is, and never by waiting for a lock
(on SQLite, where the no-wait engine exists). Anything else is refused with None, from its
words alone before any statement, or after the first reads with nothing written, so the
caller's `handle` answers it as before. On PostgreSQL there is no no-wait engine: `handle`
answers everything."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.runtime import build_runtime
from bot.views import PriorityStatusView
from storage import repo
from storage.db import NO_WAIT_CHECKPOINT_PAGES, make_engine, no_wait_engine, session_scope
from storage.models import ActionUpdate, SeenEvent

DCS = Identity("terminal", "dcs")
NOW = datetime(2016, 10, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def core(reference_engine, clock):
    quick = no_wait_engine(reference_engine)
    assert quick is not None
    yield Core(reference_engine, clock, no_wait_engine=quick)
    quick.dispose()


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
    memory.dispose()


def test_a_kept_question_is_answered_as_handle_answers_it(core, reference_engine):
    for question in ("priority 5", "status priority 4", "status", "", "status help", "p5 share"):
        full = core.handle(ask(question))  # reads the state the first time, which answer_at_once never does
        quick = core.answer_at_once(ask(question))
        assert quick is not None, question
        assert texts(quick) == texts(full), question
        assert quick.private == full.private
    assert isinstance(core.answer_at_once(ask("priority 5")).views[-1], PriorityStatusView)


def test_the_first_question_after_a_change_goes_to_handle(core, reference_engine):
    assert core.answer_at_once(ask("priority 4")) is None  # nothing kept yet
    core.handle(ask("priority 4"))
    assert core.answer_at_once(ask("priority 4")) is not None
    with session_scope(reference_engine) as s:  # what an update, an import, an approval writes with its change
        repo.add_audit(s, at=NOW, actor="test", kind="test.event", subject="dcs")
    assert core.answer_at_once(ask("priority 4")) is None  # the trail's version moved on
    core.handle(ask("priority 4"))
    assert texts(core.answer_at_once(ask("priority 4"))) == texts(core.handle(ask("priority 4")))


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
def test_anything_else_is_refused_from_its_words_without_a_statement(core, reference_engine, request_):
    core.handle(ask("priority 4"))  # the state is kept
    updates_before, claims_before = rows(reference_engine, ActionUpdate), rows(reference_engine, SeenEvent)
    assert statements(core.no_wait_engine, lambda: core.answer_at_once(request_)) == [None]
    assert (rows(reference_engine, ActionUpdate), rows(reference_engine, SeenEvent)) == (updates_before, claims_before)
    # what the core keeps is untouched: the kept question is still answered at once
    assert core.answer_at_once(ask("priority 4")) is not None


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


def test_a_once_key_is_claimed_with_the_answer_and_a_replay_is_dropped(core, reference_engine):
    core.handle(ask("priority 5"))
    first = core.answer_at_once(ask("priority 5", once="trigger-1"))
    assert first is not None and not first.already_handled and first.views
    assert core.answer_at_once(ask("priority 5", once="trigger-1")).already_handled
    assert core.handle(ask("priority 5", once="trigger-1")).already_handled


def test_a_write_lock_held_elsewhere_sends_the_question_to_handle_unclaimed(core, reference_engine):
    core.handle(ask("priority 5"))
    writer = sqlite3.connect(reference_engine.url.database, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process (the scheduler, an import) is writing
        assert core.answer_at_once(ask("priority 5", once="trigger-2")) is None
    finally:
        writer.rollback()
        writer.close()
    assert not _claimed(reference_engine, "trigger-2")
    # what the core keeps is still true (a lock is no reason to read the state again): the
    # next question is answered at once
    assert core.answer_at_once(ask("priority 5", once="trigger-3")) is not None
    # nothing was claimed, so `handle` answers it (once)
    answered = core.handle(ask("priority 5", once="trigger-2"))
    assert answered.views and not answered.already_handled
    assert core.answer_at_once(ask("priority 5", once="trigger-2")).already_handled


def _claimed(engine, key: str) -> bool:
    with session_scope(engine) as s:
        return s.get(SeenEvent, key) is not None


def test_without_a_no_wait_engine_nothing_is_answered_at_once(reference_engine, clock):
    core = Core(reference_engine, clock)
    core.handle(ask("priority 5"))
    assert core.answer_at_once(ask("priority 5")) is None


def test_a_view_not_yet_computed_for_the_kept_state_is_left_to_handle(core):
    core.handle(ask("priority 5"))  # the state is kept, with priority 5's view and no other
    assert core.answer_at_once(ask("priority 4")) is None  # computed from the whole priority
    assert core.answer_at_once(ask("status")) is None  # the plan summary: the whole plan
    core.handle(ask("priority 4"))
    core.handle(ask("status"))
    assert core.answer_at_once(ask("priority 4")) is not None
    assert core.answer_at_once(ask("status")) is not None
    # help, and a priority the plan does not have, cost nothing
    assert core.answer_at_once(ask("status help")) is not None
    assert "no priority 42" in repr(core.answer_at_once(ask("priority 42")).views)


def test_views_computed_after_a_state_was_kept_by_another_question_are_kept_too(core):
    core.handle(ask("status overdue"))  # keeps the state, with no view of a priority or the plan
    core.handle(ask("priority 4"))
    core.handle(ask("status"))
    assert core.answer_at_once(ask("priority 4")) is not None
    assert core.answer_at_once(ask("status")) is not None


def test_a_question_addressed_to_the_plan_by_its_key_is_answered_at_once(core):
    question = "priority 4 in bromley-2016-17"
    full = core.handle(ask(question))
    quick = core.answer_at_once(ask(question))
    assert quick is not None and texts(quick) == texts(full)


def test_on_postgresql_every_request_goes_to_handle(reference_any_engine, clock):
    core = build_runtime(Settings(), engine=reference_any_engine, clock=clock).core
    try:
        is_sqlite = reference_any_engine.dialect.name == "sqlite"
        assert (core.no_wait_engine is not None) == is_sqlite
        core.handle(ask("priority 5"))
        quick = core.answer_at_once(ask("priority 5"))
        assert (quick is not None) == is_sqlite
    finally:
        if core.no_wait_engine is not None:
            core.no_wait_engine.dispose()


def test_a_plan_named_but_not_found_is_left_to_handle(core):
    core.handle(ask("priority 4"))
    assert core.answer_at_once(ask("priority 4 in nosuch")) is None
    assert "nosuch" in repr(core.handle(ask("priority 4 in nosuch")).views)
