"""Reading a plan from an Excel workbook (openpyxl).

Councils keep plans as one sheet, or one sheet per priority, often with a title row above the
header and with the Issue, Lead or Timescale cell merged down over several actions. Every
sheet with a recognisable header is read; a merged cell's value is given to every row it
covers, so each action gets the lead the person sees next to it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from storage.importers.columns import find_header
from storage.importers.table import ReadResult, SourceRow, SourceTable, is_blank, row_values
from storage.plan_store import Problem


def cell_value(value: object) -> object:
    """Dates stay dates; whole numbers lose their '.0'; everything else becomes text."""
    if value is None or isinstance(value, bool | datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: str | Path, source: str | None = None) -> ReadResult:
    source = source or str(path)
    result = ReadResult(source)
    try:
        workbook = load_workbook(path, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        result.problems.append(Problem(source, None, "", f"not a readable .xlsx workbook ({exc})"))
        return result
    try:
        result.title = (workbook.properties.title or "").strip()
        several = len(workbook.worksheets) > 1
        for sheet in workbook.worksheets:
            grid = [[cell_value(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            for merged in sheet.merged_cells.ranges:
                top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(grid) else None
                for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
                    row = grid[r - 1]
                    for c in range(merged.min_col, merged.max_col + 1):
                        if c - 1 < len(row):
                            row[c - 1] = top
            found = find_header(grid)
            if found is None:
                continue
            header_index, header = found
            name = f"{source}, sheet {sheet.title!r}" if several else source
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
