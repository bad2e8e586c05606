"""Reading a plan from the Word document it is written in (python-docx).

An improvement plan is a Word file: for each priority a heading ("Priority Four: Safeguarding …"),
a "Lead officer: …" line, then a table with columns ID / Issue / Key Actions / Timescale / Lead /
Agency Involvement. Real tables are untidy, so this reader accepts what councils actually do:
a title row above the header; the Issue, Lead or Timescale cell merged down over several
actions (python-docx gives every covered row the merged cell); an action's id inside the Key
Actions text instead of the ID column; several actions listed in one cell; bulleted
sub-actions (kept as "- " lines); a table split in two at a page break without a header on the
second part. Deciding what each row means is left to `storage.importers.build`.

python-docx reads the whole document into memory, so the package is measured first
(`limits.check_zip`: declared sizes and ratios), then its XML parts are streamed once to count
paragraphs and table rows against the row limit (table rows and paragraphs outside tables count
as rows; paragraphs inside cells have a bound of their own) before python-docx opens it. The body is walked child by child: python-docx's
`iter_inner_content` selects with an XPath union that libxml2 merges in quadratic time (a
150,000-paragraph document took minutes).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import iterparse
from zipfile import BadZipFile

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from domain import action_ids
from storage.import_limits import (
    DEFAULT_LIMITS,
    ImportLimits,
    RowCounter,
    UnreadableFile,
    check_zip,
    raise_hint,
)
from storage.importers.columns import Header, find_header
from storage.importers.table import PriorityHint, ReadResult, SourceRow, SourceTable, is_blank, row_values
from storage.plan_store import Problem

NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_PRIORITY = re.compile(
    r"^\s*priority\s+(?P<n>\d+|[a-z]+)\s*(?:[:.–—-]\s*(?P<title>.*\S))?\s*$",
    re.IGNORECASE,
)
_LEAD_OFFICER = re.compile(r"^\s*lead\s+officers?\s*[:–-]\s*(?P<who>.*\S)\s*$", re.IGNORECASE)
_BULLETS = ("•", "\uf0b7", "▪", "◦", "·", "‣", "–", "*")


def priority_heading(text: str) -> tuple[int, str] | None:
    """'Priority Four: Safeguarding – better help' → (4, 'Safeguarding – better help')."""
    m = _PRIORITY.match(" ".join(text.split()))
    if not m:
        return None
    n = m["n"].lower()
    number = int(n) if n.isdigit() else NUMBER_WORDS.get(n)
    if number is None:
        return None
    return number, (m["title"] or "").strip()


def paragraph_text(p: Paragraph, style_names: dict[str, str] | None = None) -> str:
    """A paragraph's text; list paragraphs and typed bullets become '- ' lines.

    `style_names` maps style ids to names; looking styles up through python-docx per paragraph
    is slow enough to matter for a 300-action plan.
    """
    text = p.text.replace("\u00a0", " ").strip()
    if not text:
        return ""
    for bullet in _BULLETS:
        if text.startswith(bullet + " ") or (bullet != "–" and text.startswith(bullet)):
            return "- " + text[len(bullet) :].strip()
    if text.startswith("-"):
        return "- " + text[1:].strip()
    ppr = p._p.pPr
    style_id = p._p.style or ""
    style = (style_names or {}).get(style_id, style_id)
    if (ppr is not None and ppr.numPr is not None) or style.lower().startswith("list"):
        return "- " + text
    return text


def cell_text(cell: _Cell, style_names: dict[str, str] | None = None) -> str:
    return "\n".join(t for t in (paragraph_text(p, style_names) for p in cell.paragraphs) if t)


def _grid(table: Table) -> list[list[_Cell | None]]:
    rows = []
    for row in table.rows:
        cells: list[_Cell | None] = [None] * row.grid_cols_before
        cells.extend(row.cells)
        rows.append(cells)
    return rows


_ID = re.compile(rf"^\s*(?:{action_ids.TOKEN}|{action_ids.FINDING_TOKEN})\.?(?:\s|$)")  # the one id grammar


def _starts_with_ids(texts: list[list[str]], header: Header) -> bool:
    """Whether a headerless table reads as more rows of a plan table: its first non-empty row
    has a finding or action id in the ID column or at the start of the Key Actions text."""
    for row in texts:
        if not any(t.strip() for t in row):
            continue
        columns = [header.index.get("action_id"), header.index.get("title")]
        return any(i is not None and i < len(row) and _ID.match(row[i]) for i in columns)
    return False


def _merged_with_above(row: list[_Cell | None], above: list[_Cell | None], col: int | None) -> bool:
    """True when column `col` of `row` is the same Word cell as the row above's (merged down)."""
    if col is None or col >= len(row) or col >= len(above):
        return False
    cell, over = row[col], above[col]
    return cell is not None and over is not None and cell._tc is over._tc


_P, _TR, _TBL = qn("w:p"), qn("w:tr"), qn("w:tbl")


PARAGRAPHS_PER_ROW = 10  # a table cell of a real plan holds a few paragraphs (sub-bullets)


def count_blocks(path: Path, source: str, limits: ImportLimits) -> None:
    """Count rows in every XML part, streaming, in constant memory, before python-docx loads it.

    Rows are table rows and paragraphs outside tables (what a person sees as lines of the
    document), against `limits.max_rows`; paragraphs inside table cells are counted too, against
    PARAGRAPHS_PER_ROW times that. Raises UnreadableFile as soon as either count is passed, so a
    document of a million paragraphs is refused before python-docx builds it.
    """
    rows = RowCounter(source, limits)
    in_cells = 0
    most_in_cells = PARAGRAPHS_PER_ROW * limits.max_rows
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".xml"):
                continue
            depth = 0  # tables open around the element
            open_elements = []  # the elements around the current one
            with archive.open(info) as part:
                for event, element in iterparse(part, events=("start", "end")):
                    tag = element.tag
                    if tag == _TBL:
                        depth += 1 if event == "start" else -1
                    if event == "start":
                        open_elements.append(element)
                        continue
                    open_elements.pop()
                    if tag == _TR or (tag == _P and depth == 0):
                        rows.add()
                    elif tag == _P:
                        in_cells += 1
                        if in_cells > most_in_cells:
                            raise UnreadableFile(
                                Problem(
                                    source,
                                    None,
                                    "",
                                    f"the tables hold more than {most_in_cells:,} paragraphs, "
                                    f"{PARAGRAPHS_PER_ROW} for each row the limit allows: split the document, or "
                                    f"{raise_hint('max_rows')}",
                                )
                            )
                    if tag in (_P, _TR, _TBL):
                        # only the events matter here: drop what is built so far (the parser reads
                        # ahead, so siblings already hang off the parent; it keeps its own
                        # references to the elements still open)
                        element.clear()
                        if open_elements:
                            open_elements[-1].clear()


def body_blocks(document) -> list[Paragraph | Table]:
    """The body's paragraphs and tables in document order (linear, unlike iter_inner_content)."""
    body = document.element.body
    return [
        Paragraph(child, document) if child.tag == _P else Table(child, document)
        for child in body.iterchildren(_P, _TBL)
    ]


def read_docx(path: str | Path, source: str | None = None, limits: ImportLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read a plan document. Raises UnreadableFile when the limits refuse it."""
    source = source or str(path)
    result = ReadResult(source)
    problem = check_zip(Path(path), source, limits, ".docx document")
    if problem is not None:
        raise UnreadableFile(problem)
    count_blocks(Path(path), source, limits)
    try:
        document = Document(str(path))
    except (PackageNotFoundError, BadZipFile, KeyError, ValueError) as exc:
        result.problems.append(Problem(source, None, "", f"not a readable .docx document ({exc})"))
        return result
    result.title = (document.core_properties.title or "").strip()
    style_names = {s.style_id: s.name or "" for s in document.styles}
    hints: dict[int, PriorityHint] = {}
    current: PriorityHint | None = None
    previous: tuple[int, Header] | None = None  # (column count, header) of the last plan table
    table_number = 0

    def note_priority(text: str) -> None:
        nonlocal current
        heading = priority_heading(text)
        if heading is not None:
            number, title = heading
            current = hints.setdefault(number, PriorityHint(number))
            if title and not current.title:
                current.title = title
            return
        lead = _LEAD_OFFICER.match(text)
        if lead and current is not None and not current.lead_officer:
            current.lead_officer = lead["who"]

    for block in body_blocks(document):
        if isinstance(block, Paragraph):
            note_priority(block.text)
            continue
        table_number += 1
        grid = _grid(block)
        texts = [[cell_text(c, style_names) if c is not None else "" for c in row] for row in grid]
        found = find_header(texts, scan=5)
        if found is None:
            width = max((len(r) for r in texts), default=0)
            if previous is None or previous[0] != width or not _starts_with_ids(texts, previous[1]):
                continue  # not a plan table (abbreviations, indicators, sign-off …)
            header_index, header = -1, previous[1]  # a plan table continued after a page break
        else:
            header_index, header = found
            for row in texts[:header_index]:
                for text in dict.fromkeys(row):
                    note_priority(text)
        previous = (max(len(r) for r in texts), header)
        table = SourceTable(f"{source}, table {table_number}", header_index + 1, header, priority=current)
        id_col = header.index.get("action_id")
        title_col = header.index.get("title")
        for i in range(header_index + 1, len(grid)):
            cells, words = grid[i], texts[i]
            distinct = {id(c._tc) for c in cells if c is not None}
            if len(distinct) == 1 and len(cells) > 1:
                note_priority(words[0])  # a title row spanning the table
                continue
            values = row_values(header, words)
            if all(is_blank(v) for v in values.values()):
                continue
            # one action's id cell merged down over several rows, each with its own text: the
            # rows below the first continue that action (its sub-actions)
            above = grid[i - 1] if i > header_index + 1 else None
            continues = (
                above is not None
                and _merged_with_above(cells, above, id_col)
                and not _merged_with_above(cells, above, title_col)
            )
            table.rows.append(SourceRow(i + 1, values, continues_previous=continues))
        result.tables.append(table)
    if not result.tables:
        result.problems.append(
            Problem(
                source,
                None,
                "",
                "no table with a header row such as ID / Issue / Key Actions / Timescale / Lead / Agency Involvement",
            )
        )
    return result
