"""Status queries → view models, all read from one `PlanState`."""

from __future__ import annotations

import difflib
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.identity import Actor, lead_roles_of, may_update
from bot.parsing import StatusQuery
from bot.plan_state import (
    ActionState,
    PlanState,
    PriorityState,
    awaiting_signoff,
    by_due,
    due_within,
    overdue,
    rag_counts,
    reds_and_ambers,
    worst_first,
)
from bot.typed_command import typed
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
from domain.vocabulary import NOT_RATED
from storage import repo

HELP = HelpView(
    title="actionbot: what you can ask",
    lines=(
        (typed("status"), "the whole plan: RAG counts per priority"),
        (typed("status priority 4"), "a priority: counts, overdue, reds and ambers, next deadlines (also p4)"),
        (typed("status 4.2.1"), "one action: lead, due date, RAG and its last updates"),
        (typed("status overdue"), "open actions past their due date"),
        (typed("status red | amber | green | completed | not rated"), "actions by RAG (also `red and amber`)"),
        (typed("status overdue p4 …"), "any list for one priority; long lists: `… page 2`"),
        (typed("status due 30d"), "deadlines in the next 30 days (also 2w)"),
        (typed("status mine"), "the actions you lead"),
        (typed("status escalated"), "the actions escalated to you and still open, worst first"),
        (typed("no change"), "this round: re-confirm the last RAG of the rest (`no change except 4.2.1, 4.3.2`)"),
        (typed("status lead HOS S&CP"), "a role's actions"),
        (typed("status partner Police"), "the actions a partner agency is involved in"),
        (typed("report p4"), "a priority's highlight report so far this month (`report`: the whole plan)"),
        (typed("status … share"), "post the answer to the channel instead of only to you"),
        (typed("status approve 4.2.1"), "SIT: accept a proposed new date (`reject 4.2.1 - reason` declines)"),
        (typed("status proposals"), "proposed dates awaiting the SIT (with Approve / Reject for the SIT)"),
        (typed("status trend"), "RAG counts at the end of each month of the plan"),
        (typed("risks p4"), "a priority's open risks (`issues p4`; `risks`: every priority)"),
        (
            typed('risk p4 add "…" impact high likelihood medium owner HOS S&CP'),
            "priority lead / SIT: log a risk ([mitigation \"…\"] [review Dec 16]); `risk R12 close - reason`",
        ),
        (
            typed('issue p4 add "…" owner HOS S&CP action "…" date Dec 16'),
            "priority lead / SIT: log an issue; `issue I3 close - reason`",
        ),
        ("4.2.1 amber - waiting on HR, new date end of Oct", "record an update (one per line)"),
        ("4.2.1 completed - evidence: audit report Oct 16", "claim a completion, with its evidence"),
        (typed("signoff 4.2.1"), "SIT: verify a completion (`reopen 4.2.1 - reason` returns it to the lead)"),
        (typed("audit 4.2.1 due Mar 17"), "SIT: set a thematic audit date (`status audits`: those coming round)"),
        (typed("plans"), "the live plans (`use plan yj` to switch; `status priority 4 in yj` to ask another once)"),
        (typed("board"), "a personal link to the board's web view (works once, within 15 minutes)"),
    ),
)


def counts_view(states: list[ActionState]) -> RagCountsView:
    c = rag_counts(states)
    return RagCountsView(
        red=c["red"], amber=c["amber"], green=c["green"], not_rated=c[NOT_RATED], completed=c["completed"]
    )


def action_line(s: ActionState) -> ActionLine:
    latest_noted = s.latest_noted
    return ActionLine(
        ref=s.ref,
        text=s.action.text,
        rag=s.rag,
        leads=tuple(s.action.leads),
        due=s.due,
        timescale=s.action.timescale,
        days_to_due=s.days_to_due if s.is_open else None,
        note=completion_phrase(s) or (latest_noted.note if latest_noted else ""),
        note_author=(latest_noted.author_name if latest_noted else "") if not completion_phrase(s) else "",
    )


def list_view(
    title: str,
    states: list[ActionState],
    more_command: str,
    empty: str = "Nothing to show.",
    limit: int = LIST_LIMIT,
    page: int = 1,
    next_command: str = "",
) -> ActionListView:
    """One page of a list; the hint names the command that shows the rest (the next page, or a
    fuller list), so a phone-sized answer never hides what it cut. The commands are neutral
    (`status overdue p4`); each channel shows them with its own prefix."""
    start = (page - 1) * limit
    items = tuple(action_line(s) for s in states[start : start + limit])
    rest = len(states) - start - len(items)
    more = f"{rest} more: `{typed(next_command or more_command)}`" if rest > 0 else ""
    if page > 1:
        title = f"{title}, page {page}"
    return ActionListView(title=title, items=items, total=len(states), more_hint=more, empty_text=empty)


_PLAN_SUMMARY = "plan_summary"


def _priority_key(number: int) -> str:
    return f"priority_status:{number}"


def plan_summary(state: PlanState) -> PlanSummaryView:
    """The whole plan's counts: computed once per kept state (`PlanState.derived`)."""
    kept = state.derived.get(_PLAN_SUMMARY)
    if not isinstance(kept, PlanSummaryView):
        kept = state.derived[_PLAN_SUMMARY] = _plan_summary(state)
    return kept


def costs_nothing(state: PlanState, what: str, arg: str) -> bool:
    """Whether the answer to `status <what> <arg>` is already kept with `state`, or costs nothing
    to build whatever the plan's size: help, the plan summary or a priority's status once
    computed, a priority that is not a number or not in the plan (a notice). The first
    `status priority 4` of a new state computes it; `Core.answer_at_once` leaves that to `handle`."""
    if what == "help":
        return True
    if what == "summary":
        return isinstance(state.derived.get(_PLAN_SUMMARY), PlanSummaryView)
    if what == "priority":
        if not arg.isdigit() or state.priority(int(arg)) is None:
            return True
        return isinstance(state.derived.get(_priority_key(int(arg))), PriorityStatusView)
    return False


def _plan_summary(state: PlanState) -> PlanSummaryView:
    rows = tuple(
        (p.priority.number, p.priority.title, counts_view(p.actions), len(overdue(p.actions))) for p in state.priorities
    )
    return PlanSummaryView(
        plan_title=state.plan.title,
        as_of=state.today,
        counts=counts_view(state.actions),
        priorities=rows,
        overdue_total=len(overdue(state.actions)),
        awaiting_signoff=awaiting_phrase(len(awaiting_signoff(state.actions))),
    )


AWAITING_SIGNOFF = "Completed (awaiting sign-off)"


def awaiting_phrase(n: int) -> str:
    """The plan summary's note of completion claims the SIT has not signed off ("" for none)."""
    if not n:
        return ""
    return f"{n} of the completed {'is' if n == 1 else 'are'} {AWAITING_SIGNOFF.lower()}: `{typed('status completed')}`"


def completion_phrase(s: ActionState) -> str:
    """Where an action's completion stands, once for every channel: a claim awaiting the SIT's
    sign-off (with its evidence), or a claim the SIT reopened (with its reason); "" otherwise."""
    if s.awaiting_signoff and s.latest is not None:
        evidence = f" · evidence: {s.latest.evidence}" if s.latest.evidence else ""
        return f"{AWAITING_SIGNOFF}{evidence}"
    if s.reopened_reason:
        return f"Reopened by the SIT: {s.reopened_reason}"
    return ""


def priority_status(state: PlanState, number: int) -> PriorityStatusView | NoticeView:
    """One priority's counts and lists: computed once per kept state (`PlanState.derived`), as
    it depends on nothing else (`status priority 4` is the question asked most)."""
    p = state.priority(number)
    if p is None:
        return unknown_priority(state, number)
    key = _priority_key(number)
    kept = state.derived.get(key)
    if not isinstance(kept, PriorityStatusView):
        kept = state.derived[key] = _priority_status(state, p)
    return kept


def _priority_status(state: PlanState, p: PriorityState) -> PriorityStatusView:
    late = overdue(p.actions)
    reds = reds_and_ambers(p.actions)
    upcoming = due_within(p.actions, state.today, 30)
    n = p.priority.number
    return PriorityStatusView(
        number=n,
        title=p.priority.title,
        lead_officer=p.priority.lead_officer,
        counts=counts_view(p.actions),
        overdue=list_view("Overdue", late, f"status overdue p{n}", "Nothing overdue.", limit=8),
        reds_ambers=list_view("Red and amber", reds, f"status red and amber p{n}", "No reds or ambers.", limit=8),
        next_deadlines=list_view(
            "Next deadlines (30 days)", upcoming, f"status due 30d p{n}", "No deadlines in the next 30 days.", limit=5
        ),
        as_of=state.today,
    )


def action_detail(session: Session, state: PlanState, ref: str, actor: Actor) -> ActionDetailView | NoticeView:
    s = state.action(ref)
    if s is None:
        return unknown_action(state, ref)
    finding = state.findings.get(s.action.finding_id)
    tz = ZoneInfo(state.plan.timezone or "Europe/London")
    holders = repo.people_with_roles(session, s.action.leads)
    names = [p.name for lead in s.action.leads for p in holders[lead]]
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
    can_signoff = s.awaiting_signoff and actor.person is not None and actor.person.sit_admin
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
        completion=completion_phrase(s),
        can_signoff=can_signoff,
        signoff_hint=signoff_hint(s.ref) if can_signoff else "",
    )


def signoff_hint(ref: str) -> str:
    """What an SIT admin can do about a completion awaiting sign-off (a button does the first)."""
    return (
        f"SIT: sign it off (`{typed(f'signoff {ref}')}`) or return it to the lead "
        f"(`{typed(f'reopen {ref} - reason')}`)"
    )


def unknown_priority(state: PlanState, number: int) -> NoticeView:
    valid = ", ".join(str(x.priority.number) for x in state.priorities)
    return NoticeView(f"There is no priority {number}. Priorities are {valid}.", "warning")


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


def unknown_partner(state: PlanState, name: str) -> NoticeView:
    """Like an unknown role: the nearest partner names, or the plan's partners to choose from."""
    used = sorted({p for a in state.actions for p in a.action.partners}, key=str.lower)
    lowered = {u.lower(): u for u in used}
    close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.4)]
    hint = f" — did you mean {' or '.join(close)}?" if close else f" Partners in the plan: {', '.join(used[:15])}…"
    return NoticeView(f"No action in the plan involves {name!r}{hint}", "warning", suggestions=tuple(close))


def _partner_actions(
    state: PlanState, states: list[ActionState], name: str
) -> tuple[str, list[ActionState], str] | NoticeView:
    """The actions a partner agency is involved in (the plan's "Agency Involvement"), by due
    date. The name is matched whatever its case, against the names the plan uses; a name no
    action uses gets the nearest ones, so `polise` finds Police."""
    used = {p.lower(): p for a in state.actions for p in a.action.partners}
    partner = used.get(" ".join(name.split()).lower())
    if partner is None:
        return unknown_partner(state, name)
    picked = by_due([a for a in states if partner in a.action.partners])
    return f"Actions involving {partner}", picked, f"No action here involves {partner}."


def query_list(session: Session, state: PlanState, q: StatusQuery, actor: Actor) -> ActionListView | NoticeView:
    """The list queries (overdue, by RAG, due soon, mine, a role's, a partner's), optionally for one priority,
    20 to a page."""
    states = state.actions
    scope = ""
    if q.priority is not None:
        p = state.priority(q.priority)
        if p is None:
            return unknown_priority(state, q.priority)
        states, scope = p.actions, f" in priority {q.priority}"
    chosen = _choose(session, state, states, q, actor)
    if isinstance(chosen, NoticeView):
        return chosen
    title, picked, empty = chosen
    return list_view(
        f"{title}{scope} ({len(picked)})",
        picked,
        "",
        empty,
        20,
        page=q.page,
        next_command=q.command(page=q.page + 1),
    )


def _choose(
    session: Session, state: PlanState, states: list[ActionState], q: StatusQuery, actor: Actor
) -> tuple[str, list[ActionState], str] | NoticeView:
    if q.what == "overdue":
        return "Overdue actions", overdue(states), "Nothing is overdue."
    if q.what == "red_amber":
        return "Red and amber actions", reds_and_ambers(states), "No reds or ambers."
    if q.what in ("red", "amber", "green", "completed", NOT_RATED):
        label = {"not_rated": "Not yet rated"}.get(q.what, q.what.title())
        return f"{label} actions", [a for a in states if a.rag == q.what], f"No {label.lower()} actions."
    if q.what == "due":
        return (
            f"Due in the next {q.days} days",
            due_within(states, state.today, q.days),
            f"Nothing due in the next {q.days} days.",
        )
    if q.what == "mine":
        if actor.person is None:
            return NoticeView(
                "I don't know who you are yet, so I can't list your actions. Ask the SIT to add "
                "you to the people directory.",
                "warning",
            )
        mine = lead_roles_of(actor.person, session)
        roles = ", ".join(sorted(mine)) or "no role"
        picked = by_due([a for a in states if set(a.action.leads) & mine and a.is_open])
        return f"Your open actions as {roles}", picked, "You lead no open actions."
    if q.what == "escalated":
        if actor.person is None:
            return NoticeView("I don't know who you are yet, so I can't tell what was escalated to you.", "warning")
        ids = repo.open_escalated_action_ids(session, actor.person.key)
        picked = worst_first([a for a in states if a.action.id in ids])
        return "Escalated to you, still open, worst first", picked, "Nothing escalated to you is still open."
    if q.what == "lead":
        used = {lead.lower(): lead for a in state.actions for lead in a.action.leads}
        role = used.get(q.arg.lower())
        if role is None:
            return unknown_role(session, state, q.arg)
        return f"Actions led by {role}", by_due([a for a in states if role in a.action.leads]), "None."
    if q.what == "partner":
        return _partner_actions(state, states, q.arg)
    raise ValueError(f"not a list query: {q.what}")
