"""Reading a plan from an Excel workbook (openpyxl).

Councils keep plans as one sheet, or one sheet per priority, often with a title row above the
header and with the Issue, Lead or Timescale cell merged down over several actions. Every
sheet with a recognisable header is read; a merged cell's value is given to every row it
covers, so each action gets the lead the person sees next to it.

The workbook is measured first (`limits.check_zip`: declared sizes and ratios, before openpyxl
opens it), then its XML parts are streamed once and counted (`count_parts`): openpyxl loads the
shared strings and styles whole, and a worksheet row's cells whole, even in read-only mode, so
a 4 MB workbook of two million shared strings would otherwise take 400 MB. Then the sheets are
read in openpyxl's read-only (streaming) mode with a row counter, so a zip bomb or a
million-row sheet is refused in constant memory. Read-only mode does not expose merged cells,
so their ranges are read from the sheet's XML with a streaming parser.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from storage.import_limits import DEFAULT_LIMITS, ImportLimits, RowCounter, UnreadableFile, check_zip, raise_hint
from storage.importers.columns import find_header
from storage.importers.table import ReadResult, SourceRow, SourceTable, is_blank, row_values
from storage.plan_store import Problem

MAX_COLUMNS = 200  # a plan has about ten; cells further right are never plan columns
EXCEL_MAX_CELLS_IN_A_ROW = 16_384  # column XFD: Excel's own maximum
STRINGS_PER_ROW = 2  # different texts per row a plan has (its action text, its last update)
MAX_PART_ELEMENTS = 200_000  # styles, theme, workbook: real ones have hundreds to a few thousand
MAX_MERGED_CELLS = 5_000_000  # cells a sheet's merged ranges may cover (a bound on the fill loop)
_MERGE_CELL = "mergeCell"


def cell_value(value: object) -> object:
    """Dates stay dates; whole numbers lose their '.0'; everything else becomes text."""
    if value is None or isinstance(value, bool | datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _refuse(source: str, what: str) -> UnreadableFile:
    return UnreadableFile(Problem(source, None, "", what))


def count_parts(path: Path, source: str, limits: ImportLimits) -> None:
    """Stream every XML part once, in constant memory, and refuse what openpyxl would load whole.

    Worksheets: rows against `limits.max_rows`, and no row over Excel's 16,384 cells. Shared
    strings: at most STRINGS_PER_ROW per row the limit allows. Any other part (styles, the
    workbook): at most MAX_PART_ELEMENTS elements.
    """
    rows = RowCounter(source, limits)
    most_strings = STRINGS_PER_ROW * limits.max_rows
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith(".xml"):
                continue
            sheet = name.startswith("xl/worksheets/")
            strings = name.endswith("sharedStrings.xml")
            elements = cells = texts = 0
            stack = []
            with archive.open(info) as part:
                for event, element in iterparse(part, events=("start", "end")):
                    if event == "start":
                        stack.append(element)
                        continue
                    stack.pop()
                    tag = element.tag.rsplit("}", 1)[-1]
                    elements += 1
                    if sheet:
                        if tag == "c":
                            cells += 1
                            if cells > EXCEL_MAX_CELLS_IN_A_ROW:
                                raise _refuse(source, f"a row of {name} has more than 16,384 cells, Excel's own limit")
                        elif tag == "row":
                            rows.add()
                            cells = 0
                    elif strings:
                        texts += tag == "si"
                        if texts > most_strings:
                            raise _refuse(
                                source,
                                f"the workbook holds more than {most_strings:,} different texts, "
                                f"{STRINGS_PER_ROW} for each row the limit allows: split it, or "
                                f"{raise_hint('max_rows')}",
                            )
                    elif elements > MAX_PART_ELEMENTS:
                        raise _refuse(
                            source,
                            f"part {name} has more than {MAX_PART_ELEMENTS:,} elements, far more than any "
                            "workbook's: it is not an ordinary .xlsx workbook",
                        )
                    # only the counts matter: drop what is built so far (the parser keeps its own
                    # references to the elements still open, and reads ahead of the events)
                    element.clear()
                    if stack:
                        stack[-1].clear()


def merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merged range of a read-only sheet.

    Streams the sheet's XML and keeps only the `mergeCell` elements (the sheet's size is
    already bounded by the zip check); `_get_source` is openpyxl's own way to open the part.
    """
    ranges = []
    with sheet._get_source() as src:
        for _, element in iterparse(src, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == _MERGE_CELL:
                ref = element.get("ref") or ""
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                except (TypeError, ValueError):
                    continue
                if None not in (min_col, min_row, max_col, max_row):
                    ranges.append((min_col, min_row, max_col, max_row))
            if tag in ("row", _MERGE_CELL):
                element.clear()
    return ranges


def _rows(sheet, counter: RowCounter) -> list[list[object]]:
    """The sheet's rows (trailing empty cells dropped), counted against the row limit."""
    sheet.reset_dimensions()  # trust the cells, not the declared size (which may say A1:XFD1048576)
    grid = []
    for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        counter.add()
        cells = [cell_value(v) for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        grid.append(cells)
    return grid


def read_xlsx(path: str | Path, source: str | None = None, limits: ImportLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read a plan workbook. Raises UnreadableFile when the limits refuse it."""
    source = source or str(path)
    result = ReadResult(source)
    problem = check_zip(Path(path), source, limits, ".xlsx workbook")
    if problem is not None:
        raise UnreadableFile(problem)
    count_parts(Path(path), source, limits)
    try:
        workbook = load_workbook(path, data_only=True, read_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, zipfile.BadZipFile) as exc:
        result.problems.append(Problem(source, None, "", f"not a readable .xlsx workbook ({exc})"))
        return result
    counter = RowCounter(source, limits)
    try:
        result.title = (workbook.properties.title or "").strip()
        several = len(workbook.worksheets) > 1

        def name_of(sheet) -> str:
            return f"{source}, sheet {sheet.title!r}" if several else source

        for sheet in workbook.worksheets:
            grid = _rows(sheet, counter)
            filled = 0
            for min_col, min_row, max_col, max_row in merged_ranges(sheet):
                if min_row > len(grid):
                    continue
                filled += (min(max_row, len(grid)) - min_row + 1) * (min(max_col, MAX_COLUMNS) - min_col + 1)
                if filled > MAX_MERGED_CELLS:
                    raise UnreadableFile(
                        Problem(
                            name_of(sheet),
                            None,
                            "",
                            "the sheet merges more cells than any plan does: "
                            f"over {MAX_MERGED_CELLS:,}; unmerge them and import again",
                        )
                    )
                top_row = grid[min_row - 1]
                top = top_row[min_col - 1] if min_col - 1 < len(top_row) else None
                for r in range(min_row, min(max_row, len(grid)) + 1):
                    row = grid[r - 1]
                    for c in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                        if c - 1 < len(row):
                            row[c - 1] = top
                        elif top is not None:
                            row.extend([None] * (c - 1 - len(row)))
                            row.append(top)
            found = find_header(grid)
            if found is None:
                continue
            header_index, header = found
            name = name_of(sheet)
            table = SourceTable(name, header_index + 1, header)
            for number, cells in enumerate(grid[header_index + 1 :], start=header_index + 2):
                values = row_values(header, cells)
                if all(is_blank(v) for v in values.values()):
                    continue
                table.rows.append(SourceRow(number, values))
            result.tables.append(table)
    finally:
        workbook.close()
    if not result.tables:
        result.problems.append(
            Problem(
                source,
                None,
                "",
                "no sheet has a header row with columns such as ID, Key Actions, Timescale, Lead, Agency Involvement",
            )
        )
    return result
