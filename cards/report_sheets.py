"""The highlight report for spreadsheets: xlsx (a Summary sheet, one sheet per priority, and
Appendix 1) and csv (one row of figures per priority, and one for the whole plan).

RAG cells are coloured and labelled ("R · Red"), so the workbook reads the same printed in
black and white or by someone who does not tell red from green.
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.report_model import FIGURES, HighlightReport, IndicatorLine, PriorityReport
from bot.views import LogLine
from cards import report_format as w
from cards.charts import STYLES, digest_png
from domain.vocabulary import RAG_LABELS, RAG_ORDER
from storage.csv_cells import neutralise

CSV_COLUMNS = (
    ["plan", "period", "priority", "title", *RAG_ORDER, "total"]
    + [f"change_{r}" for r in RAG_ORDER]
    + [key for key, _ in FIGURES]
)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F0F0F0")


def csv_rows(report: HighlightReport) -> list[dict[str, object]]:
    rows = []
    for p in report.priorities:
        rows.append(_csv_row(report, str(p.number), p.title, p.counts, p.change, p.figures()))
    rows.append(_csv_row(report, "all", "Whole plan", report.counts, report.change, report.figures()))
    return rows


def _csv_row(report, number, title, counts, change, figures) -> dict[str, object]:
    row: dict[str, object] = {"plan": report.plan_key, "period": report.period.key, "priority": number, "title": title}
    row.update({r: getattr(counts, r) for r in RAG_ORDER})
    row["total"] = counts.total
    row.update({f"change_{r}": change[r] for r in RAG_ORDER})
    row.update(figures)
    return row


def render_csv(report: HighlightReport) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise(v) for k, v in row.items()} for row in csv_rows(report))
    return buf.getvalue()


def sheet_name(p: PriorityReport) -> str:
    """`P4 Safeguarding – better help…`: Excel allows 31 characters and no []:*?/\\."""
    clean = re.sub(r"[\[\]:*?/\\]", " ", f"P{p.number} {p.title}")
    return " ".join(clean.split())[:31].rstrip()


def render_xlsx(report: HighlightReport) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    _summary(summary, report)
    for p in report.priorities:
        _priority_sheet(wb.create_sheet(sheet_name(p)), report, p)
    if report.appendix_indicators:
        ws = wb.create_sheet("Appendix 1")
        ws["A1"] = "Appendix 1 performance measures"
        ws["A1"].font = Font(bold=True, size=13)
        _indicator_table(ws, 3, report.appendix_indicators)
        _widths(ws, [10, 60, 14, 20, 22, 22, 12])
    log_sheet(wb.create_sheet("Risks and issues"), [x for p in report.priorities for x in p.log])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _heading(ws: Worksheet, report: HighlightReport, title: str) -> int:
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = w.subtitle(report)
    ws["A3"] = w.standing(report)
    row = 4
    if report.sample:
        ws.cell(row=row, column=1, value=w.SAMPLE_BANNER).font = Font(bold=True, color="D55E00")
        row += 1
    return row + 1


def _header(ws: Worksheet, row: int, headers: list[str]) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _rag_cell(ws: Worksheet, row: int, col: int, rag: str) -> None:
    cell = ws.cell(row=row, column=col, value=w.rag_text(rag))
    st = STYLES.get(rag)
    if st is not None:
        cell.fill = PatternFill("solid", fgColor=st.colour.lstrip("#"))
        cell.font = Font(bold=True, color=st.text.lstrip("#"))


def _counts_table(ws: Worksheet, row: int, counts, change: dict[str, int], since: str) -> int:
    _header(ws, row, ["Status", "Actions", f"Change since {since}"])
    for i, rag in enumerate(RAG_ORDER, start=1):
        _rag_cell(ws, row + i, 1, rag)
        ws.cell(row=row + i, column=2, value=getattr(counts, rag))
        ws.cell(row=row + i, column=3, value=change[rag])
    total_row = row + len(RAG_ORDER) + 1
    ws.cell(row=total_row, column=1, value="Total").font = BOLD
    ws.cell(row=total_row, column=2, value=counts.total).font = BOLD
    return total_row + 2


def _figures_table(ws: Worksheet, row: int, figures: dict[str, int]) -> int:
    _header(ws, row, ["Figure", "Count"])
    for i, (key, label) in enumerate(FIGURES, start=1):
        ws.cell(row=row + i, column=1, value=label)
        ws.cell(row=row + i, column=2, value=figures[key])
    return row + len(FIGURES) + 2


def _summary(ws: Worksheet, report: HighlightReport) -> None:
    row = _heading(ws, report, report.title)
    ws.cell(row=row, column=1, value=f"Whole plan ({report.total_actions} actions)").font = Font(bold=True, size=12)
    row = _counts_table(ws, row + 1, report.counts, report.change, report.previous.label)
    row = _figures_table(ws, row, report.figures())
    ws.cell(row=row, column=1, value="By priority").font = Font(bold=True, size=12)
    row += 1
    headers = ["Priority", "Title", *(RAG_LABELS[r] for r in RAG_ORDER), "Total", *(label for _, label in FIGURES)]
    _header(ws, row, headers)
    for i, rag in enumerate(RAG_ORDER, start=3):
        _rag_cell(ws, row, i, rag)
    for p in report.priorities:
        row += 1
        values = [
            p.number,
            p.title,
            *(getattr(p.counts, r) for r in RAG_ORDER),
            p.counts.total,
            *(p.figures()[k] for k, _ in FIGURES),
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value)
    _widths(ws, [34, 44] + [10] * (len(headers) - 2))
    chart = XLImage(io.BytesIO(digest_png(report, dpi=80)))
    ws.add_image(chart, f"{get_column_letter(len(headers) + 2)}6")


ACTION_HEADERS = [
    "Action",
    "What",
    "Lead",
    "Due",
    "RAG",
    "RAG at end of previous period",
    "Updated this round",
    "Days overdue",
    "Latest note",
    "Note by",
    "Note date",
    "Proposed new date",
    "Proposed by",
]


def _priority_sheet(ws: Worksheet, report: HighlightReport, p: PriorityReport) -> None:
    row = _heading(ws, report, w.priority_heading(p))
    ws.cell(row=row, column=1, value=f"Lead officer: {p.lead_officer or '—'}")
    row = _counts_table(ws, row + 2, p.counts, p.change, report.previous.label)
    row = _figures_table(ws, row, p.figures())
    ws.cell(row=row, column=1, value="Every action").font = Font(bold=True, size=12)
    row += 1
    _header(ws, row, ACTION_HEADERS)
    for a in p.actions:
        row += 1
        values = [
            a.ref,
            a.text,
            w.leads(a),
            a.due,
            None,
            w.rag_text(a.previous_rag),
            "yes" if a.updated_in_period else "no",
            a.overdue_days or None,
            a.note,
            a.note_author,
            a.note_on,
            a.proposed_due,
            a.proposed_by,
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            if hasattr(value, "year"):
                cell.number_format = "dd mmm yyyy"
        _rag_cell(ws, row, 5, a.rag)
    row += 2
    ws.cell(row=row, column=1, value="Escalations raised in the period").font = Font(bold=True, size=12)
    row += 1
    _header(ws, row, ["Action", "To", "Reason", "Raised", "State", "Resolved"])
    for x in p.escalations:
        row += 1
        for col, value in enumerate([x.ref, x.to, x.reason, x.raised_on, x.state, x.resolved_on], start=1):
            cell = ws.cell(row=row, column=col, value=value)
            if hasattr(value, "year"):
                cell.number_format = "dd mmm yyyy"
    row += 2
    ws.cell(row=row, column=1, value="Indicators").font = Font(bold=True, size=12)
    _indicator_table(ws, row + 1, p.indicators)
    _widths(ws, [12, 60, 16, 13, 16, 16, 12, 10, 50, 24, 13, 14, 24])
    ws.freeze_panes = None


def _indicator_table(ws: Worksheet, row: int, lines: tuple[IndicatorLine, ...]) -> int:
    _header(ws, row, list(w.INDICATOR_COLUMNS))
    for i in lines:
        row += 1
        for col, value in enumerate(w.indicator_cells(i), start=1):
            ws.cell(row=row, column=col, value=value)
    return row + 2


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


# Headers no plan column is known by (storage/importers/columns.py), so the plan export's
# workbook, which carries this sheet too, still imports as the plan alone.
LOG_COLUMNS = (
    "log entry", "kind", "in priority", "summary", "state", "held by", "impact", "likelihood", "mitigation",
    "review on", "response", "respond by", "closed because",
)


def log_cells(x: LogLine) -> list[object]:
    """One risks-and-issues line as spreadsheet cells (text neutralised against formula injection)."""
    cells: list[object] = [
        x.ref, x.kind, x.priority, x.title, x.status, x.owner, x.impact, x.likelihood, x.mitigation,
        x.review, x.action, x.due, x.close_reason,
    ]
    return [neutralise(c) if isinstance(c, str) else c for c in cells]


def log_sheet(ws: Worksheet, lines: list[LogLine]) -> None:
    """The risks and issues log (the plan export and the report's workbook share it)."""
    ws.append(list(LOG_COLUMNS))
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for x in lines:
        ws.append(log_cells(x))
    _widths(ws, [6, 7, 9, 50, 9, 18, 9, 11, 40, 12, 40, 12, 30])
