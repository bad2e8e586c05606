"""The highlight report as plain values: what every surface (Slack, Teams, terminal, md, html,
xlsx, csv, pdf, the charts) shows, computed once by `bot.report.build_report`.

No renderer computes a figure: each reads the counts and lists here, so the board pack, the
SIT digest and the charts cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.periods import Period
from bot.views import LogLine, RagCountsView
from domain.vocabulary import RAG_ORDER

FIGURES: tuple[tuple[str, str], ...] = (
    ("completed_in_period", "Completed in the period"),
    ("completed_verified", "Completed and signed off"),
    ("awaiting_signoff", "Completed (awaiting sign-off)"),
    ("overdue", "Overdue"),
    ("no_update", "No update this round"),
    ("pending_dates", "Proposed dates awaiting approval"),
    ("due_soon", "Deadlines in the next 30 days"),
    ("escalations_raised", "Escalations raised"),
    ("escalations_open", "Escalations still open"),
    ("indicators_missing", "Indicator readings missing"),
    ("open_risks", "Open risks"),
    ("open_issues", "Open issues"),
)


def counts_dict(c: RagCountsView) -> dict[str, int]:
    return {rag: getattr(c, rag) for rag in RAG_ORDER}


def change(now: RagCountsView, before: RagCountsView) -> dict[str, int]:
    """RAG count differences since the previous period, by status (positive = more now)."""
    a, b = counts_dict(now), counts_dict(before)
    return {rag: a[rag] - b[rag] for rag in RAG_ORDER}


@dataclass(frozen=True)
class ReportAction:
    """One action as the report shows it, with everything any section needs."""

    ref: str
    text: str
    priority: int
    rag: str
    previous_rag: str
    leads: tuple[str, ...]
    due: date | None
    timescale: str
    overdue_days: int
    days_to_due: int | None
    note: str = ""
    note_author: str = ""
    note_on: date | None = None
    last_update_on: date | None = None
    updated_in_period: bool = False  # a new update in the period (a "no change" is not one)
    confirmed_on: date | None = None  # re-confirmed unchanged with "no change" in the period, not updated
    proposed_due: date | None = None
    proposed_by: str = ""
    proposed_on: date | None = None


@dataclass(frozen=True)
class EscalationLine:
    ref: str
    text: str
    to: str  # the manager's name
    reason: str
    raised_on: date
    state: str  # open | resolved
    resolved_on: date | None = None


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    title: str
    priority: int | None
    unit: str
    higher_is_better: bool | None
    baseline: str
    target_label: str
    target: str
    latest_value: str = ""
    latest_period: date | None = None
    direction: str = ""  # better | on target | worse | "" (cannot be compared)
    missing: bool = True  # no reading for the report's period
    owner: str = ""


@dataclass(frozen=True)
class PriorityReport:
    number: int
    title: str
    lead_officer: str
    counts: RagCountsView
    previous_counts: RagCountsView
    actions: tuple[ReportAction, ...]  # every action of the priority, in plan order
    completed: tuple[ReportAction, ...]
    overdue: tuple[ReportAction, ...]
    reds_ambers: tuple[ReportAction, ...]
    no_update: tuple[ReportAction, ...]
    pending_dates: tuple[ReportAction, ...]
    due_soon: tuple[ReportAction, ...]
    escalations: tuple[EscalationLine, ...]
    indicators: tuple[IndicatorLine, ...]
    awaiting_signoff: tuple[ReportAction, ...] = ()  # completion claims the SIT has not signed off
    confirmed: tuple[ReportAction, ...] = ()  # "confirmed, unchanged" this round (`no change`), not updated
    log: tuple[LogLine, ...] = ()  # the risks and issues log: open at the period's end, or closed in it

    @property
    def risks(self) -> tuple[LogLine, ...]:
        return tuple(x for x in self.log if x.kind == "risk")

    @property
    def issues(self) -> tuple[LogLine, ...]:
        return tuple(x for x in self.log if x.kind == "issue")

    @property
    def change(self) -> dict[str, int]:
        return change(self.counts, self.previous_counts)

    @property
    def missing_indicators(self) -> tuple[IndicatorLine, ...]:
        return tuple(i for i in self.indicators if i.missing)

    @property
    def open_escalations(self) -> tuple[EscalationLine, ...]:
        return tuple(e for e in self.escalations if e.state == "open")

    def figures(self) -> dict[str, int]:
        """The headline numbers of this priority, by the keys of `FIGURES`."""
        return {
            "completed_in_period": len(self.completed),
            # claimed vs verified: both are inside the Completed count, so RAG counts still sum
            # to the number of actions; a plan's own completed actions count as verified
            "completed_verified": self.counts.completed - len(self.awaiting_signoff),
            "awaiting_signoff": len(self.awaiting_signoff),
            "overdue": len(self.overdue),
            "no_update": len(self.no_update),
            "pending_dates": len(self.pending_dates),
            "due_soon": len(self.due_soon),
            "escalations_raised": len(self.escalations),
            "escalations_open": len(self.open_escalations),
            "indicators_missing": len(self.missing_indicators),
            "open_risks": sum(1 for x in self.risks if x.status == "open"),
            "open_issues": sum(1 for x in self.issues if x.status == "open"),
        }


@dataclass(frozen=True)
class TrendPoint:
    month: Period
    as_of: date
    counts: RagCountsView

    @property
    def label(self) -> str:
        return f"{self.month.start:%b %y}"


@dataclass(frozen=True)
class HighlightReport:
    plan_key: str
    plan_title: str
    organisation: str
    board: str
    period: Period
    previous: Period
    as_of: date  # the day the figures stand at (the period's last day, or earlier if still running)
    counts: RagCountsView
    previous_counts: RagCountsView
    priorities: tuple[PriorityReport, ...]
    appendix_indicators: tuple[IndicatorLine, ...]  # Appendix 1: not tied to one priority
    trend: tuple[TrendPoint, ...]
    sample: bool = False  # built from the labelled sample history (`actionbot demo-data`)
    horizon_days: int = 30
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return f"Highlight report — {self.period.label}"

    @property
    def change(self) -> dict[str, int]:
        return change(self.counts, self.previous_counts)

    @property
    def total_actions(self) -> int:
        return self.counts.total

    @property
    def indicators(self) -> tuple[IndicatorLine, ...]:
        return tuple(i for p in self.priorities for i in p.indicators) + self.appendix_indicators

    @property
    def missing_appendix(self) -> tuple[IndicatorLine, ...]:
        return tuple(i for i in self.appendix_indicators if i.missing)

    def figures(self) -> dict[str, int]:
        """Whole-plan figures: the sum of the priorities' (Appendix 1 readings added to missing)."""
        total = {key: 0 for key, _ in FIGURES}
        for p in self.priorities:
            for key, value in p.figures().items():
                total[key] += value
        total["indicators_missing"] += len(self.missing_appendix)
        return total

    def priority(self, number: int) -> PriorityReport | None:
        return next((p for p in self.priorities if p.number == number), None)
