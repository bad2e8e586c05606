"""The highlight report as Markdown (GitHub-flavoured tables), for wikis and email drafts."""

from __future__ import annotations

from bot.report_model import FIGURES, HighlightReport, IndicatorLine, PriorityReport
from cards import report_format as w
from cards.format import rag_tag
from domain.vocabulary import RAG_LABELS, RAG_ORDER


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def render_markdown(report: HighlightReport, chart_files: dict[str, str] | None = None) -> str:
    """`chart_files` maps a chart title to an image path written beside the .md, if any."""
    out = [f"# {report.title}", "", f"**{w.subtitle(report)}**", "", w.standing(report), ""]
    if report.sample:
        out += [f"> **{w.SAMPLE_BANNER}**", ""]
    out += ["## Whole plan", ""]
    change = report.change
    out += _table(
        ["Status", "Actions", f"Change since {report.previous.label}"],
        [[RAG_LABELS[r], str(getattr(report.counts, r)), w.signed(change[r])] for r in RAG_ORDER]
        + [["Total", str(report.total_actions), ""]],
    )
    out.append("")
    figures = report.figures()
    out += _table(["Figure", "Count"], [[label, str(figures[key])] for key, label in FIGURES])
    out += ["", "### By priority", ""]
    out += _table(
        ["Priority", "Red", "Amber", "Green", "Not yet rated", "Completed", "Overdue", "No update"],
        [
            [
                f"P{p.number} {p.title}",
                *(str(getattr(p.counts, r)) for r in RAG_ORDER),
                str(len(p.overdue)),
                str(len(p.no_update)),
            ]
            for p in report.priorities
        ],
    )
    for title, path in (chart_files or {}).items():
        out += ["", f"![{title}]({path})"]
    for p in report.priorities:
        out += ["", *_priority(p)]
    if report.appendix_indicators:
        out += ["", "## Appendix 1 performance measures", "", *_indicators(report.appendix_indicators)]
    return "\n".join(out) + "\n"


def _priority(p: PriorityReport) -> list[str]:
    out = [f"## {w.priority_heading(p)}", "", f"Lead officer: {p.lead_officer or '—'}", ""]
    out += [w.counts_line(p.counts, p.change), ""]
    for section in w.ACTION_SECTIONS:
        items = getattr(p, section.key)
        out += [f"### {section.title} ({len(items)})", ""]
        if not items:
            out += [section.empty, ""]
            continue
        out += _table(
            ["Action", "RAG", "Detail"], [[a.ref, rag_tag(a.rag), w.action_detail(section.key, a)] for a in items]
        )
        out.append("")
    out += [f"### Escalations raised ({len(p.escalations)}, open {len(p.open_escalations)})", ""]
    out += [f"- {w.escalation_line(e)}" for e in p.escalations] or ["None raised in the period."]
    out += ["", f"### Indicators ({len(p.indicators)}, {len(p.missing_indicators)} missing a reading)", ""]
    out += _indicators(p.indicators) if p.indicators else ["No measures for this priority."]
    out += ["", f"### {w.log_heading(p)}", ""]
    out += [f"- {_cell(w.log_line(x))}" for x in p.log] or [w.LOG_EMPTY]
    return out


def _indicators(lines: tuple[IndicatorLine, ...]) -> list[str]:
    out = _table(list(w.INDICATOR_COLUMNS), [w.indicator_cells(i) for i in lines])
    missing = w.missing_codes(lines)
    if missing:
        out += ["", f"Missing readings: {missing}"]
    return out
