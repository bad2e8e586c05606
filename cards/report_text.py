"""The highlight report as plain text: `actionbot report` in a terminal, and the terminal
channel's rendering of the SIT digest and of `report` / `report p4` asked in chat."""

from __future__ import annotations

from bot.report_model import HighlightReport, PriorityReport
from bot.typed_command import typed
from bot.views import PriorityReportView, ReportDigestView
from cards import report_format as w
from cards.format import rag_tag, shorten
from cards.text import render


def render_report(report: HighlightReport) -> str:
    out = [report.title, w.subtitle(report), w.standing(report)]
    if report.sample:
        out.append(w.SAMPLE_BANNER)
    out += [
        "",
        f"Whole plan ({report.total_actions} actions)",
        "  " + w.counts_line(report.counts, report.change),
        "  " + w.figures_line(report.figures()),
        "",
        f"  {'':4}{'priority':<44}{'R':>4}{'A':>4}{'G':>4}{'N':>4}{'C':>4}  overdue  no update",
    ]
    for p in report.priorities:
        c, f = p.counts, p.figures()
        out.append(
            f"  P{p.number:<3}{shorten(p.title, 42):<44}{c.red:>4}{c.amber:>4}{c.green:>4}{c.not_rated:>4}"
            f"{c.completed:>4}  {f['overdue']:>7}  {f['no_update']:>9}"
        )
    for p in report.priorities:
        out += ["", *priority_lines(p)]
    if report.appendix_indicators:
        out += ["", "Appendix 1 performance measures"]
        out += [f"  {w.indicator_line(i)}" for i in report.appendix_indicators]
    return "\n".join(out)


def priority_lines(p: PriorityReport, limit: int | None = None) -> list[str]:
    """A priority's detail; `limit` cuts each list (chat), None shows everything (terminal)."""
    out = [
        w.priority_heading(p),
        f"Lead officer: {p.lead_officer or '—'}",
        "  " + w.counts_line(p.counts, p.change),
    ]
    for section in w.ACTION_SECTIONS:
        items = getattr(p, section.key)
        out.append(f"  {section.title} ({len(items)})")
        if not items:
            out.append(f"    {section.empty}")
        shown = items if limit is None else items[:limit]
        for a in shown:
            out.append(f"    {a.ref}  {rag_tag(a.rag)}  {w.action_detail(section.key, a)}")
        if len(items) > len(shown):
            out.append(f"    … and {len(items) - len(shown)} more: `{typed(f'status priority {p.number}')}`")
    out.append(f"  Escalations raised ({len(p.escalations)}, open {len(p.open_escalations)})")
    out += [f"    {w.escalation_line(e)}" for e in p.escalations] or ["    None raised in the period."]
    out.append(f"  Indicators ({len(p.indicators)}, {len(p.missing_indicators)} missing a reading)")
    out += [f"    {w.indicator_line(i)}" for i in p.indicators] or ["    No measures for this priority."]
    out.append(f"  {w.log_heading(p)}")
    out += [f"    {w.log_line(x)}" for x in p.log] or [f"    {w.LOG_EMPTY}"]
    return out


@render.register
def _(view: ReportDigestView) -> str:
    report: HighlightReport = view.report  # type: ignore[assignment]
    return render_report(report)


CHAT_ITEMS = 8  # a priority asked for in chat: each list cut here, with the command for the rest


@render.register
def _(view: PriorityReportView) -> str:
    report: HighlightReport = view.report  # type: ignore[assignment]
    p = report.priority(view.number)
    if p is None:  # the core checks the number first; a stale view still says something true
        return f"{report.title}: there is no priority {view.number}."
    return "\n".join([f"{report.title}: priority {p.number}", w.standing(report), "", *priority_lines(p, CHAT_ITEMS)])
