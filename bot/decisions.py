"""Decisions reach people: when the SIT approves or rejects a proposed date, or reopens a
completion claim, the lead who asked is told in their own channel, once.

The decision itself is an audit event (`due.approved`, `due.rejected`, `completion.reopened`,
written by `bot.updates.decide_date` and `bot.signoff`), so nothing else has to be remembered:
each scheduler tick asks `due_notices` for the recent decisions whose ledger key
(`decision:<audit id>`) is not yet claimed, and sends each through `bot.delivery.send_to_person`
(claim first, then the person's channel): exactly once, whichever process ticks, and a person no
channel reaches is recorded `unreachable` like any other message (the SIT hears of it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.views import NoticeView
from storage.db import utc_aware
from storage.models import ActionUpdate, AuditEvent, SendLedger

KINDS = ("due.approved", "due.rejected", "completion.reopened")
LOOKBACK = timedelta(days=7)  # a decision older than this (e.g. before an upgrade) is not announced late
KEY_PREFIX = "decision:"


@dataclass(frozen=True)
class DecisionNotice:
    key: str  # the send-ledger key: decision:<audit event id>
    person_key: str
    ref: str
    view: NoticeView


def due_notices(session: Session, now: datetime, recipients: set[str] | None = None) -> list[DecisionNotice]:
    """The decisions of the last `LOOKBACK` days not yet claimed in the send ledger, each as the
    message to the person whose update it decided (the proposer, or the completion's claimant)."""
    since = now - LOOKBACK
    events = session.exec(
        select(AuditEvent).where(col(AuditEvent.kind).in_(KINDS), col(AuditEvent.at) >= since).order_by(AuditEvent.id)
    ).all()
    if not events:
        return []
    keys = [f"{KEY_PREFIX}{e.id}" for e in events]
    claimed = set(session.exec(select(SendLedger.key).where(col(SendLedger.key).in_(keys))).all())
    update_ids = [int(e.details["update_id"]) for e in events if isinstance(e.details.get("update_id"), int)]
    authors = {
        u.id: u.author_key
        for u in session.exec(select(ActionUpdate).where(col(ActionUpdate.id).in_(update_ids or [-1]))).all()
    }
    out = []
    for e, key in zip(events, keys, strict=True):
        if key in claimed or utc_aware(e.at) > now:
            continue
        person = authors.get(e.details.get("update_id"))
        if not person or (recipients is not None and person not in recipients):
            continue
        out.append(DecisionNotice(key, person, e.subject, NoticeView(message(e))))
    return out


def message(e: AuditEvent) -> str:
    """What the lead is told, in the words of the decision."""
    d = e.details or {}
    plan = f" ({d['plan']})" if d.get("plan") else ""
    if e.kind == "due.approved":
        return f"The SIT approved your proposed date for {e.subject}{plan}: it is now due {_day(d.get('to'))}."
    if e.kind == "due.rejected":
        stays = f"; it stays due {_day(d.get('from'))}" if d.get("from") else ""
        reason = f" Reason: {d['reason']}" if d.get("reason") else " No reason was given; ask the SIT."
        return f"The SIT rejected your proposed date ({_day(d.get('to'))}) for {e.subject}{plan}{stays}.{reason}"
    return (
        f"The SIT reopened {e.subject}{plan}: your completion was returned to you. Reason: {d.get('reason', '')}\n"
        f"Update it when you can, e.g. `{e.subject} amber - what is left`."
    )


def _day(iso: object) -> str:
    try:
        return f"{date.fromisoformat(str(iso)):%d %b %Y}"
    except ValueError:
        return "—"


async def send_due(engine, channels: dict, now: datetime, recipients: set[str] | None = None) -> list:
    """Send every decision not yet told (see the module docstring); returns the outcomes."""
    from bot import delivery
    from storage.db import session_scope

    with session_scope(engine) as session:
        notices = due_notices(session, now, recipients)
    outcomes = []
    for n in notices:
        meta = {"recipient": n.person_key, "refs": [n.ref], "ledger_key": n.key, "why": f"the SIT's decision on {n.ref}"}
        outcomes.append(
            await delivery.send_to_person(
                engine, channels, n.person_key, [n.view], key=n.key, kind="decision", now=now, meta=meta
            )
        )
    return outcomes
