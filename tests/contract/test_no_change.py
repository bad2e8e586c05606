"""`no change` on SQLite and PostgreSQL: a round answered in one line. Each confirmation is an
audit event, never an update; the report shows it as "confirmed, unchanged"; the scheduler stops
asking; overdue and never-rated actions are refused with the reason."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from bot.conversation import Core
from bot.plan_state import CONFIRMED, load_state
from bot.policy import load_policy
from bot.report import build_report
from bot.requests import ChatRequest, Identity
from domain.clock import FixedClock
from scheduler.tick import Ticker
from storage import repo
from storage.models import ActionUpdate, AuditEvent
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")


def say(core: Core, who: str, text: str) -> str:
    reply = core.handle(ChatRequest(Identity("terminal", who), text))
    return "\n".join(getattr(v, "text", "") for v in reply.views)


def updates_count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(ActionUpdate)).one()


def confirmations(engine) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.kind == CONFIRMED).order_by(AuditEvent.id)).all())


def rated_in_august(engine) -> tuple[Core, FixedClock]:
    """HOS EI&FS rates both her September-round actions in August; HOS QI rates 5.2.2, due 31 Aug."""
    clock = FixedClock(datetime(2016, 8, 10, 10, 0, tzinfo=UK))
    core = Core(engine, clock)
    for who, text in (
        ("hos-eifs", "4.7.1 green - on track\n4.7.2 amber - venue not booked yet"),
        ("hos-qi", "5.2.2 amber - audit slipping"),
    ):
        assert core.handle(ChatRequest(Identity("terminal", who), text)).recorded
    clock.set(datetime(2016, 9, 2, 10, 0, tzinfo=UK))
    return core, clock


def test_no_change_confirms_the_last_rag_as_an_audit_event_not_an_update(reference_any_engine):
    engine = reference_any_engine
    core, _clock = rated_in_august(engine)
    before = updates_count(engine)
    answer = say(core, "hos-eifs", "no change")
    assert "Confirmed, unchanged for September 2016 (2): Green: 4.7.1; Amber: 4.7.2" in answer
    assert "not as new updates" in answer
    assert updates_count(engine) == before  # never a new update
    events = confirmations(engine)
    assert [(e.subject, e.actor, e.details["rag"], e.details["round"]) for e in events] == [
        ("4.7.1", "hos-eifs", "green", "2016-09"),
        ("4.7.2", "hos-eifs", "amber", "2016-09"),
    ]
    with Session(engine) as s:
        plan = repo.active_plan(s)
        state = load_state(s, plan, datetime(2016, 9, 2, 12, 0, tzinfo=UK))
        assert {e.details["update_id"] for e in events} == {state.action(r).latest.id for r in ("4.7.1", "4.7.2")}
        assert state.action("4.7.1").rag == "green" and state.action("4.7.1").confirmed_at is not None
        report = build_report(s, plan, "2016-09", as_of=datetime(2016, 9, 8, 9, 0, tzinfo=UK))
    p4 = next(p for p in report.priorities if p.number == 4)
    confirmed = {a.ref: a for a in p4.confirmed}
    assert set(confirmed) == {"4.7.1", "4.7.2"}
    assert all(a.confirmed_on == date(2016, 9, 2) and not a.updated_in_period for a in confirmed.values())
    assert not {"4.7.1", "4.7.2"} & {a.ref for a in p4.no_update}
    # asked again the same day: nothing more is written
    assert "Already answered this round: 2" in say(core, "hos-eifs", "no change")
    assert len(confirmations(engine)) == 2


def test_except_leaves_actions_to_answer_and_overdue_or_never_rated_are_refused(reference_any_engine):
    engine = reference_any_engine
    core, _clock = rated_in_august(engine)
    answer = say(core, "hos-eifs", "no change except 4.7.2, 9.9.9")
    assert "Confirmed, unchanged for September 2016 (1): Green: 4.7.1" in answer
    assert "Left for you to answer: 4.7.2" in answer and "Not in your September 2016 round: 9.9.9" in answer
    qi = say(core, "hos-qi", "no change")
    assert "Nothing was confirmed for September 2016." in qi
    assert "Not confirmed, overdue (give an update or propose a new date): 5.2.2" in qi
    assert "Not confirmed, never rated (give a RAG status and one line): " in qi
    assert [e.subject for e in confirmations(engine)] == ["4.7.1"]


def test_bad_lists_and_strangers_confirm_nothing(reference_any_engine):
    engine = reference_any_engine
    core, _clock = rated_in_august(engine)
    bad = say(core, "hos-eifs", "no change except banana")
    assert "Nothing was confirmed: `banana` is not action ids." in bad
    assert "I don't know who you are yet" in say(core, "nobody-at-all", "no change")
    assert confirmations(engine) == []


def test_the_scheduler_stops_asking_once_the_round_is_answered_with_no_change(reference_any_engine):
    engine = reference_any_engine
    core, clock = rated_in_august(engine)
    channel = RecordingChannel()
    ticker = Ticker(engine, clock, load_policy(), {channel.name: channel})

    async def days(first: date, last: date) -> None:
        d = first
        while d <= last:
            clock.set(datetime.combine(d, time(9, 0), UK))
            await ticker.tick()
            d += timedelta(days=1)

    asyncio.run(days(date(2016, 9, 1), date(2016, 9, 1)))
    clock.set(datetime(2016, 9, 2, 10, 0, tzinfo=UK))
    assert "Confirmed, unchanged" in say(core, "hos-eifs", "no change")
    asyncio.run(days(date(2016, 9, 2), date(2016, 9, 16)))
    # 4.7.1 and 4.7.2 (hers) are asked once, never chased; her share of All HOS's 4.1.1-4.1.4
    # was never rated, so `no change` could not answer for it and those are still asked; nor is
    # the CAF Manager, who leads 4.7.1 and 4.7.2 with her, asked again
    later = [(s.day, i["ref"]) for s in channel.sent if s.to == "hos-eifs" and s.day > "2016-09-01" for i in s.items("nudge")]
    assert later and {ref for _, ref in later} <= {"4.1.1", "4.1.2", "4.1.3", "4.1.4"}
    assert [s.day for s in channel.sent if s.to == "caf-manager"] == ["2016-09-01"]
    escalated = {i["ref"] for s in channel.sent for i in s.items("escalation") if i["escalation"] == "silence"}
    assert "4.7.1" not in escalated and "4.7.2" not in escalated and len(escalated) > 50
