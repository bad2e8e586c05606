"""Recording updates and deciding proposed dates: the only writers of the audit trail.

A message with several updates is all-or-nothing: every line is checked (id, RAG, note,
permission, date) before any is written, so a typo never leaves half a message recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session

from bot.dates import parse_date
from bot.identity import Actor, refusal, update_rights
from bot.parsing import UpdateIntent
from bot.plan_state import PlanState
from bot.status import unknown_action
from domain import action_ids
from domain.evidence import split_evidence
from domain.vocabulary import NOTE_MAX, is_action_id, note_problem, parse_rag
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
    """Every value of every intent, checked on the server whichever channel it came from: the
    action id (the one grammar, an action of this plan), who may update it, the RAG value, the
    note, the proposed date. The intents that pass come back in one spelling (canonical id,
    RAG value), ready to be written."""
    ok, rejected = [], []
    rights = update_rights(session, actor)
    horizon = proposal_horizon(state)
    for it in intents:
        if not is_action_id(it.ref):
            rejected.append(Rejected(it.line, f"{shown(it.ref)} is not {action_ids.DESCRIPTION}."))
            continue
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
        rag = parse_rag(it.rag)
        if rag is None:
            rejected.append(Rejected(it.line, not_a_rag(it.rag), "rag"))
            continue
        problem = note_problem(rag, it.note)
        if problem:
            rejected.append(Rejected(it.line, problem, "note"))
            continue
        proposed = None
        if it.proposed_date:
            proposed = parse_date(it.proposed_date, state.today)
            if proposed is None:
                rejected.append(
                    Rejected(
                        it.line,
                        f"I can't read the date {shown(it.proposed_date)}: try 31/10/2016, 'end of Oct' or "
                        "'next Friday'.",
                        "date",
                    )
                )
                continue
            if proposed < state.today:
                rejected.append(Rejected(it.line, f"The proposed date {proposed:%d %b %Y} is in the past.", "date"))
                continue
            if proposed > horizon:
                rejected.append(
                    Rejected(
                        it.line,
                        f"The proposed date {proposed:%d %b %Y} is too far ahead: propose a date by "
                        f"{horizon:%d %b %Y} (five years after the plan's last date).",
                        "date",
                    )
                )
                continue
        ok.append((replace(it, ref=s.ref, rag=rag.value), s.action, proposed))
    return ok, rejected


HORIZON_YEARS = 5


def proposal_horizon(state: PlanState) -> date:
    """The latest date anyone may propose: five years after the plan's last date (its latest
    due, original due or start date), or after today when the plan has ended or has no dates.
    A date further away is a typo or a probe (`31/12/9999`), not a plan."""
    dates = [d for a in state.actions for d in (a.action.due, a.action.original_due, a.action.start) if d]
    end = max([state.today, *dates])
    try:
        return end.replace(year=end.year + HORIZON_YEARS)
    except ValueError:  # 29 February → 28 February
        return end.replace(year=end.year + HORIZON_YEARS, day=28)


def not_a_rag(value: object) -> str:
    """What to say about a RAG value that is not one (e.g. a forged `purple`)."""
    return f"{shown(value)} is not a RAG status: choose Red, Amber, Green or Completed."


def shown(value: object, limit: int = 40) -> str:
    """A value someone sent, quoted and cut short, to name it in a refusal."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def record(
    session: Session, actor: Actor, checked: list[tuple[UpdateIntent, Action, date | None]], now: datetime, channel: str
) -> list[ActionUpdate]:
    """Write checked intents. A completion's evidence (`check` made sure it has one) goes in its
    own column, so the report and the sign-off can show it apart from the note."""
    written = []
    for it, action, proposed in checked:
        note, evidence = split_evidence(it.note) if it.rag == "completed" else (it.note.strip(), "")
        u = ActionUpdate(
            action_id=action.id,
            at=now,
            author_key=actor.key,
            author_name=actor.person.name if actor.person else actor.label,
            rag=it.rag,
            note=note,
            proposed_due=proposed,
            channel=channel,
            evidence=evidence or None,
        )
        session.add(u)
        written.append(u)
    session.flush()
    return written


def decide_date(
    session: Session, state: PlanState, actor: Actor, ref: str, approve: bool, now: datetime, reason: str = ""
) -> str:
    """SIT accepts or declines a proposed new date. Accepting moves the due date; both are audited
    (with the reason for a rejection, if given), and the audit event is what tells the lead
    (`bot.decisions`: the scheduler sends it to them once, in their own channel)."""
    if actor.person is None or not actor.person.sit_admin:
        return "Only an SIT admin can approve or reject a proposed new date."
    if not is_action_id(ref):
        return f"{shown(ref)} is not {action_ids.DESCRIPTION}: write e.g. `/status approve 4.2.1`."
    s = state.action(ref)
    if s is None:
        return unknown_action(state, ref).text
    if s.pending_update is None:
        return f"{ref} has no proposed new date awaiting a decision."
    if len(reason) > NOTE_MAX:
        return f"The reason is {len(reason)} characters; keep it to {NOTE_MAX}."
    action = session.get(Action, s.action.id)  # this session's copy: states may be shared between requests
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
            **({"reason": reason} if reason and not approve else {}),
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
    why = f" Reason: {reason}" if reason else ""
    return (f"Rejected: {ref} stays due {old:%d %b %Y}." if old else f"Rejected the proposed date for {ref}.") + why
