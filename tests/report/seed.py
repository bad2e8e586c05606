"""A hand-made month for the report tests: Priority 7 of the reference plan through September
and October 2016, written the way people write it (chat updates, an SIT approval, `kpi`
readings) plus two escalations as the scheduler records them.

The figures the tests expect are worked out by hand from this story (see test_report_model).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from domain.clock import FixedClock
from storage.db import session_scope
from storage.models import Action, Escalation
from tests.conftest import uk

# (when, who, what they typed)
STORY: list[tuple[datetime, str, str]] = [
    (uk(2016, 8, 30, 10, 0), "hos-qi", "7.1.2 green - scoping the adoption review"),
    (uk(2016, 9, 5, 9, 15), "hos-cr", "7.2.1 green - panel dates being agreed"),
    (uk(2016, 9, 6, 11, 0), "hos-cr", "7.2.2 amber - recruitment delay for the panel adviser"),
    (uk(2016, 9, 7, 14, 30), "hos-cr", "7.2.3 green - tracker in place"),
    (uk(2016, 9, 8, 16, 45), "hos-cr", "7.4.1 amber - slipping: awaiting legal advice, new date 30/11/2016"),
    (uk(2016, 10, 3, 9, 5), "hos-cr", "7.2.1 amber - waiting on panel dates, new date 15/11/2016"),
    (uk(2016, 10, 4, 10, 20), "hos-cr", "7.2.2 red - no panel chair since the resignation"),
    (uk(2016, 10, 5, 15, 0), "hos-cr", "7.2.4 completed - protocol signed off, evidence: the signed protocol"),
    (uk(2016, 10, 10, 12, 0), "sit-manager", "status approve 7.2.1"),
    (uk(2016, 10, 12, 11, 0), "hos-cr", "7.3.1 green - preparation on track"),
    (uk(2016, 11, 2, 9, 30), "hos-cr", "7.3.2 red - typed after October closed"),
    # readings: 7e for September, 7a/7b/7g for October, 7d for October typed in November
    (uk(2016, 10, 4, 12, 0), "pi-officer", "kpi 7e 16"),
    (uk(2016, 10, 31, 17, 0), "pi-officer", "kpi 7a 92% for Oct 2016"),
    (uk(2016, 10, 31, 17, 5), "pi-officer", "kpi 7b 80% for Oct 2016"),
    (uk(2016, 10, 31, 17, 10), "pi-officer", "kpi 7g 426 for Oct 2016"),
    (uk(2016, 11, 3, 10, 0), "pi-officer", "kpi 7d 180 for Oct 2016"),
]


def say(engine, when: datetime, who: str, text: str):
    core = Core(engine, FixedClock(when))
    return core.handle(ChatRequest(identity=Identity("terminal", who), text=text))


def seed_priority_seven(engine) -> None:
    for when, who, text in sorted(STORY, key=lambda s: s[0]):
        reply = say(engine, when, who, text)
        problems = [v.text for v in reply.views if getattr(v, "level", "info") == "warning"]
        assert not problems, f"{text!r} was refused: {problems}"
    with session_scope(engine) as session:
        ids = {a.ref: a.id for a in session.exec(select(Action)).all()}
        session.add(
            Escalation(
                action_id=ids["7.2.2"],
                to_person_key="dcs",
                reason="not answered",
                raised_at=uk(2016, 9, 20, 9, 30),
                resolved_at=uk(2016, 10, 2, 9, 0),
            )
        )
        session.add(
            Escalation(action_id=ids["7.2.2"], to_person_key="dcs", reason="red", raised_at=uk(2016, 10, 6, 9, 30))
        )


def action_id(engine, ref: str) -> int:
    with Session(engine) as session:
        return session.exec(select(Action).where(Action.ref == ref)).one().id
