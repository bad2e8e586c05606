"""Wording shared by every rendering of the highlight report (text, Slack, Teams, md, html,
xlsx, csv, pdf): section names, how a change or an indicator is said. Only words live here;
every number comes from the report model."""

from __future__ import annotations

from dataclasses import dataclass

from bot.indicators import DIRECTION_WORDS
from bot.report_model import EscalationLine, HighlightReport, IndicatorLine, PriorityReport, ReportAction
from bot.views import LogLine, RagCountsView
from cards.format import RAG_LETTERS, fmt_date, shorten
from domain.vocabulary import RAG_LABELS, RAG_ORDER

SAMPLE_BANNER = "SAMPLE DATA — fictional updates loaded with `actionbot demo-data`; not a real council's report."


@dataclass(frozen=True)
class Section:
    key: str  # attribute of PriorityReport
    title: str
    empty: str


ACTION_SECTIONS: tuple[Section, ...] = (
    Section("completed", "Completed in the period", "None completed in the period."),
    Section("overdue", "Overdue", "Nothing overdue."),
    Section("reds_ambers", "Red and amber", "No reds or ambers."),
    Section("no_update", "No update this round", "Every open action was updated."),
    Section("confirmed", "Confirmed, unchanged", "None confirmed unchanged with `no change`."),
    Section("pending_dates", "Proposed new dates awaiting approval", "No proposed dates awaiting approval."),
    Section("due_soon", "Deadlines in the next 30 days", "No deadlines in the next 30 days."),
)


def signed(n: int) -> str:
    """A change, signed, with a true minus sign: +2, −1, ±0."""
    if n > 0:
        return f"+{n}"
    if n < 0:
        return f"−{-n}"
    return "±0"


def rag_text(rag: str) -> str:
    """`R · Red`: the letter and the word, for surfaces that may be printed in black and white."""
    return f"{RAG_LETTERS[rag]} · {RAG_LABELS[rag]}" if rag in RAG_LETTERS else rag


def letters(counts: RagCountsView) -> str:
    """`R3 A5 G20 N2 C7`: the counts where there is room for one short line only."""
    return " ".join(f"{RAG_LETTERS[r]}{getattr(counts, r)}" for r in RAG_ORDER)


def counts_line(counts: RagCountsView, change: dict[str, int] | None = None) -> str:
    parts = []
    for rag in RAG_ORDER:
        value = getattr(counts, rag)
        delta = f" ({signed(change[rag])})" if change is not None else ""
        parts.append(f"{RAG_LABELS[rag]} {value}{delta}")
    return " · ".join(parts)


def figures_line(figures: dict[str, int]) -> str:
    return (
        f"Completed in the period {figures['completed_in_period']} · Completed and signed off "
        f"{figures['completed_verified']} · Completed (awaiting sign-off) {figures['awaiting_signoff']} · "
        f"Overdue {figures['overdue']} · "
        f"No update this round {figures['no_update']} · Proposed dates awaiting approval "
        f"{figures['pending_dates']} · Deadlines in the next 30 days {figures['due_soon']} · "
        f"Escalations raised {figures['escalations_raised']} (open {figures['escalations_open']}) · "
        f"Indicator readings missing {figures['indicators_missing']}"
    )


def subtitle(report: HighlightReport) -> str:
    org = f" ({report.organisation})" if report.organisation else ""
    return f"{report.plan_title}{org}"


def standing(report: HighlightReport) -> str:
    board = f"For the {report.board}. " if report.board else ""
    return f"{board}Figures as at {fmt_date(report.as_of)}; changes since the end of {report.previous.label}."


def leads(a: ReportAction) -> str:
    return " / ".join(a.leads) or "no lead"


def action_detail(section: str, a: ReportAction) -> str:
    """The one line that matters for an action in a given section (no RAG word: callers add it)."""
    if section == "overdue":
        return f"{a.overdue_days} days overdue (due {fmt_date(a.due)}), lead {leads(a)}"
    if section == "reds_ambers":
        if a.note:
            return f"“{shorten(a.note, 160)}” — {a.note_author or 'unknown'}, {fmt_date(a.note_on)}"
        return "no note"
    if section == "no_update":
        last = f"last update {fmt_date(a.last_update_on)}" if a.last_update_on else "never updated"
        return f"lead {leads(a)}; {last}"
    if section == "confirmed":
        last = f"last update {fmt_date(a.last_update_on)}" if a.last_update_on else "never updated"
        return f"confirmed, unchanged on {fmt_date(a.confirmed_on)}; lead {leads(a)}; {last}"
    if section == "pending_dates":
        return (
            f"due {fmt_date(a.due)} → proposed {fmt_date(a.proposed_due)} by {a.proposed_by or 'unknown'}"
            f" on {fmt_date(a.proposed_on)}"
        )
    if section == "due_soon":
        when = {0: "today", 1: "tomorrow"}.get(a.days_to_due or 0, f"in {a.days_to_due} days")
        return f"due {fmt_date(a.due)} ({when}), lead {leads(a)}"
    if section == "completed":
        return f"lead {leads(a)}" + (f"; “{shorten(a.note, 120)}”" if a.note else "")
    return leads(a)


def escalation_state(e: EscalationLine) -> str:
    return f"resolved {fmt_date(e.resolved_on)}" if e.state == "resolved" else "open"


def escalation_line(e: EscalationLine) -> str:
    return f"{e.ref} to {e.to}: {e.reason}, raised {fmt_date(e.raised_on)} — {escalation_state(e)}"


def reading_text(i: IndicatorLine) -> str:
    if not i.latest_value:
        return "no reading yet"
    return f"{i.latest_value} ({i.latest_period:%b %Y})" if i.latest_period else i.latest_value


def direction_text(i: IndicatorLine) -> str:
    if i.direction:
        return DIRECTION_WORDS[i.direction]
    return "no comparable target" if i.latest_value else "—"


def indicator_line(i: IndicatorLine) -> str:
    target = i.target or "none set"
    missing = " · MISSING this period" if i.missing else ""
    return (
        f"{i.code} {shorten(i.title, 90)} — baseline {i.baseline or '—'} · target {i.target_label} {target} · "
        f"latest {reading_text(i)} · {direction_text(i)}{missing}"
    )


INDICATOR_COLUMNS = ("Code", "Measure", "Baseline", "Target", "Latest", "Direction", "This period")


def indicator_cells(i: IndicatorLine) -> list[str]:
    """An indicator as a row of the board's tables (md, html, xlsx, pdf), under INDICATOR_COLUMNS."""
    return [
        i.code,
        i.title,
        i.baseline or "—",
        f"{i.target_label}: {i.target or 'none set'}",
        reading_text(i),
        direction_text(i),
        "missing" if i.missing else "received",
    ]


def missing_codes(lines: tuple[IndicatorLine, ...]) -> str:
    return ", ".join(i.code for i in lines if i.missing)


def priority_heading(p: PriorityReport) -> str:
    return f"Priority {p.number}: {p.title}"


LOG_EMPTY = "No risks or issues logged."


def log_heading(p: PriorityReport) -> str:
    """The title of a priority's risks and issues section, with its open counts."""
    f = p.figures()
    return f"Risks and issues ({f['open_risks']} open risks, {f['open_issues']} open issues)"


def log_line(x: LogLine) -> str:
    """One log line as every report format shows it: `R12 (risk, open) title — details`."""
    return f"{x.ref} ({x.kind}, {x.status}) {x.title} — {x.details()}"
