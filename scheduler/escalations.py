"""Escalation rows: what was escalated to whom, and when it stopped needing attention.

The highlight report counts escalations raised and still open from these rows; the ledger
says what was sent. A row is written once per (action, person, reason) while it is open.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.plan_state import ActionState, PlanState
from scheduler.planned import Item
from storage.db import utc_aware
from storage.models import Escalation


def record(session: Session, ids: dict[str, int], items: list[Item], now: datetime) -> int:
    """Write an Escalation row for each escalation item not already open (`ids`: action ref →
    action id). Returns how many."""
    written = 0
    for item in items:
        if item.kind != "escalation" or item.ref not in ids:
            continue
        exists = session.exec(
            select(Escalation).where(
                Escalation.action_id == ids[item.ref],
                Escalation.to_person_key == item.recipient,
                Escalation.reason == item.escalation,
                col(Escalation.resolved_at).is_(None),
            )
        ).first()
        if exists is None:
            session.add(
                Escalation(action_id=ids[item.ref], to_person_key=item.recipient, reason=item.escalation, raised_at=now)
            )
            written += 1
    return written


def is_resolved(e: Escalation, s: ActionState) -> bool:
    """Completed ends every escalation; a Red one ends when the action is no longer Red; an
    overdue one when it is no longer overdue (done, or a new date approved); silence and leave
    end with any answer after the escalation (an update, or "no change")."""
    if not s.is_open:
        return True
    raised = utc_aware(e.raised_at)
    if e.reason == "red":
        return s.rag != "red"
    if e.reason == "overdue":
        return not s.is_overdue
    return s.answered_since(raised)  # an update, or "no change" (a confirmation) after it was raised


def resolve(session: Session, state: PlanState, now: datetime) -> int:
    open_rows = session.exec(select(Escalation).where(col(Escalation.resolved_at).is_(None))).all()
    done = 0
    for e in open_rows:  # the state's own index of its actions (kept with it), not a new one a tick
        s = state.by_action_id.get(e.action_id)
        if s is not None and is_resolved(e, s):
            e.resolved_at = now
            session.add(e)
            done += 1
    return done
