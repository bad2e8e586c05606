"""Reading a plan from CSV: our export, or a council's spreadsheet saved as CSV.

Excel saves CSV as UTF-8 with a byte-order mark, as UTF-16, or in the Windows code page, and in
some locales with semicolons; all of these are accepted so the council does not have to know
(`storage.importers.csv_text` reads the encoding and streams the records within the limits).
Row numbers are spreadsheet rows (the header is row 1), which is what a person opening the
file in Excel sees, even when a cell holds several lines.
"""

from __future__ import annotations

from pathlib import Path

from storage.import_limits import DEFAULT_LIMITS, ImportLimits
from storage.importers.columns import Header, find_header
from storage.importers.csv_text import count_records, detect_encoding, records
from storage.importers.table import ReadResult, SourceRow, SourceTable, is_blank, row_values
from storage.plan_store import Problem

DELIMITERS = (",", ";", "\t")
HEADER_SCAN = 12  # rows find_header looks at


def read_csv(path: str | Path, source: str | None = None, limits: ImportLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read a plan CSV. Raises UnreadableFile (from csv_text) for a file the limits refuse."""
    p = Path(path)
    source = source or str(path)
    encoding = detect_encoding(p, source)
    result = ReadResult(source)
    best: tuple[int, str, int, Header] | None = None
    for delimiter in DELIMITERS:
        head = [
            cells for _, cells in records(p, source, limits, encoding=encoding, delimiter=delimiter, first=HEADER_SCAN)
        ]
        found = find_header(head, scan=HEADER_SCAN)
        if found is not None and (best is None or len(found[1].index) > best[0]):
            best = (len(found[1].index), delimiter, *found)
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
    _, delimiter, header_index, header = best
    count_records(p, source, limits, encoding=encoding, delimiter=delimiter)
    table = SourceTable(source, header_index + 1, header)
    for number, cells in records(p, source, limits, encoding=encoding, delimiter=delimiter):
        if number <= header_index + 1:
            continue
        values = row_values(header, cells)
        if all(is_blank(v) for v in values.values()):
            continue
        table.rows.append(SourceRow(number, values))
    result.tables.append(table)
    return result
