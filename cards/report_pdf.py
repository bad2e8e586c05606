"""The highlight report as a PDF for the board pack, drawn directly with fpdf2 (pure Python:
no browser, no network), with the charts embedded and RAG cells coloured and labelled.

The font is DejaVu Sans as shipped inside matplotlib, so names and notes with any Latin
character print correctly without fetching anything.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.report_model import FIGURES, HighlightReport, IndicatorLine, PriorityReport
from cards import report_format as w
from cards.charts import STYLES, Chart, report_charts
from domain.vocabulary import RAG_LABELS, RAG_ORDER

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADER = FontFace(emphasis="BOLD", fill_color=(240, 240, 240))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _rag_style(rag: str) -> FontFace | None:
    st = STYLES.get(rag)
    if st is None:
        return None
    return FontFace(emphasis="BOLD", color=_rgb(st.text), fill_color=_rgb(st.colour))


class _Pdf(FPDF):
    def __init__(self, report: HighlightReport):
        super().__init__(orientation="landscape", format="A4")
        self.report = report
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", size=9)
        self.set_auto_page_break(auto=True, margin=14)
        self.set_title(f"{report.title} — {report.plan_title}")
        self.set_creator("actionbot")

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", size=7)
        sample = " · SAMPLE DATA" if self.report.sample else ""
        self.cell(0, 5, f"{self.report.title}{sample} · page {self.page_no()}", align="C")
        self.set_font("DejaVu", size=9)


def render_pdf(report: HighlightReport, charts: list[Chart] | None = None) -> bytes:
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its font subsetting chatters at INFO
    charts = report_charts(report) if charts is None else charts
    pdf = _Pdf(report)
    pdf.add_page()
    _h(pdf, report.title, 16)
    _p(pdf, w.subtitle(report))
    _p(pdf, w.standing(report))
    if report.sample:
        pdf.set_text_color(*_rgb("#D55E00"))
        _p(pdf, w.SAMPLE_BANNER, bold=True)
        pdf.set_text_color(0, 0, 0)
    _h(pdf, f"Whole plan ({report.total_actions} actions)", 12)
    _counts(pdf, report.counts, report.change, report.previous.label)
    _figures(pdf, report.figures())
    _h(pdf, "By priority", 11)
    with pdf.table(
        col_widths=(60, 14, 14, 14, 18, 16, 14, 14), text_align="LEFT", headings_style=HEADER, line_height=5
    ) as t:
        row = t.row()
        row.cell("Priority")
        for r in RAG_ORDER:
            row.cell(RAG_LABELS[r], style=_rag_style(r))
        row.cell("Overdue")
        row.cell("No update")
        for p in report.priorities:
            row = t.row()
            row.cell(f"P{p.number} {p.title}")
            for r in RAG_ORDER:
                row.cell(str(getattr(p.counts, r)))
            row.cell(str(len(p.overdue)))
            row.cell(str(len(p.no_update)))
    for chart in charts:
        pdf.add_page()
        _h(pdf, chart.title, 12)
        pdf.image(io.BytesIO(chart.png), w=200, alt_text=chart.alt)
    for p in report.priorities:
        _priority(pdf, report, p)
    if report.appendix_indicators:
        pdf.add_page()
        _h(pdf, "Appendix 1 performance measures", 13)
        _indicators(pdf, report.appendix_indicators)
    return bytes(pdf.output())


def _h(pdf: FPDF, text: str, size: int) -> None:
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font("DejaVu", size=9)


def _p(pdf: FPDF, text: str, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", 9)
    pdf.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    pdf.ln(1)


def _counts(pdf: FPDF, counts, change: dict[str, int], since: str) -> None:
    with pdf.table(col_widths=(40, 20, 40), width=100, align="LEFT", headings_style=HEADER, line_height=5) as t:
        row = t.row()
        for text in ("Status", "Actions", f"Change since {since}"):
            row.cell(text)
        for rag in RAG_ORDER:
            row = t.row()
            row.cell(w.rag_text(rag), style=_rag_style(rag))
            row.cell(str(getattr(counts, rag)))
            row.cell(w.signed(change[rag]))
        row = t.row()
        row.cell("Total")
        row.cell(str(counts.total))
        row.cell("")
    pdf.ln(2)


def _figures(pdf: FPDF, figures: dict[str, int]) -> None:
    with pdf.table(col_widths=(80, 20), width=100, align="LEFT", headings_style=HEADER, line_height=5) as t:
        row = t.row()
        row.cell("Figure")
        row.cell("Count")
        for key, label in FIGURES:
            row = t.row()
            row.cell(label)
            row.cell(str(figures[key]))
    pdf.ln(2)


def _priority(pdf: FPDF, report: HighlightReport, p: PriorityReport) -> None:
    pdf.add_page()
    _h(pdf, w.priority_heading(p), 13)
    _p(pdf, f"Lead officer: {p.lead_officer or '—'}")
    _counts(pdf, p.counts, p.change, report.previous.label)
    for section in w.ACTION_SECTIONS:
        items = getattr(p, section.key)
        _h(pdf, f"{section.title} ({len(items)})", 10)
        if not items:
            _p(pdf, section.empty)
            continue
        with pdf.table(col_widths=(14, 22, 110, 120), headings_style=HEADER, line_height=4.4) as t:
            row = t.row()
            for text in ("Action", "RAG", "What", "Detail"):
                row.cell(text)
            for a in items:
                row = t.row()
                row.cell(a.ref)
                row.cell(w.rag_text(a.rag), style=_rag_style(a.rag))
                row.cell(a.text[:300])
                row.cell(w.action_detail(section.key, a))
        pdf.ln(1)
    _h(pdf, f"Escalations raised ({len(p.escalations)}, open {len(p.open_escalations)})", 10)
    if p.escalations:
        for x in p.escalations:
            _p(pdf, w.escalation_line(x))
    else:
        _p(pdf, "None raised in the period.")
    _h(pdf, f"Indicators ({len(p.indicators)}, {len(p.missing_indicators)} missing a reading)", 10)
    if p.indicators:
        _indicators(pdf, p.indicators)
    else:
        _p(pdf, "No measures for this priority.")
    _h(pdf, w.log_heading(p), 10)
    for x in p.log:
        _p(pdf, w.log_line(x))
    if not p.log:
        _p(pdf, w.LOG_EMPTY)


def _indicators(pdf: FPDF, lines: tuple[IndicatorLine, ...]) -> None:
    with pdf.table(col_widths=(14, 100, 26, 34, 34, 34, 24), headings_style=HEADER, line_height=4.4) as t:
        row = t.row()
        for text in w.INDICATOR_COLUMNS:
            row.cell(text)
        for i in lines:
            row = t.row()
            for text in w.indicator_cells(i):
                row.cell(text)
    missing = w.missing_codes(lines)
    if missing:
        _p(pdf, f"Missing readings: {missing}", bold=True)
