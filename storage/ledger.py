"""The send ledger: a message is claimed (unique key) before it is sent, so two processes or a
restart never send it twice. See ARCHITECTURE.md for the exact delivery guarantee.

Statuses: claimed → sent | retry → … → failed; `unreachable` (no channel reaches the person:
recorded once, never sent or retried)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.db import utc_aware
from storage.ledger_sql import insert_ignore
from storage.models import SendLedger

MAX_ATTEMPTS = 4


def claim(
    session: Session,
    key: str,
    *,
    kind: str,
    recipient: str,
    channel: str,
    now: datetime,
    worker: str,
    due_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
    status: str = "claimed",
    last_error: str = "",
) -> SendLedger | None:
    """Claim a send. Returns the row if this caller owns it, None if someone already claimed it."""
    inserted = insert_ignore(
        session,
        SendLedger,
        {
            "key": key,
            "kind": kind,
            "recipient": recipient,
            "channel": channel,
            "due_at": due_at,
            "claimed_at": now,
            "claimed_by": worker,
            "attempts": 0,
            "status": status,
            "last_error": last_error[:500],
            "message_ref": "",
            "payload": payload or {},
        },
        ["key"],
    )
    if not inserted:
        return None
    return session.exec(select(SendLedger).where(SendLedger.key == key)).one()


def record_unreachable(
    session: Session,
    key: str,
    *,
    kind: str,
    recipient: str,
    now: datetime,
    worker: str,
    reason: str,
    payload: dict[str, Any] | None = None,
) -> SendLedger | None:
    """Claim `key` for a message no channel can deliver, recorded at once as `unreachable` with
    the reason (final: never retried). None if the key was already claimed."""
    return claim(
        session,
        key,
        kind=kind,
        recipient=recipient,
        channel="",
        now=now,
        worker=worker,
        payload=payload,
        status="unreachable",
        last_error=reason,
    )


def mark_sent(session: Session, row: SendLedger, now: datetime, message_ref: str = "") -> None:
    row.status, row.sent_at, row.message_ref = "sent", now, message_ref
    row.attempts += 1
    session.add(row)


def mark_failed(session: Session, row: SendLedger, now: datetime, error: str, *, permanent: bool = False) -> None:
    row.attempts += 1
    row.last_error = error[:500]
    row.status = "failed" if permanent or row.attempts >= MAX_ATTEMPTS else "retry"
    session.add(row)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff between tries: 1, 4, 16 minutes."""
    return timedelta(minutes=4 ** max(0, attempts - 1))


STALE_CLAIM = timedelta(minutes=5)


def retryable(session: Session, now: datetime, stale_after: timedelta = STALE_CLAIM) -> list[SendLedger]:
    """Rows to try again now: failed sends whose backoff has passed, and claims never marked
    sent or failed for `stale_after` (the process died between claim and send)."""
    rows = session.exec(
        select(SendLedger).where(col(SendLedger.status).in_(["retry", "claimed"])).order_by(SendLedger.id)
    ).all()
    out = []
    for r in rows:
        if r.status == "claimed":
            if r.claimed_at and now - utc_aware(r.claimed_at) > stale_after:
                out.append(r)
        elif now - utc_aware(r.claimed_at) >= retry_delay(r.attempts):
            out.append(r)
    return out


def reclaim(session: Session, row: SendLedger, now: datetime, worker: str) -> bool:
    """Take over a row for another try, atomically: compare-and-set on who claimed it and when,
    so of two processes retrying the same row only one wins (the other gets False)."""
    table = SendLedger.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(
            table.c.id == row.id,
            table.c.status == row.status,
            table.c.claimed_by == row.claimed_by,
            table.c.claimed_at == row.claimed_at,
        )
        .values(claimed_at=now, claimed_by=worker)
    )
    if result.rowcount != 1:
        return False
    row.claimed_at, row.claimed_by = now, worker
    return True
