"""Status queries → view models, all read from one `PlanState`."""

from __future__ import annotations

import difflib
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain import NOT_RATED
from bot.identity import Actor, lead_roles_of, may_update
from bot.parsing import StatusQuery
from bot.plan_state import ActionState, PlanState, by_due, due_within, overdue, rag_counts, reds_and_ambers
from bot.views import (
    LIST_LIMIT,
    ActionDetailView,
    ActionLine,
    ActionListView,
    HelpView,
    NoticeView,
    PlanSummaryView,
    PriorityStatusView,
    RagCountsView,
    UpdateLine,
)
from storage import repo

HELP = HelpView(
    title="actionbot: what you can ask",
    lines=(
        ("/status", "the whole plan: RAG counts per priority"),
        ("/status priority 4", "a priority: counts, overdue, reds and ambers, next deadlines (also p4)"),
        ("/status 4.2.1", "one action: lead, due date, RAG and its last updates"),
        ("/status overdue", "open actions past their due date"),
        ("/status red | amber | green | completed | not rated", "actions by RAG"),
        ("/status due 30d", "deadlines in the next 30 days (also 2w)"),
        ("/status mine", "the actions you lead"),
        ("/status lead HOS S&CP", "a role's actions"),
        ("/status … share", "post the answer to the channel instead of only to you"),
        ("/status approve 4.2.1", "SIT: accept a proposed new date (reject to decline)"),
        ("4.2.1 amber - waiting on HR, new date end of Oct", "record an update (one per line)"),
    ),
)


def counts_view(states: list[ActionState]) -> RagCountsView:
    c = rag_counts(states)
    return RagCountsView(
        red=c["red"], amber=c["amber"], green=c["green"], not_rated=c[NOT_RATED], completed=c["completed"]
    )


def action_line(s: ActionState) -> ActionLine:
    latest_noted = next((u for u in reversed(s.updates) if u.note), None)
    return ActionLine(
        ref=s.ref,
        text=s.action.text,
        rag=s.rag,
        leads=tuple(s.action.leads),
        due=s.due,
        timescale=s.action.timescale,
        days_to_due=s.days_to_due if s.is_open else None,
        note=latest_noted.note if latest_noted else "",
        note_author=latest_noted.author_name if latest_noted else "",
    )


def list_view(
    title: str, states: list[ActionState], more_command: str, empty: str = "Nothing to show.", limit: int = LIST_LIMIT
) -> ActionListView:
    items = tuple(action_line(s) for s in states[:limit])
    more = f"{len(states) - limit} more: `{more_command}`" if len(states) > limit else ""
    return ActionListView(title=title, items=items, total=len(states), more_hint=more, empty_text=empty)


def plan_summary(state: PlanState) -> PlanSummaryView:
    rows = tuple(
        (p.priority.number, p.priority.title, counts_view(p.actions), len(overdue(p.actions))) for p in state.priorities
    )
    return PlanSummaryView(
        plan_title=state.plan.title,
        as_of=state.today,
        counts=counts_view(state.actions),
        priorities=rows,
        overdue_total=len(overdue(state.actions)),
    )


def priority_status(state: PlanState, number: int) -> PriorityStatusView | NoticeView:
    p = state.priority(number)
    if p is None:
        valid = ", ".join(str(x.priority.number) for x in state.priorities)
        return NoticeView(f"There is no priority {number}. Priorities are {valid}.", "warning")
    late = overdue(p.actions)
    reds = reds_and_ambers(p.actions)
    upcoming = due_within(p.actions, state.today, 30)
    n = p.priority.number
    return PriorityStatusView(
        number=n,
        title=p.priority.title,
        lead_officer=p.priority.lead_officer,
        counts=counts_view(p.actions),
        overdue=list_view("Overdue", late, "/status overdue", "Nothing overdue.", limit=8),
        reds_ambers=list_view("Red and amber", reds, "/status red", "No reds or ambers.", limit=8),
        next_deadlines=list_view(
            "Next deadlines (30 days)", upcoming, "/status due 30d", "No deadlines in the next 30 days.", limit=5
        ),
        as_of=state.today,
    )


def action_detail(session: Session, state: PlanState, ref: str, actor: Actor) -> ActionDetailView | NoticeView:
    s = state.action(ref)
    if s is None:
        return unknown_action(state, ref)
    finding = state.findings.get(s.action.finding_id)
    tz = ZoneInfo(state.plan.timezone or "Europe/London")
    names = []
    for lead in s.action.leads:
        names += [p.name for p in repo.people_with_role(session, lead)]
    ups = tuple(
        UpdateLine(
            at=u.at.astimezone(tz).strftime("%d %b %Y %H:%M"),
            author=u.author_name or u.author_key or "?",
            rag=u.rag,
            note=u.note,
            proposed_due=u.proposed_due,
            channel=u.channel,
        )
        for u in reversed(s.updates[-3:])
    )
    return ActionDetailView(
        ref=s.ref,
        text=s.action.text,
        priority=s.action.priority_number,
        finding=finding.ref if finding else "",
        leads=tuple(s.action.leads),
        lead_names=tuple(names),
        partners=tuple(s.action.partners),
        timescale=s.action.timescale,
        due=s.due,
        days_to_due=s.days_to_due if s.is_open else None,
        recurrence=s.action.recurrence,
        rag=s.rag,
        pending_due=s.pending_due,
        updates=ups,
        can_update=may_update(session, actor, s.action),
    )


def unknown_action(state: PlanState, ref: str) -> NoticeView:
    refs = [a.ref for a in state.actions]
    prefix = ref.rsplit(".", 1)[0] + "."
    close = [r for r in refs if r.startswith(prefix)]
    close = difflib.get_close_matches(ref, close or refs, n=3, cutoff=0.0) if (close or refs) else []
    hint = f" — did you mean {' or '.join(close)}?" if close else ""
    return NoticeView(f"No action {ref}{hint}", "warning", suggestions=tuple(close))


def unknown_role(session: Session, state: PlanState, name: str) -> NoticeView:
    used = sorted({lead for a in state.actions for lead in a.action.leads})
    lowered = {u.lower(): u for u in used}
    close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.4)]
    hint = f" — did you mean {' or '.join(close)}?" if close else f" Roles in the plan: {', '.join(used[:15])}…"
    return NoticeView(f"No action in the plan is led by {name!r}{hint}", "warning", suggestions=tuple(close))


def query_list(session: Session, state: PlanState, q: StatusQuery, actor: Actor) -> ActionListView | NoticeView:
    states = state.actions
    if q.what == "overdue":
        chosen = overdue(states)
        return list_view(f"Overdue actions ({len(chosen)})", chosen, "/status priority N", "Nothing is overdue.", 20)
    if q.what in ("red", "amber", "green", "completed", NOT_RATED):
        label = {"not_rated": "Not yet rated"}.get(q.what, q.what.title())
        chosen = [a for a in states if a.rag == q.what]
        return list_view(
            f"{label} actions ({len(chosen)})", chosen, "/status priority N", f"No {label.lower()} actions.", 20
        )
    if q.what == "due":
        chosen = due_within(states, state.today, q.days)
        return list_view(
            f"Due in the next {q.days} days ({len(chosen)})",
            chosen,
            "/status priority N",
            f"Nothing due in the next {q.days} days.",
            20,
        )
    if q.what == "mine":
        if actor.person is None:
            return NoticeView(
                "I don't know who you are yet, so I can't list your actions. Ask the SIT to add "
                "you to the people directory.",
                "warning",
            )
        mine = lead_roles_of(actor.person, session)
        chosen = by_due([a for a in states if set(a.action.leads) & mine and a.is_open])
        roles = ", ".join(sorted(mine)) or "no role"
        return list_view(
            f"Your open actions as {roles} ({len(chosen)})",
            chosen,
            "/status lead ROLE",
            "You lead no open actions.",
            20,
        )
    if q.what == "lead":
        used = {lead.lower(): lead for a in states for lead in a.action.leads}
        role = used.get(q.arg.lower())
        if role is None:
            return unknown_role(session, state, q.arg)
        chosen = by_due([a for a in states if role in a.action.leads])
        return list_view(f"Actions led by {role} ({len(chosen)})", chosen, f"/status lead {role}", "None.", 20)
    raise ValueError(f"not a list query: {q.what}")
