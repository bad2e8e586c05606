"""The highlight report as one self-contained, printable HTML page for the board.

Self-contained: styles inline, charts embedded as `data:` URIs, no scripts, fonts, links or
images from anywhere else, so it can be emailed, archived, or printed to PDF as it is.
RAG cells carry the status word as well as the colour.
"""

from __future__ import annotations

import base64
import re
from html import escape

from bot.report_model import FIGURES, HighlightReport, IndicatorLine, PriorityReport
from cards import report_format as w
from cards.charts import STYLES, Chart, report_charts
from cards.format import fmt_date
from domain.vocabulary import RAG_LABELS, RAG_ORDER

CSS = (
    """
:root { --ink: #1b1b1b; --muted: #5b5b5b; --line: #c8c8c8; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: var(--ink); margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p.meta { color: var(--muted); margin: .2rem 0; }
.sample { border: 3px dashed #D55E00; padding: .6rem 1rem; font-weight: bold; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
table.counts, table.figures { width: auto; min-width: 26rem; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.rag { font-weight: bold; white-space: nowrap; }
table.actions td:nth-child(3) { width: 50%; }
table.actions td:nth-child(4) { width: 35%; }
"""
    + "".join(f"td.rag-{rag} {{ background: {st.colour}; color: {st.text}; }}\n" for rag, st in STYLES.items())
    + """
figure { margin: 1rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; }
nav ol { columns: 2; }
.empty { color: var(--muted); font-style: italic; }
.missing { color: #8a2b00; font-weight: bold; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  nav { display: none; }
  section.priority { break-before: page; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""
)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: HighlightReport, charts: list[Chart] | None = None) -> str:
    charts = report_charts(report) if charts is None else charts
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)} — {e(report.plan_title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(report.title)}</h1>",
        f'<p class="meta">{e(w.subtitle(report))}</p>',
        f'<p class="meta">{e(w.standing(report))}</p>',
    ]
    if report.sample:
        banner = re.sub(r"`([^`]+)`", r"<code>\1</code>", e(w.SAMPLE_BANNER))
        parts.append(f'<p class="sample">{banner}</p>')
    parts.append("</header>")
    parts.append(_nav(report))
    parts += _whole_plan(report)
    parts.append('<section id="charts"><h2>Charts</h2>')
    for chart in charts:
        parts.append(
            f'<figure><img src="{data_uri(chart.png)}" alt="{e(chart.alt)}">'
            f"<figcaption>{e(chart.title)}. {e(chart.alt)}</figcaption></figure>"
        )
    parts.append("</section>")
    for p in report.priorities:
        parts += _priority(p)
    if report.appendix_indicators:
        parts.append('<section id="appendix-1" class="priority"><h2>Appendix 1 performance measures</h2>')
        parts += _indicators(report.appendix_indicators)
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _nav(report: HighlightReport) -> str:
    items = ['<li><a href="#whole-plan">Whole plan</a></li>', '<li><a href="#charts">Charts</a></li>']
    items += [f'<li><a href="#p{p.number}">{escape(w.priority_heading(p))}</a></li>' for p in report.priorities]
    if report.appendix_indicators:
        items.append('<li><a href="#appendix-1">Appendix 1 performance measures</a></li>')
    return "<nav><h2>Contents</h2><ol>" + "".join(items) + "</ol></nav>"


def _rag_cell(rag: str) -> str:
    return f'<td class="rag rag-{rag}">{STYLES[rag].letter} · {escape(RAG_LABELS.get(rag, rag))}</td>'


def _counts_table(counts, change: dict[str, int], previous_label: str) -> list[str]:
    rows = [
        f"<tr>{_rag_cell(r)}<td class='num'>{getattr(counts, r)}</td><td class='num'>{w.signed(change[r])}</td></tr>"
        for r in RAG_ORDER
    ]
    return [
        "<table class='counts'>",
        f"<tr><th>Status</th><th class='num'>Actions</th><th class='num'>Change since {escape(previous_label)}</th></tr>",
        *rows,
        f"<tr><th>Total</th><th class='num'>{counts.total}</th><th></th></tr>",
        "</table>",
    ]


def _whole_plan(report: HighlightReport) -> list[str]:
    figures = report.figures()
    out = ['<section id="whole-plan">', f"<h2>Whole plan ({report.total_actions} actions)</h2>"]
    out += _counts_table(report.counts, report.change, report.previous.label)
    out.append("<table class='figures'><tr><th>Figure</th><th class='num'>Count</th></tr>")
    out += [f"<tr><td>{escape(label)}</td><td class='num'>{figures[key]}</td></tr>" for key, label in FIGURES]
    out.append("</table>")
    out.append("<h3>By priority</h3><table class='by-priority'><tr><th>Priority</th>")
    out += [f"<th class='num'>{escape(RAG_LABELS[r])}</th>" for r in RAG_ORDER]
    out.append("<th class='num'>Overdue</th><th class='num'>No update</th><th class='num'>Escalations</th></tr>")
    for p in report.priorities:
        cells = "".join(f"<td class='num'>{getattr(p.counts, r)}</td>" for r in RAG_ORDER)
        out.append(
            f"<tr><td><a href='#p{p.number}'>P{p.number}</a> {escape(p.title)}</td>{cells}"
            f"<td class='num'>{len(p.overdue)}</td><td class='num'>{len(p.no_update)}</td>"
            f"<td class='num'>{len(p.escalations)}</td></tr>"
        )
    out += ["</table>", "</section>"]
    return out


def _priority(p: PriorityReport) -> list[str]:
    e = escape
    out = [
        f'<section id="p{p.number}" class="priority">',
        f"<h2>{e(w.priority_heading(p))}</h2>",
        f'<p class="meta">Lead officer: {e(p.lead_officer or "—")}</p>',
    ]
    out += _counts_table(p.counts, p.change, "the previous period")
    for section in w.ACTION_SECTIONS:
        items = getattr(p, section.key)
        out.append(f'<h3 class="section-{section.key}">{e(section.title)} ({len(items)})</h3>')
        if not items:
            out.append(f'<p class="empty">{e(section.empty)}</p>')
            continue
        out.append("<table class='actions'><tr><th>Action</th><th>RAG</th><th>What</th><th>Detail</th></tr>")
        for a in items:
            out.append(
                f"<tr><td>{e(a.ref)}</td>{_rag_cell(a.rag)}<td>{e(a.text)}</td>"
                f"<td>{e(w.action_detail(section.key, a))}</td></tr>"
            )
        out.append("</table>")
    out.append(f"<h3>Escalations raised ({len(p.escalations)}, open {len(p.open_escalations)})</h3>")
    if p.escalations:
        out.append("<table><tr><th>Action</th><th>To</th><th>Reason</th><th>Raised</th><th>State</th></tr>")
        for x in p.escalations:
            out.append(
                f"<tr><td>{e(x.ref)}</td><td>{e(x.to)}</td><td>{e(x.reason)}</td>"
                f"<td>{fmt_date(x.raised_on)}</td><td>{e(w.escalation_state(x))}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append('<p class="empty">None raised in the period.</p>')
    out.append(f"<h3>Indicators ({len(p.indicators)}, {len(p.missing_indicators)} missing a reading)</h3>")
    out += _indicators(p.indicators) if p.indicators else ['<p class="empty">No measures for this priority.</p>']
    out.append(f"<h3>{e(w.log_heading(p))}</h3>")
    if p.log:
        out.append("<table class='log'><tr><th>Id</th><th>Status</th><th>Title</th><th>Detail</th></tr>")
        for x in p.log:
            out.append(
                f"<tr><td>{e(x.ref)}</td><td>{e(x.kind)}, {e(x.status)}</td><td>{e(x.title)}</td>"
                f"<td>{e(x.details())}</td></tr>"
            )
        out.append("</table>")
    else:
        out.append(f'<p class="empty">{e(w.LOG_EMPTY)}</p>')
    out.append("</section>")
    return out


def _indicators(lines: tuple[IndicatorLine, ...]) -> list[str]:
    e = escape
    header = "".join(f"<th>{c}</th>" for c in w.INDICATOR_COLUMNS)
    out = [f"<table class='indicators'><tr>{header}</tr>"]
    for i in lines:
        *cells, period = w.indicator_cells(i)
        flag = ' class="missing"' if i.missing else ""
        out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + f"<td{flag}>{e(period)}</td></tr>")
    out.append("</table>")
    missing = w.missing_codes(lines)
    if missing:
        out.append(f'<p class="missing">Missing readings: {e(missing)}</p>')
    return out
