"""Recording updates and deciding proposed dates: the only writers of the audit trail.

A message with several updates is all-or-nothing: every line is checked (id, RAG, note,
permission, date) before any is written, so a typo never leaves half a message recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.dates import parse_date
from bot.domain import NOTE_MAX
from bot.identity import Actor, refusal, update_rights
from bot.parsing import UpdateIntent
from bot.plan_state import PlanState
from bot.status import unknown_action
from storage import repo
from storage.models import Action, ActionUpdate


@dataclass(frozen=True)
class Rejected:
    line: str
    reason: str
    field: str = ""  # which input was wrong (rag | note | date), so a form can show the error beside it


def check(
    session: Session, state: PlanState, actor: Actor, intents: list[UpdateIntent]
) -> tuple[list[tuple[UpdateIntent, Action, date | None]], list[Rejected]]:
    ok, rejected = [], []
    rights = update_rights(session, actor)
    for it in intents:
        s = state.action(it.ref or "")
        if s is None:
            rejected.append(Rejected(it.line, unknown_action(state, it.ref or "?").text))
            continue
        if actor.person is None:
            rejected.append(
                Rejected(
                    it.line,
                    "I don't know you yet, so I can't record updates from you. Ask the SIT "
                    "to add you to the people directory; you can still ask for status.",
                )
            )
            continue
        if not rights.allows(s.action):
            rejected.append(Rejected(it.line, refusal(session, s.action)))
            continue
        if it.rag in ("red", "amber") and not it.note.strip():
            rejected.append(Rejected(it.line, f"{it.rag.title()} needs a one-line reason.", "note"))
            continue
        if len(it.note) > NOTE_MAX:
            rejected.append(Rejected(it.line, f"The note is {len(it.note)} characters; keep it to {NOTE_MAX}.", "note"))
            continue
        proposed = None
        if it.proposed_date:
            proposed = parse_date(it.proposed_date, state.today)
            if proposed is None:
                rejected.append(
                    Rejected(
                        it.line,
                        f"I can't read the date {it.proposed_date!r}: try 31/10/2016, 'end of Oct' or 'next Friday'.",
                        "date",
                    )
                )
                continue
            if proposed < state.today:
                rejected.append(Rejected(it.line, f"The proposed date {proposed:%d %b %Y} is in the past.", "date"))
                continue
        ok.append((it, s.action, proposed))
    return ok, rejected


def record(
    session: Session, actor: Actor, checked: list[tuple[UpdateIntent, Action, date | None]], now: datetime, channel: str
) -> list[ActionUpdate]:
    written = []
    for it, action, proposed in checked:
        u = ActionUpdate(
            action_id=action.id,
            at=now,
            author_key=actor.key,
            author_name=actor.person.name if actor.person else actor.label,
            rag=it.rag,
            note=it.note.strip(),
            proposed_due=proposed,
            channel=channel,
        )
        session.add(u)
        written.append(u)
    session.flush()
    return written


def decide_date(session: Session, state: PlanState, actor: Actor, ref: str, approve: bool, now: datetime) -> str:
    """SIT accepts or declines a proposed new date. Accepting moves the due date; both are audited."""
    if actor.person is None or not actor.person.sit_admin:
        return "Only an SIT admin can approve or reject a proposed new date."
    s = state.action(ref)
    if s is None:
        return unknown_action(state, ref).text
    if s.pending_update is None:
        return f"{ref} has no proposed new date awaiting a decision."
    action = s.action
    old = action.due
    kind = "due.approved" if approve else "due.rejected"
    repo.add_audit(
        session,
        at=now,
        actor=actor.label,
        kind=kind,
        subject=ref,
        details={
            "update_id": s.pending_update.id,
            "from": old.isoformat() if old else None,
            "to": s.pending_due.isoformat() if s.pending_due else None,
            "plan": state.plan.key,
        },
    )
    if approve:
        action.due = s.pending_due
        session.add(action)
        return (
            f"Approved: {ref} is now due {s.pending_due:%d %b %Y} (was {old:%d %b %Y})."
            if old
            else f"Approved: {ref} is now due {s.pending_due:%d %b %Y}."
        )
    return f"Rejected: {ref} stays due {old:%d %b %Y}." if old else f"Rejected the proposed date for {ref}."
