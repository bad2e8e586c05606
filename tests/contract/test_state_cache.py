"""The core keeps the plan's state between requests (`bot.plan_state.StateCache`) and never
shows a stale one: an update, an approved date, an import or a new day is seen by the next
request, including changes another process made. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlmodel import Session, select

from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.runtime import import_reference
from bot.views import ActionDetailView, PriorityStatusView
from storage.models import Person


def ask(core: Core, who: str, text: str):
    return core.handle(ChatRequest(identity=Identity("terminal", who), text=text))


def lead_of(engine, role: str) -> str:
    with Session(engine) as s:
        return next(p.key for p in s.exec(select(Person)).all() if role in p.roles)


def statements(engine, fn) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, sql, *_args) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def loads_updates(sql: list[str]) -> bool:
    """True when one of the statements read the plan's updates (what building a state does:
    `repo.plan_updates`, a join on the plan's actions; `updates_for`, an IN list of their ids)."""
    return any("FROM action_update" in s and ("action_id IN" in s or "JOIN action " in s) for s in sql)


def detail(core: Core, ref: str) -> ActionDetailView:
    (view,) = ask(core, "sit-officer", f"status {ref}").views
    assert isinstance(view, ActionDetailView)
    return view


def test_an_unchanged_plan_is_not_read_again(reference_any_engine, clock):
    core = Core(reference_any_engine, clock)
    ask(core, "dcs", "status priority 5")
    again = statements(reference_any_engine, lambda: ask(core, "dcs", "status priority 5"))
    assert not loads_updates(again)
    assert not any("FROM action " in s or s.rstrip().endswith("FROM action") for s in again)
    # the answer is the same one a fresh core gives
    fresh = ask(Core(reference_any_engine, clock), "dcs", "status priority 5").views[0]
    kept = ask(core, "dcs", "status priority 5").views[0]
    assert isinstance(kept, PriorityStatusView) and kept.counts == fresh.counts


def test_an_update_made_elsewhere_is_seen_at_once(reference_any_engine, clock):
    reader, writer = Core(reference_any_engine, clock), Core(reference_any_engine, clock)
    lead = lead_of(reference_any_engine, "HOS S&CP")
    assert detail(reader, "4.2.1").rag == "not_rated"
    ask(writer, lead, "4.2.1 amber - waiting on HR")
    view = detail(reader, "4.2.1")
    assert view.rag == "amber" and "waiting on HR" in view.updates[-1].note


def test_an_approved_date_is_seen(reference_any_engine, clock):
    core = Core(reference_any_engine, clock)
    lead = lead_of(reference_any_engine, "HOS S&CP")
    before = detail(core, "4.2.1").due
    ask(core, lead, "4.2.1 amber - waiting on HR, new date 31/03/2017")
    assert detail(core, "4.2.1").due == before  # a proposal does not move the deadline
    ask(core, "sit-manager", "status approve 4.2.1")
    assert str(detail(core, "4.2.1").due) == "2017-03-31"


def test_a_new_day_recounts_overdue(reference_any_engine, clock):
    core = Core(reference_any_engine, clock)
    clock.set(clock.now().replace(month=9, day=29))
    assert detail(core, "1.1.2").days_to_due == 1
    clock.set(clock.now() + timedelta(days=2))
    assert detail(core, "1.1.2").days_to_due == -1


def test_a_re_import_is_seen(reference_any_engine, clock):
    core = Core(reference_any_engine, clock)
    ask(core, "dcs", "status")
    assert not loads_updates(statements(reference_any_engine, lambda: ask(core, "dcs", "status")))
    import_reference(reference_any_engine, clock, actor="test")  # every import writes a plan.import audit event
    assert loads_updates(statements(reference_any_engine, lambda: ask(core, "dcs", "status")))
