"""Read what the pure policy needs from the database: the plan as of an instant, the people
directory, the snoozes, and the ledger's history. The only impure half of the policy."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from bot.plan_state import load_state
from bot.recipients import directory
from scheduler.planned import History, Inputs
from storage import repo
from storage.models import Plan, SendLedger, Snooze


def load_inputs(session: Session, plan: Plan, now: datetime) -> Inputs:
    state = load_state(session, plan, now)
    return Inputs(state=state, directory=directory(session), snoozes=active_snoozes(session, state, now))


def active_snoozes(session: Session, state, now: datetime) -> dict[str, date]:
    """action ref → the day reminders resume (the latest snooze set up to `now` wins)."""
    refs = {s.action.id: s.ref for s in state.actions}
    out: dict[str, date] = {}
    rows = session.exec(select(Snooze).order_by(Snooze.at, Snooze.id)).all()
    for row in rows:
        if row.action_id in refs and _aware(row.at) <= now:
            out[refs[row.action_id]] = row.until
    return out


def load_history(session: Session) -> History:
    """Every ledger row counts, whatever its status: sent, being sent, retrying, failed (the SIT
    was told) or unreachable. Only the message key matters for digests, so the per-channel
    suffix of SIT posts (`report:2016-09|slack`) is dropped."""
    history = History()
    for row in session.exec(select(SendLedger)).all():
        if row.kind in ("manual", "failure_report") or row.key.startswith("nudge:manual:"):
            continue
        base = row.key.split("|", 1)[0]
        history.add_payload(base, row.payload or {}, _aware(row.claimed_at).date())
    return history


def active_plan(session: Session, plan_key: str | None) -> Plan:
    return repo.active_plan(session, plan_key)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
