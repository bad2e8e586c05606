"""The monthly highlight report: built once from the audit trail, shown everywhere.

`build_report(session, plan, period)` reads the plan's state at the end of the period (and of
the period before it) with `bot.plan_state.load_state`, the same loader `/status` uses, and the
same selection rules (`overdue`, `reds_and_ambers`, `due_within`, `rag_counts`), so a figure in
the digest is the figure `/status` gives for that day. Any past month is reproduced exactly
as it stood: RAG is the latest update at that instant, deadlines are those in force then.

Indicator readings belong to a month whenever they were typed (a month's figures arrive after
it ends), so a late reading for September appears in September's report once recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import indicators as kpi
from bot.periods import Period
from bot.plan_state import ActionState, PlanState, awaiting_signoff, due_within, load_state, overdue, reds_and_ambers
from bot.report_model import (
    EscalationLine,
    HighlightReport,
    IndicatorLine,
    PriorityReport,
    ReportAction,
    TrendPoint,
)
from bot.risk_log import line_of
from bot.status import counts_view
from bot.views import LogLine, ReportDigestView
from storage import indicator_repo, log_repo, repo
from storage.db import utc_aware
from storage.models import Escalation, Indicator, IndicatorReading, Plan, Priority

TREND_MONTHS = 12
SAMPLE_SUFFIX = "-demo"


def build_report(
    session: Session,
    plan: Plan,
    period: Period | str | date,
    *,
    as_of: datetime | None = None,
    horizon_days: int = 30,
) -> HighlightReport:
    """The highlight report for `period` (a `Period`, `"2016-09"`, or a day in the month).

    Figures stand at the period's last instant, or at `as_of` when that is earlier (a report
    of the month so far: the scheduler passes its clock's now).
    """
    period = Period.of(period)
    tz = plan.timezone or "Europe/London"
    cutoff = period.end_at(tz) if as_of is None else min(utc_aware(as_of), period.end_at(tz))
    state = load_state(session, plan, cutoff)
    previous = period.previous()
    before = load_state(session, plan, min(previous.end_at(tz), cutoff))
    window_start = period.start_at(tz)

    names = {p.key: p.name for p in repo.all_people(session)}
    escalations = [
        e
        for e in indicator_repo.escalations_for(session, [a.action.id for a in state.actions], raised_until=cutoff)
        if utc_aware(e.raised_at) >= window_start
    ]
    indicators = indicator_repo.plan_indicators(session, plan.id)
    readings = indicator_repo.readings_for(session, [i.id for i in indicators], period_until=period.end)
    owner_names = _owner_names(session, indicators)
    lines = {
        i.id: _indicator_line(i, readings.get(i.id, []), period, state.today, owner_names[i.id]) for i in indicators
    }

    log = [line_of(e, cutoff) for e in log_repo.as_of(session, plan.id, window_start, cutoff)]
    priorities = []
    for p in state.priorities:
        prev_p = before.priority(p.priority.number)
        prev_actions = prev_p.actions if prev_p else []
        ids = {a.action.id for a in p.actions}
        priorities.append(
            _priority_report(
                state,
                p.priority,
                p.actions,
                prev_actions,
                window_start,
                horizon_days,
                escalations=[e for e in escalations if e.action_id in ids],
                names=names,
                indicator_lines=tuple(
                    lines[i.id] for i in indicators if i.priority_number == p.priority.number and not i.appendix_number
                ),
                log=tuple(x for x in log if x.priority == p.priority.number),
            )
        )
    appendix = tuple(lines[i.id] for i in indicators if i.appendix_number or i.priority_number is None)
    return HighlightReport(
        plan_key=plan.key,
        plan_title=plan.title,
        organisation=plan.organisation,
        board=plan.governance_board,
        period=period,
        previous=previous,
        as_of=state.today,
        counts=counts_view(state.actions),
        previous_counts=counts_view(before.actions),
        priorities=tuple(priorities),
        appendix_indicators=appendix,
        trend=_trend(session, plan, period, cutoff, tz),
        sample=plan.key.endswith(SAMPLE_SUFFIX),
        horizon_days=horizon_days,
    )


def digest_views(report: HighlightReport) -> list[ReportDigestView]:
    """What the scheduler posts to the SIT channel(s) when the round closes: one digest view,
    which each channel renders its own way (Slack: headline + thread per priority + chart
    upload; Teams: an Adaptive Card with the chart; terminal: text)."""
    return [ReportDigestView(report)]


def _priority_report(
    state: PlanState,
    priority: Priority,
    actions: list[ActionState],
    previous: list[ActionState],
    window_start: datetime,
    horizon_days: int,
    *,
    escalations: list[Escalation],
    names: dict[str, str],
    indicator_lines: tuple[IndicatorLine, ...],
    log: tuple[LogLine, ...] = (),
) -> PriorityReport:
    tz = ZoneInfo(state.plan.timezone or "Europe/London")
    previous_rag = {a.ref: a.rag for a in previous}
    rows = {a.ref: _action(a, previous_rag.get(a.ref, "not_rated"), window_start, tz) for a in actions}

    def pick(states: list[ActionState]) -> tuple[ReportAction, ...]:
        return tuple(rows[a.ref] for a in states)

    completed = [a for a in actions if a.rag == "completed" and previous_rag.get(a.ref) != "completed"]
    due_round = [a for a in actions if expects_update(a, state.today) and not rows[a.ref].updated_in_period]
    # "no change" answers the round without a new update: shown apart, never counted as updated
    confirmed = [a for a in actions if a.is_open and rows[a.ref].confirmed_on and not rows[a.ref].updated_in_period]
    due_round = [a for a in due_round if rows[a.ref].confirmed_on is None]
    pending = [a for a in actions if a.pending_due is not None]
    by_action = {a.action.id: a for a in actions}
    return PriorityReport(
        number=priority.number,
        title=priority.title,
        lead_officer=priority.lead_officer,
        counts=counts_view(actions),
        previous_counts=counts_view(previous),
        actions=pick(actions),
        completed=pick(completed),
        overdue=pick(overdue(actions)),
        reds_ambers=pick(reds_and_ambers(actions)),
        no_update=pick(due_round),
        confirmed=pick(confirmed),
        pending_dates=pick(pending),
        due_soon=pick(due_within(actions, state.today, horizon_days)),
        escalations=tuple(_escalation(e, by_action[e.action_id], names, state.as_of, tz) for e in escalations),
        indicators=indicator_lines,
        awaiting_signoff=pick(awaiting_signoff(actions)),
        log=log,
    )


def expects_update(a: ActionState, today: date) -> bool:
    """In this round's ask: open, and started (an action starting next year is not chased yet)."""
    return a.is_open and (a.action.start is None or a.action.start <= today)


def _action(a: ActionState, previous_rag: str, window_start: datetime, tz: ZoneInfo) -> ReportAction:
    noted = a.latest_noted
    latest = a.latest
    return ReportAction(
        ref=a.ref,
        text=a.action.text,
        priority=a.action.priority_number,
        rag=a.rag,
        previous_rag=previous_rag,
        leads=tuple(a.action.leads),
        due=a.due,
        timescale=a.action.timescale,
        overdue_days=a.overdue_days,
        days_to_due=a.days_to_due if a.is_open else None,
        note=noted.note if noted else "",
        note_author=(noted.author_name or noted.author_key or "") if noted else "",
        note_on=_local_day(noted.at, tz) if noted else None,
        last_update_on=_local_day(latest.at, tz) if latest else None,
        updated_in_period=any(utc_aware(u.at) >= window_start for u in a.updates),
        confirmed_on=_local_day(a.confirmed_at, tz)
        if a.confirmed_at is not None and a.confirmed_at >= window_start
        else None,
        proposed_due=a.pending_due,
        proposed_by=(a.pending_update.author_name or a.pending_update.author_key or "") if a.pending_update else "",
        proposed_on=_local_day(a.pending_update.at, tz) if a.pending_update else None,
    )


def _escalation(e: Escalation, a: ActionState, names: dict[str, str], cutoff: datetime, tz: ZoneInfo) -> EscalationLine:
    resolved = e.resolved_at is not None and utc_aware(e.resolved_at) <= cutoff
    return EscalationLine(
        ref=a.ref,
        text=a.action.text,
        to=names.get(e.to_person_key, e.to_person_key),
        reason=e.reason,
        raised_on=_local_day(e.raised_at, tz),
        state="resolved" if resolved else "open",
        resolved_on=_local_day(e.resolved_at, tz) if resolved and e.resolved_at else None,
    )


def _indicator_line(
    ind: Indicator, readings: list[IndicatorReading], period: Period, today: date, owner: str
) -> IndicatorLine:
    target = kpi.target_for(ind, period.end)
    latest = kpi.latest_reading(readings, period.end)
    return IndicatorLine(
        code=ind.code,
        title=ind.title,
        priority=ind.priority_number,
        unit=ind.unit,
        higher_is_better=ind.higher_is_better,
        baseline=ind.baseline or "",
        target_label=target.label,
        target=target.text,
        latest_value=latest.value if latest else "",
        latest_period=latest.period if latest else None,
        direction=kpi.direction(latest.numeric if latest else None, target, ind.higher_is_better),
        missing=kpi.reading_in(readings, period) is None,
        owner=owner,
    )


def _owner_names(session: Session, indicators: list[Indicator]) -> dict[int, str]:
    cache: dict[str | None, str] = {}
    out = {}
    for ind in indicators:
        if ind.owner_role not in cache:
            people = kpi.owners(session, ind)
            role = ind.owner_role or "performance officer"
            cache[ind.owner_role] = f"{role}: {', '.join(p.name for p in people)}" if people else role
        out[ind.id] = cache[ind.owner_role]
    return out


def _trend(session: Session, plan: Plan, period: Period, cutoff: datetime, tz: str) -> tuple[TrendPoint, ...]:
    """Whole-plan RAG counts at each month end, from the plan's start (at most 12 months back)."""
    last = Period.containing(period.end)
    first = Period.containing(plan.period_start) if plan.period_start else last
    months = Period(first.start, last.end).months()[-TREND_MONTHS:]
    points = []
    for month in months:
        at = min(month.end_at(tz), cutoff)
        if at < month.start_at(tz):
            break
        s = load_state(session, plan, at)
        points.append(TrendPoint(month=month, as_of=s.today, counts=counts_view(s.actions)))
    return tuple(points)


def _local_day(at: datetime, tz: ZoneInfo) -> date:
    return utc_aware(at).astimezone(tz).date()
