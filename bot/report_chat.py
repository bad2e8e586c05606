"""`report` and `report p4` in chat: the highlight report so far this month, in any channel.

The figures come from `bot.report.build_report`, the one model behind `actionbot report` and
the SIT digest, so a priority lead who asks before the board meeting sees the numbers the board
will. The whole plan's report is a `ReportDigestView` (each channel already renders it: Teams
with its chart inside the card); one priority's is a `PriorityReportView`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import status
from bot.parsing import ReportQuery, parse_report
from bot.periods import Period
from bot.plan_state import PlanState
from bot.report import build_report
from bot.requests import Reply
from bot.typed_command import typed
from bot.views import NoticeView, PriorityReportView, ReportDigestView, TrendView
from storage.models import Plan

if TYPE_CHECKING:
    from bot.conversation import Turn


def command(turn: Turn, text: str) -> Reply | None:
    """The report of the month so far (as `actionbot report` with no month), or None when the
    text is not a report request."""
    query = parse_report(text)
    if query is None:
        return None
    if not isinstance(query, ReportQuery):
        example = typed("report p4")
        return Reply([NoticeView(f"I don't know priority {query!r}: use a number, e.g. `{example}`.", "warning")])
    state = turn.state
    if query.priority is not None and state.priority(query.priority) is None:
        return Reply([status.unknown_priority(state, query.priority)])
    plan = turn.session.get(Plan, state.plan.id)  # the cached state's plan may belong to an older session
    if plan is None:  # cannot happen: the state was read from this plan in this transaction
        return Reply([NoticeView("The plan could not be read; try again.", "error")])
    today = turn.now.astimezone(ZoneInfo(plan.timezone or "Europe/London")).date()
    report = build_report(turn.session, plan, Period.containing(today), as_of=turn.now)
    view = ReportDigestView(report) if query.priority is None else PriorityReportView(report, query.priority)
    return Reply([view], private=not query.share)


def trend_view(session: Session, state: PlanState, now: datetime) -> TrendView:
    """`status trend`: the plan's RAG counts at the end of each month of its history (this month:
    today), from the same model as the report's trend chart, which a channel that shows images
    draws from `report`."""
    plan = session.get(Plan, state.plan.id)  # the cached state's plan may belong to an older session
    if plan is None:
        return TrendView(state.plan.title, ())
    today = now.astimezone(ZoneInfo(plan.timezone or "Europe/London")).date()
    report = build_report(session, plan, Period.containing(today), as_of=now)
    return TrendView(plan.title, tuple((t.label, t.counts) for t in report.trend), report)
