"""A kept plan state takes in updates written since without reading the plan again
(`bot.plan_state.with_new_updates`): the result equals a full read, the changed actions get new
states and every other action keeps its very object (the scheduler's memo depends on it)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session, select

from bot.plan_state import StateCache, load_state
from storage import repo
from storage.db import session_scope
from storage.models import Action, ActionUpdate

UK = ZoneInfo("Europe/London")


def _facts(state) -> list[tuple]:
    return [
        (a.ref, a.rag, [u.id for u in a.updates], a.pending_due, a.awaiting_signoff, a.due, a.audit_due)
        for a in state.actions
    ]


def test_new_updates_are_taken_in_without_a_full_read(reference_engine):
    now = datetime(2016, 10, 3, 9, 0, tzinfo=UK)
    cache = StateCache()
    with Session(reference_engine) as session:
        plan = repo.active_plan(session, None)
        before = cache.state(session, plan, now, repo.trail_version(session))
    with session_scope(reference_engine) as session:
        ids = {a.ref: a.id for a in session.exec(select(Action)).all()}
        at = now + timedelta(minutes=1)
        session.add(ActionUpdate(action_id=ids["4.2.1"], at=at, author_key="dcs", rag="red", note="stuck"))
        session.add(ActionUpdate(action_id=ids["1.1.1"], at=at, author_key="dcs", rag="completed", note="done"))
        session.add(
            ActionUpdate(action_id=ids["2.1.1"], at=at, author_key="dcs", rag="amber", note="later",
                         proposed_due=date(2017, 1, 31))
        )
    later = now + timedelta(minutes=5)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(reference_engine, "before_cursor_execute", seen)
    try:
        with Session(reference_engine) as session:
            after = cache.state(session, plan, later, repo.trail_version(session))
    finally:
        event.remove(reference_engine, "before_cursor_execute", seen)
    with Session(reference_engine) as session:
        full = load_state(session, plan, later)
    assert _facts(after) == _facts(full)
    assert after.action("4.2.1").rag == "red" and after.action("1.1.1").awaiting_signoff
    assert after.action("2.1.1").pending_due == date(2017, 1, 31)
    changed = {"4.2.1", "1.1.1", "2.1.1"}
    for a in before.actions:
        assert (after.action(a.ref) is a) == (a.ref not in changed), a.ref
    assert statements, "nothing was read: the listener saw nothing"
    assert not [s for s in statements if re.search(r"FROM action\b(?!_)", s)], "the plan's actions were read again"
