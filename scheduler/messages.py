"""A planned message → the neutral views a channel renders (bot.views): the nudge card, the
request for missing indicator readings, the escalation list for a manager, the SIT's notice of
people who could not be reached, the weekly digest and the monthly highlight report.

Views are built at send time from the plan as it stands then, so a retry an hour later shows
the current RAG, and every channel gets the same content.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from bot.audits import due_now_phrase as audits_due_phrase
from bot.indicators import reading_request
from bot.nudges import nudge_view
from bot.periods import Period
from bot.plan_state import PlanState, overdue, worst_first
from bot.proposals import pending, pending_phrase
from bot.recipients import Directory
from bot.risk_log import line_of
from bot.status import list_view, plan_summary
from bot.typed_command import typed
from bot.views import ESCALATION_LIMIT, EscalationItem, EscalationView, LogView, NoticeView
from scheduler.planned import SIT, Item, Planned
from scheduler.rules import Round
from storage import log_repo
from storage.db import utc_aware
from storage.models import SendLedger

NOTICE_LINES = 12  # people listed in one could-not-reach notice (a Block Kit section holds 3,000 characters)

# What each escalation asks of the person who receives it.
ASKS = {
    "overdue": "agree a recovery plan and a new date with the owner (the SIT approves new dates)",
    "red": "decide what intervention the action needs",
    "silence": "get an update from the owner, or give it yourself",
    "away": "arrange cover or give the update yourself while the owner is away",
}


def person_views(planned: Planned, state: PlanState, directory: Directory) -> list[Any]:
    """The nudge card (actions to update), the readings request, the escalation list and/or
    the could-not-reach notice, for one recipient, in that order."""
    person = directory.person(planned.recipient)
    name = person.name if person else "Service Improvement Team"
    views: list[Any] = []
    nudges = [i for i in planned.items if i.kind == "nudge"]
    if nudges:
        reasons = _joined_reasons(nudges)
        states = [s for s in (state.action(ref) for ref in reasons) if s is not None and s.is_open]
        if states:
            in_round = any(i.rule in ("round", "chase.round") for i in nudges)  # a round's ask: "no change" answers the rest
            views.append(nudge_view(name if planned.recipient != SIT else "", states, reasons, no_change=in_round))
    views += reading_views(name if planned.recipient != SIT else "", [i for i in planned.items if i.kind == "reading"])
    escalations = [i for i in planned.items if i.kind == "escalation"]
    if escalations:
        views.append(escalation_view(name, escalations, state, directory))
    notices = [i for i in planned.items if i.kind == "notice"]
    if notices:
        views.append(unreached_view(notices))
    audits = any(i.kind == "audit" for i in planned.items)  # an audit's day: the reminders below name it
    if planned.recipient == SIT and (views or audits):  # the SIT's daily message: decisions waiting, audits come round
        views += sit_reminders(state)
    return views


def sit_reminders(state: PlanState) -> list[NoticeView]:
    """What waits on the SIT itself: proposed dates to decide, thematic audits whose day has
    come. Both the daily message and the weekly digest end with them."""
    lines = (pending_phrase(len(pending(state.actions))), audits_due_phrase(state))
    return [NoticeView(line) for line in lines if line]


def reading_views(name: str, items: list[Item]) -> list[NoticeView]:
    """One request per month and step ('ask', 'chase 1 of 2'), listing the indicators' codes."""
    groups: dict[tuple[str, str], list[str]] = {}
    for i in items:
        month = i.series.rsplit(":", 1)[-1]
        # the ask's own words are the deadline; a chase or a stand-in says more
        note = i.reason.split(": ", 1)[-1] if i.reason.startswith("performance readings for") else i.reason
        groups.setdefault((month, note), []).append(i.indicator)
    return [
        reading_request(name, Period.of(month), list(dict.fromkeys(codes)), note)
        for (month, note), codes in groups.items()
    ]


def unreached_view(items: list[Item]) -> NoticeView:
    """The SIT hears who the bot could not reach (once per person and day) and what to do."""
    shown = [f"- {i.reason[:200]}" for i in items[:NOTICE_LINES]]
    if len(items) > NOTICE_LINES:  # a chat message has room for a dozen; the command lists everyone
        shown.append(f"- … and {len(items) - NOTICE_LINES} more")
    lines = "\n".join(shown)
    people = len({o for i in items for o in i.owners})
    return NoticeView(
        f"The bot could not reach {people} {'person' if people == 1 else 'people'}, so these messages "
        f"were not delivered (their chases and escalations go on as if they had been):\n{lines}\n"
        "Give them an email address or a chat account id (`actionbot people import`), or ask them to open "
        "the bot once in their chat app; `actionbot people check` lists everyone who cannot be reached.",
        "warning",
    )


def escalation_view(name: str, items: list[Item], state: PlanState, directory: Directory) -> EscalationView:
    """The ten worst escalated actions (`bot.plan_state.worst_first`) and `status escalated`
    for the rest: an escalation about 149 actions is read in a minute, and cut nothing silently."""
    lines = []
    reasons_of = _joined_reasons(items)
    escalated = worst_first([s for s in (state.action(ref) for ref in reasons_of) if s is not None])
    for s in escalated[:ESCALATION_LIMIT]:
        ref, reasons = s.ref, reasons_of[s.ref]
        owners = next(i for i in items if i.ref == ref).owners
        owner_names = ", ".join((directory.person(k).name if directory.person(k) else k) for k in owners)
        lines.append(
            EscalationItem(
                ref=ref,
                text=s.action.text,
                owner=owner_names or " / ".join(s.action.leads),
                reason=reasons,
                due=s.due,
                overdue_days=s.overdue_days,
                rag=s.rag,
                note=s.latest_note,
            )
        )
    needed = [ASKS[w] for w in dict.fromkeys(i.escalation for i in items if i.escalation in ASKS)]
    unreached = list(dict.fromkeys(k for i in items for k in i.unreached))
    if unreached:
        who = ", ".join((directory.person(k).name if directory.person(k) else k) for k in unreached)
        needed.append(f"contact {who} directly: the bot has no way to reach them")
    ask = "What is needed from you: " + "; ".join(needed) + "."
    rest = len(escalated) - len(lines)
    more = f"{rest} more, worst first: `{typed('status escalated')}`" if rest > 0 else ""
    return EscalationView(manager_name=name, items=tuple(lines), ask=ask, total=len(escalated), more_hint=more)


def _joined_reasons(items: list[Item]) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for i in items:
        out.setdefault(i.ref, [])
        if i.reason not in out[i.ref]:
            out[i.ref].append(i.reason)
    return {ref: "; ".join(reasons) for ref, reasons in out.items()}


def weekly_digest_views(session: Session, state: PlanState, now: datetime) -> list[Any]:
    """The SIT's Monday summary: RAG counts per priority, the most overdue actions, and what
    the bot sent (or could not send) in the last seven days."""
    since = now - timedelta(days=7)
    rows = [r for r in session.exec(select(SendLedger)).all() if utc_aware(r.claimed_at) >= since]
    sent = sum(1 for r in rows if r.status == "sent" and r.recipient != SIT)
    failed = [r for r in rows if r.status == "failed"]
    unreached = sorted({r.recipient for r in rows if r.status == "unreachable"})
    asked = sum(
        1 for r in rows if r.status == "sent" for i in (r.payload or {}).get("items", []) if i.get("kind") == "nudge"
    )
    escalated = sum(
        1
        for r in rows
        if r.status == "sent"
        for i in (r.payload or {}).get("items", [])
        if i.get("kind") == "escalation"
    )
    activity = (
        f"Last 7 days: {sent} messages to people ({asked} requests for updates, {escalated} escalations)"
        + (
            f"; {len(failed)} could not be delivered: {', '.join(sorted({r.recipient for r in failed}))}"
            if failed
            else ""
        )
        + (
            f"; no channel could reach {len(unreached)} {'person' if len(unreached) == 1 else 'people'}: "
            f"{', '.join(unreached)}"
            if unreached
            else ""
        )
        + "."
    )
    views: list[Any] = [
        NoticeView(f"Weekly summary for the SIT, week of {state.today:%d %b %Y}"),
        plan_summary(state),
        list_view("Most overdue", overdue(state.actions), "status overdue", "Nothing is overdue.", limit=10),
        NoticeView(activity),
    ]
    views += sit_reminders(state)
    log = log_repo.entries(session, state.plan.id, open_only=True)
    if log:
        views.append(LogView(f"Open risks and issues ({len(log)})", tuple(line_of(e) for e in log)))
    return views


def monthly_report_views(session: Session, state: PlanState, r: Round, now: datetime) -> list[Any]:
    """The highlight report for the round's month, as it stands when the round closes."""
    from bot.report import build_report, digest_views

    return list(digest_views(build_report(session, state.plan, r.key, as_of=now)))
