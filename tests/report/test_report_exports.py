"""The board's files carry the model's figures: xlsx and csv read back, html is self-contained
with every section and the chart, md and pdf are complete."""

from __future__ import annotations

import base64
import csv
import io
import re
from html.parser import HTMLParser

import openpyxl
from PIL import Image

from bot.report_model import FIGURES
from cards.report_files import render_file
from cards.report_format import ACTION_SECTIONS
from cards.report_sheets import CSV_COLUMNS, sheet_name
from domain.vocabulary import RAG_LABELS, RAG_ORDER


def figures_by_label(ws, top: int = 1) -> dict[str, int]:
    """The Figure/Count table of a sheet, read back by its labels."""
    labels = dict((label, key) for key, label in FIGURES)
    out = {}
    for row in ws.iter_rows(min_row=top, values_only=True):
        if row[0] in labels and isinstance(row[1], int):
            out.setdefault(labels[row[0]], row[1])
    return out


def rag_table(ws) -> dict[str, tuple[int, int]]:
    """Status rows of the first counts table: label → (count, change)."""
    out = {}
    for row in ws.iter_rows(values_only=True):
        for rag in RAG_ORDER:
            if isinstance(row[0], str) and row[0].endswith(RAG_LABELS[rag]) and rag not in out:
                out[rag] = (row[1], row[2])
    return out


def test_xlsx_has_a_summary_and_a_sheet_per_priority_with_the_same_figures(october):
    wb = openpyxl.load_workbook(io.BytesIO(render_file(october, "xlsx")))
    expected = ["Summary"] + [sheet_name(p) for p in october.priorities] + ["Appendix 1", "Risks and issues"]
    assert wb.sheetnames == expected
    summary = wb["Summary"]
    assert summary["A1"].value == "Highlight report — October 2016"
    whole = rag_table(summary)
    assert {r: whole[r] for r in RAG_ORDER} == {r: (getattr(october.counts, r), october.change[r]) for r in RAG_ORDER}
    assert figures_by_label(summary) == october.figures()
    # the by-priority table: one row per priority, counts and figures as in the model
    header_row = next(i for i, row in enumerate(summary.iter_rows(values_only=True), 1) if row[0] == "Priority")
    rows = list(summary.iter_rows(min_row=header_row + 1, max_row=header_row + 10, values_only=True))
    for p, row in zip(october.priorities, rows, strict=True):
        assert row[0] == p.number and row[1] == p.title
        assert list(row[2:7]) == [getattr(p.counts, r) for r in RAG_ORDER]
        assert row[7] == p.counts.total
        assert list(row[8 : 8 + len(FIGURES)]) == [p.figures()[k] for k, _ in FIGURES]
    assert summary._images, "the chart is embedded in the summary sheet"


def test_xlsx_priority_sheet_lists_every_action_with_coloured_and_labelled_rag(october):
    wb = openpyxl.load_workbook(io.BytesIO(render_file(october, "xlsx")))
    p7 = october.priority(7)
    ws = wb[sheet_name(p7)]
    assert ws["A1"].value == "Priority 7: Adoption services"
    assert {r: v for r, v in rag_table(ws).items()} == {r: (getattr(p7.counts, r), p7.change[r]) for r in RAG_ORDER}
    assert figures_by_label(ws) == p7.figures()
    header = next(i for i, row in enumerate(ws.iter_rows(values_only=True), 1) if row[0] == "Action")
    rows = {}
    for r in range(header + 1, header + 1 + len(p7.actions)):
        rows[ws.cell(row=r, column=1).value] = r
    assert list(rows) == [a.ref for a in p7.actions]
    red = ws.cell(row=rows["7.2.2"], column=5)
    assert red.value == "R · Red"
    assert red.fill.fgColor.rgb.endswith("D55E00")
    amber = ws.cell(row=rows["7.4.1"], column=5)
    assert amber.value == "A · Amber" and amber.fill.fgColor.rgb.endswith("E69F00")
    assert ws.cell(row=rows["7.4.1"], column=8).value == 31  # days overdue
    assert ws.cell(row=rows["7.2.2"], column=9).value == "no panel chair since the resignation"
    assert ws.cell(row=rows["7.2.3"], column=7).value == "no"  # updated this round
    assert ws.cell(row=rows["7.2.1"], column=7).value == "yes"


def test_csv_reads_back_with_the_same_figures(october):
    rows = list(csv.DictReader(io.StringIO(render_file(october, "csv"))))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["priority"] for r in rows] == [str(p.number) for p in october.priorities] + ["all"]
    for p, row in zip(october.priorities, rows, strict=False):
        assert {r: int(row[r]) for r in RAG_ORDER} == {r: getattr(p.counts, r) for r in RAG_ORDER}
        assert {r: int(row[f"change_{r}"]) for r in RAG_ORDER} == p.change
        assert {k: int(row[k]) for k, _ in FIGURES} == p.figures()
        assert int(row["total"]) == p.counts.total
    whole = rows[-1]
    assert {k: int(whole[k]) for k, _ in FIGURES} == october.figures()
    assert {r: int(whole[r]) for r in RAG_ORDER} == {r: getattr(october.counts, r) for r in RAG_ORDER}
    assert whole["period"] == "2016-10" and whole["plan"] == october.plan_key


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.urls.append((tag, name, value))
            if name == "id":
                self.ids.add(value)


def test_html_is_self_contained_with_every_section_and_the_chart(october):
    html = render_file(october, "html")
    parser = _Resources()
    parser.feed(html)
    external = [u for u in parser.urls if not (u[2].startswith("#") or u[2].startswith("data:image/png;base64,"))]
    assert external == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    assert not {"script", "link", "iframe", "object"} & parser.tags
    images = [u[2] for u in parser.urls if u[0] == "img"]
    assert len(images) == 2
    for uri in images:
        picture = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
        assert picture.format == "PNG" and picture.width > 400
    assert {"whole-plan", "charts", "appendix-1"} | {f"p{n}" for n in range(1, 11)} <= parser.ids
    for section in ACTION_SECTIONS:
        assert f"{section.title} (" in html
    for words in ("Escalations raised", "Indicators (", "Missing readings: 7c, 7e, 7f", "Lead officer:"):
        assert words in html
    assert "@media print" in html and "break-before: page" in html
    assert '<td class="rag rag-red">R · Red</td>' in html
    assert "no panel chair since the resignation" in html


def test_html_escapes_what_people_typed(crowded_report):
    html = render_file(crowded_report, "html")
    assert "<!channel>" not in html and "&lt;!channel&gt;" in html
    assert "<b>co</b>" not in html


def test_markdown_and_text_have_every_section(october):
    for fmt in ("md", "text"):
        body = render_file(october, fmt)
        assert "Highlight report — October 2016" in body
        for section in ACTION_SECTIONS:
            assert section.title in body
        assert "Priority 7: Adoption services" in body
        assert "7.2.2" in body and "no panel chair since the resignation" in body
        assert "7.2.2 to Dana Carver (fictional): red, raised 06 Oct 2016 — open" in body


def test_pdf_is_a_pdf_with_a_page_per_priority_and_the_charts(october):
    pdf = render_file(october, "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages >= 1 + 2 + 10 + 1  # summary, two charts, ten priorities, Appendix 1
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) >= 2
