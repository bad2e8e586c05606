"""Plain-text renderings of the governance views: the risks and issues log, the proposed dates
awaiting the SIT, and the plan's RAG trend (terminal, Teams fallback text, Slack fallback)."""

from __future__ import annotations

from bot.typed_command import typed
from bot.views import LogLine, LogView, ProposalsView, TrendView
from cards.format import fmt_date, shorten
from cards.text import render


def log_line(line: LogLine) -> str:
    return f"  {line.ref}  P{line.priority}  {shorten(line.title, 100)}\n      {line.details()}"


@render.register
def _(view: LogView) -> str:
    if not view.lines:
        return f"{view.title}\n  {view.empty_text}"
    return "\n".join([view.title, *(log_line(x) for x in view.lines), *([view.hint] if view.hint else [])])


def proposal_text(view: ProposalsView) -> list[str]:
    out = []
    for p in view.lines:
        note = f" — “{shorten(p.note, 120)}”" if p.note else ""
        out.append(
            f"  {p.ref}  {p.proposed_by} proposes {fmt_date(p.proposed_due)} (due {fmt_date(p.due)}){note}\n"
            f"      {shorten(p.text, 100)}"
        )
    return out


@render.register
def _(view: ProposalsView) -> str:
    if not view.lines:
        return "No proposed dates are awaiting a decision."
    how = f"`{typed('status approve 4.2.1')}` or `{typed('status reject 4.2.1 - reason')}`"
    return "\n".join([f"Proposed dates awaiting a decision ({len(view.lines)})", *proposal_text(view), how])


def trend_rows(view: TrendView) -> list[str]:
    rows = [f"  {'month':<8} {'red':>4} {'amber':>6} {'green':>6} {'not rated':>10} {'completed':>10}"]
    for label, c in view.points:
        rows.append(f"  {label:<8} {c.red:>4} {c.amber:>6} {c.green:>6} {c.not_rated:>10} {c.completed:>10}")
    return rows


@render.register
def _(view: TrendView) -> str:
    if not view.points:
        return f"{view.plan_title}: no months to show yet."
    return "\n".join([f"RAG trend, month by month — {view.plan_title}", *trend_rows(view)])
