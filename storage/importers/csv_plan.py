"""Reading a plan from CSV: our export, or a council's spreadsheet saved as CSV.

Excel saves CSV as UTF-8 with a byte-order mark, or in the Windows code page, and in some
locales with semicolons; all of these are accepted so the council does not have to know.
Row numbers are spreadsheet rows (the header is row 1), which is what a person opening the
file in Excel sees, even when a cell holds several lines.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from storage.importers.columns import Header, find_header
from storage.importers.table import ReadResult, SourceRow, SourceTable, is_blank, row_values
from storage.plan_store import Problem

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t")


def decode(raw: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # every byte decodes; the header check below still applies


def read_csv(path: str | Path, source: str | None = None) -> ReadResult:
    source = source or str(path)
    text = decode(Path(path).read_bytes())
    result = ReadResult(source)
    best: tuple[int, list[list[str]], int, Header] | None = None
    for delimiter in DELIMITERS:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        found = find_header(rows)
        if found is not None and (best is None or len(found[1].index) > best[0]):
            best = (len(found[1].index), rows, *found)
    if best is None:
        result.problems.append(
            Problem(
                source,
                1,
                "",
                "no header row found: expected columns such as ID, Key Actions, Timescale, Lead, "
                "Agency Involvement (or action_id, title, timescale, lead, partners)",
            )
        )
        return result
    _, rows, header_index, header = best
    table = SourceTable(source, header_index + 1, header)
    for offset, cells in enumerate(rows[header_index + 1 :], start=header_index + 2):
        values = row_values(header, list(cells))
        if all(is_blank(v) for v in values.values()):
            continue
        table.rows.append(SourceRow(offset, values))
    result.tables.append(table)
    return result
