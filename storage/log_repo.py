"""The risks and issues log's queries: numbering, adding, closing, and the log as it stood.

Entries are numbered per plan and kind (R1, R2 … and I1 …) so an id names one line for good,
whichever priority it sits under. Adding and closing write an audit event in the same
transaction (the caller passes the actor), like every other change.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from storage import repo
from storage.db import utc_aware
from storage.models import LogEntry

KINDS = ("risk", "issue")
PREFIX = {"risk": "R", "issue": "I"}


def ref_of(entry: LogEntry) -> str:
    return f"{PREFIX[entry.kind]}{entry.number}"


def next_number(session: Session, plan_id: int, kind: str) -> int:
    top = session.exec(
        select(func.max(LogEntry.number)).where(LogEntry.plan_id == plan_id, LogEntry.kind == kind)
    ).one()
    return (top or 0) + 1


def add(session: Session, entry: LogEntry, *, plan_key: str) -> LogEntry:
    """Number the entry, store it and audit it (`risk.added` / `issue.added`)."""
    entry.number = next_number(session, entry.plan_id, entry.kind)
    session.add(entry)
    session.flush()
    details = {
        "plan": plan_key,
        "priority": entry.priority_number,
        "title": entry.title,
        "owner": entry.owner,
    }
    if entry.kind == "risk":
        details |= {"impact": entry.impact, "likelihood": entry.likelihood, "mitigation": entry.mitigation}
        details["review"] = entry.review.isoformat() if entry.review else None
    else:
        details |= {"action": entry.action, "date": entry.due.isoformat() if entry.due else None}
    repo.add_audit(
        session, at=entry.created_at, actor=entry.created_by, kind=f"{entry.kind}.added", subject=ref_of(entry),
        details=details,
    )
    return entry


def close(session: Session, entry: LogEntry, *, reason: str, actor: str, now: datetime, plan_key: str) -> None:
    entry.status, entry.close_reason, entry.closed_at, entry.closed_by = "closed", reason, now, actor
    session.add(entry)
    repo.add_audit(
        session, at=now, actor=actor, kind=f"{entry.kind}.closed", subject=ref_of(entry),
        details={"plan": plan_key, "priority": entry.priority_number, "reason": reason},
    )


def entry(session: Session, plan_id: int, kind: str, number: int) -> LogEntry | None:
    return session.exec(
        select(LogEntry).where(LogEntry.plan_id == plan_id, LogEntry.kind == kind, LogEntry.number == number)
    ).first()


def entries(
    session: Session, plan_id: int, *, kind: str | None = None, priority: int | None = None, open_only: bool = False
) -> list[LogEntry]:
    """The log, by priority then kind then number (risks before issues)."""
    q = select(LogEntry).where(LogEntry.plan_id == plan_id)
    if kind is not None:
        q = q.where(LogEntry.kind == kind)
    if priority is not None:
        q = q.where(LogEntry.priority_number == priority)
    if open_only:
        q = q.where(LogEntry.status == "open")
    rows = session.exec(q.order_by(col(LogEntry.priority_number), col(LogEntry.kind).desc(), col(LogEntry.number)))
    return list(rows.all())


def as_of(session: Session, plan_id: int, since: datetime, until: datetime) -> list[LogEntry]:
    """The log as the report for a period shows it: what was open at `until`, and what was
    closed between `since` and `until` (with its reason). Entries added later are left out."""
    rows = session.exec(select(LogEntry).where(LogEntry.plan_id == plan_id, col(LogEntry.created_at) <= until))
    kept = [
        e for e in rows.all()
        if e.closed_at is None or utc_aware(e.closed_at) >= utc_aware(since)
    ]
    return sorted(kept, key=lambda e: (e.priority_number, e.kind != "risk", e.number))

