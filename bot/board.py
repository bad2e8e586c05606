"""The board's web view as plain values: what `/board/<plan>` shows, built in the core.

The Improvement Board reads the plan without chat. Its page shows the plan as it stands now,
from the same sources as everything else: the RAG counts, figures and indicators are the
highlight report of the month so far (`bot.report.build_report`, the model behind the exports
and the SIT digest, so the board and the board paper cannot disagree), and the action tables are
the same `PlanState` the report was built from, at the same instant. The filters are the list
rules `/status` uses (`plan_state.overdue`, `reds_and_ambers`, a lead role, a partner agency),
checked here: a filter the plan does not know is a listed problem, never an exception.

The risks and issues log is the report's too (`PriorityReport.log`, as the highlight report, the
exports and the digest show it): `priority_logs` only sorts each priority's lines into open risks,
open issues and those closed in the report's period, so a closed line is never listed as open and
the open counts are the report's "Open risks" and "Open issues" figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.periods import Period, parse_month
from bot.plan_state import ActionState, PlanState, load_state, overdue, reds_and_ambers
from bot.report import build_report
from bot.report_model import HighlightReport
from bot.status import counts_view
from bot.views import LogLine, RagCountsView
from domain.ofsted_refs import parse_ofsted_refs
from storage import repo
from storage.db import utc_aware
from storage.models import Plan

SHOW_CHOICES: dict[str, str] = {
    "all": "All actions",
    "overdue": "Overdue",
    "red_amber": "Red and amber",
}
MAX_MONTHS = 24  # the highlight reports listed on the board: the latest two years of the plan
MAX_FILTER_CHARS = 120


@dataclass(frozen=True)
class BoardFilters:
    """What the board's GET form asks for; empty strings mean "any"."""

    show: str = "all"
    lead: str = ""
    partner: str = ""

    @property
    def active(self) -> bool:
        return self.show != "all" or bool(self.lead or self.partner)

    def describe(self) -> str:
        parts = [] if self.show == "all" else [SHOW_CHOICES[self.show].lower()]
        if self.lead:
            parts.append(f"led by {self.lead}")
        if self.partner:
            parts.append(f"involving {self.partner}")
        return ", ".join(parts) or "all actions"


@dataclass(frozen=True)
class BoardAction:
    ref: str
    text: str
    finding_ref: str
    ofsted_refs: str
    leads: tuple[str, ...]
    partners: tuple[str, ...]
    due: date | None
    overdue_days: int
    rag: str
    awaiting_signoff: bool
    last_update_on: date | None
    last_update_by: str
    last_note: str


@dataclass(frozen=True)
class BoardPriority:
    number: int
    title: str
    lead_officer: str
    counts: RagCountsView  # every action of the priority, whatever the filters
    actions: tuple[BoardAction, ...]  # those the filters keep, in plan order (overdue: most overdue first)


@dataclass(frozen=True)
class RecommendationGroup:
    """One Ofsted recommendation and the findings (with their actions' RAG) that answer it."""

    number: int | None  # None: findings that name paragraphs only
    findings: tuple[RecommendationFinding, ...]
    counts: RagCountsView


@dataclass(frozen=True)
class RecommendationFinding:
    ref: str
    priority: int
    text: str
    ofsted_refs: str
    paragraphs: tuple[str, ...]
    counts: RagCountsView
    action_refs: tuple[str, ...]


@dataclass(frozen=True)
class PriorityLog:
    """One priority's risks and issues as a highlight report has them (`PriorityReport.log`)."""

    number: int
    title: str
    risks: tuple[LogLine, ...]  # open at the report's instant
    issues: tuple[LogLine, ...]  # open at the report's instant
    closed: tuple[LogLine, ...]  # closed in the report's period (with the reason), never listed as open

    @property
    def empty(self) -> bool:
        return not (self.risks or self.issues or self.closed)


def priority_logs(report: HighlightReport) -> tuple[PriorityLog, ...]:
    """Each priority's log from the report model, split for the board's tables; nothing re-read."""
    return tuple(
        PriorityLog(
            number=p.number,
            title=p.title,
            risks=tuple(x for x in p.risks if x.status == "open"),
            issues=tuple(x for x in p.issues if x.status == "open"),
            closed=tuple(x for x in p.log if x.status != "open"),
        )
        for p in report.priorities
    )


@dataclass(frozen=True)
class PlanLink:
    key: str
    title: str


@dataclass(frozen=True)
class BoardPage:
    plan_key: str
    plan_title: str
    organisation: str
    board: str
    today: date
    as_of: datetime
    report: HighlightReport  # the month so far: counts, figures, indicators, chart
    priorities: tuple[BoardPriority, ...]
    filters: BoardFilters
    problems: tuple[str, ...]
    leads: tuple[str, ...]  # the choices of the lead filter
    partners: tuple[str, ...]
    months: tuple[Period, ...]  # highlight reports to read, newest first
    plans: tuple[PlanLink, ...]  # the live plans the viewer may open
    shown: int  # actions the filters keep
    log: tuple[PriorityLog, ...] = ()  # the risks and issues log of `report`, priority by priority

    @property
    def total_actions(self) -> int:
        return sum(p.counts.total for p in self.priorities)

    def log_of(self, number: int) -> PriorityLog | None:
        return next((x for x in self.log if x.number == number), None)


def read_filters(state: PlanState, query: Mapping[str, str]) -> tuple[BoardFilters, tuple[str, ...]]:
    """The filters from a query string, each checked against the plan: an unknown value is
    dropped with a problem the page lists (and the answer is a 400), never trusted."""
    problems: list[str] = []
    show = (query.get("show") or "all").strip()
    if show not in SHOW_CHOICES:
        problems.append(f"'{show[:MAX_FILTER_CHARS]}' is not a choice of what to show; showing all actions.")
        show = "all"
    lead = _pick(query.get("lead", ""), lead_choices(state), "lead role", problems)
    partner = _pick(query.get("partner", ""), partner_choices(state), "partner", problems)
    return BoardFilters(show, lead, partner), tuple(problems)


def _pick(raw: str, choices: tuple[str, ...], what: str, problems: list[str]) -> str:
    value = " ".join(raw.split())
    if not value:
        return ""
    known = {c.lower(): c for c in choices}
    found = known.get(value.lower())
    if found is None:
        problems.append(f"The plan has no {what} '{value[:MAX_FILTER_CHARS]}'; that filter was left out.")
        return ""
    return found


def lead_choices(state: PlanState) -> tuple[str, ...]:
    return tuple(sorted({lead for a in state.actions for lead in a.action.leads}, key=str.lower))


def partner_choices(state: PlanState) -> tuple[str, ...]:
    return tuple(sorted({p for a in state.actions for p in a.action.partners}, key=str.lower))


def select_actions(states: list[ActionState], filters: BoardFilters) -> list[ActionState]:
    """The list rules of `/status` (overdue, red and amber), then the lead and partner filters."""
    if filters.show == "overdue":
        picked = overdue(states)
    elif filters.show == "red_amber":
        picked = reds_and_ambers(states)
    else:
        picked = list(states)
    if filters.lead:
        picked = [a for a in picked if filters.lead in a.action.leads]
    if filters.partner:
        picked = [a for a in picked if filters.partner in a.action.partners]
    return picked


def board_page(
    session: Session,
    plan: Plan,
    now: datetime,
    query: Mapping[str, str] | None = None,
    *,
    plans: tuple[PlanLink, ...] = (),
) -> BoardPage:
    """The page for one plan as it stands at `now`, with the filters of `query` applied."""
    tz = ZoneInfo(plan.timezone or "Europe/London")
    today = now.astimezone(tz).date()
    state = load_state(session, plan, now)
    report = build_report(session, plan, Period.containing(today), as_of=now)
    filters, problems = read_filters(state, query or {})
    names = {p.key: p.name for p in repo.all_people(session)}
    priorities = []
    for p in state.priorities:
        chosen = select_actions(p.actions, filters)
        priorities.append(
            BoardPriority(
                number=p.priority.number,
                title=p.priority.title,
                lead_officer=p.priority.lead_officer,
                counts=counts_view(p.actions),
                actions=tuple(_action(a, state, tz, names) for a in chosen),
            )
        )
    return BoardPage(
        plan_key=plan.key,
        plan_title=plan.title,
        organisation=plan.organisation,
        board=plan.governance_board,
        today=today,
        as_of=now,
        report=report,
        priorities=tuple(priorities),
        filters=filters,
        problems=problems,
        leads=lead_choices(state),
        partners=partner_choices(state),
        months=report_months(plan, today),
        plans=plans,
        shown=sum(len(p.actions) for p in priorities),
        log=priority_logs(report),
    )


def _action(a: ActionState, state: PlanState, tz: ZoneInfo, names: dict[str, str]) -> BoardAction:
    finding = state.findings.get(a.action.finding_id)
    latest = a.latest
    return BoardAction(
        ref=a.ref,
        text=a.action.text,
        finding_ref=finding.ref if finding else "",
        ofsted_refs=finding.ofsted_refs if finding else "",
        leads=tuple(a.action.leads),
        partners=tuple(a.action.partners),
        due=a.due,
        overdue_days=a.overdue_days,
        rag=a.rag,
        awaiting_signoff=a.awaiting_signoff,
        last_update_on=utc_aware(latest.at).astimezone(tz).date() if latest else None,
        last_update_by=(names.get(latest.author_key or "", latest.author_name) if latest else ""),
        last_note=a.latest_note,
    )


def recommendations(session: Session, plan: Plan, now: datetime) -> tuple[RecommendationGroup, ...]:
    """The plan by Ofsted recommendation: each recommendation, the findings that name it (a
    finding naming two appears under both), and the RAG of their actions now. Findings that
    name paragraphs only come last, under no number."""
    state = load_state(session, plan, now)
    by_finding: dict[int, list[ActionState]] = {}
    for a in state.actions:
        by_finding.setdefault(a.action.finding_id, []).append(a)
    groups: dict[int | None, list[tuple[RecommendationFinding, list[ActionState]]]] = {}
    for finding in sorted(state.findings.values(), key=lambda f: f.position):
        refs = parse_ofsted_refs(finding.ofsted_refs)
        actions = by_finding.get(finding.id or 0, [])
        priority = actions[0].action.priority_number if actions else 0
        line = RecommendationFinding(
            ref=finding.ref,
            priority=priority,
            text=finding.text,
            ofsted_refs=finding.ofsted_refs,
            paragraphs=refs.paragraphs,
            counts=counts_view(actions),
            action_refs=tuple(a.ref for a in actions),
        )
        for number in refs.recommendations or (None,):
            groups.setdefault(number, []).append((line, actions))
    ordered = sorted(groups, key=lambda n: (n is None, n or 0))
    out = []
    for number in ordered:
        entries = groups[number]
        every = [a for _, actions in entries for a in actions]
        out.append(RecommendationGroup(number, tuple(f for f, _ in entries), counts_view(every)))
    return tuple(out)


def report_months(plan: Plan, today: date) -> tuple[Period, ...]:
    """The months a highlight report can be read for: from the plan's start (or a year before
    today) to the month so far, newest first, at most `MAX_MONTHS`."""
    first = plan.period_start or date(today.year - 1, today.month, 1)
    last = today if plan.period_end is None else min(today, plan.period_end)
    if last < first:
        return ()
    months: list[Period] = []
    month = Period.containing(last)
    while month.end >= first and len(months) < MAX_MONTHS:
        months.append(month)
        month = month.previous()
    return tuple(months)


def report_month(plan: Plan, today: date, text: str) -> Period | None:
    """The month a `/board/<plan>/reports/<YYYY-MM>` path names, if the board lists it."""
    first = parse_month(text) if len(text) <= 20 else None
    if first is None:
        return None
    wanted = Period.containing(first)
    return wanted if wanted in report_months(plan, today) else None
