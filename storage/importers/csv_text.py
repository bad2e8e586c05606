"""Reading any CSV the bot imports (plans, people, indicator readings): encoding, limits, cells.

Excel writes CSV in several encodings depending on how it is saved: "CSV UTF-8" (UTF-8 with a
byte-order mark), "Unicode Text" (UTF-16 with a mark), and plain "CSV" in the Windows code page
(cp1252 in the UK). The encoding is read from the byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32
LE/BE); without one, UTF-16 is recognised by its zero bytes, then UTF-8 is tried, then cp1252.
A file that is none of these is refused with a problem rather than read as mojibake.

Records are streamed, never held all at once: the file is first counted (the C parser only,
nothing kept) so a million-row file is refused at the row limit in a fraction of a second and
in constant memory. A cell over Python's own field limit is reported as a cell too long.

Exported CSV cells that would start a formula carry a leading apostrophe
(`storage.csv_cells.neutralise`); `storage.csv_cells.restore` takes it off again here, so an
export imports back to exactly the text that was exported.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

from storage.csv_cells import restore
from storage.import_limits import (
    ImportLimits,
    RowCounter,
    UnreadableFile,
    cell_too_long,
    check_file_size,
    raise_hint,
)
from storage.plan_store import Problem

# Longest mark first: the UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
NAMES = {"utf-32": "UTF-32", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}
_CHUNK = 1 << 20


def _decodes(path: Path, encoding: str) -> UnicodeDecodeError | None:
    """Whether the whole file decodes in `encoding`, checked in chunks (no copy of the file)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                exc.start += offset
                return exc
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return exc
    return None


def _utf16_without_mark(head: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: mostly ASCII, so every other byte is zero."""
    pairs = len(head) // 2
    if pairs < 4:
        return None
    odd = sum(1 for i in range(1, 2 * pairs, 2) if head[i] == 0)
    even = sum(1 for i in range(0, 2 * pairs, 2) if head[i] == 0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def detect_encoding(path: Path, source: str) -> str:
    """The encoding to read `path` in; raises UnreadableFile when it is not text we read."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    for mark, encoding in BOMS:
        if head.startswith(mark):
            error = _decodes(path, encoding)
            if error is None:
                return encoding
            raise UnreadableFile(
                Problem(
                    source,
                    None,
                    "",
                    f"the file starts with a {NAMES[encoding]} byte-order mark but is not valid {NAMES[encoding]} "
                    f"(at byte {error.start}): save it again from Excel as 'CSV UTF-8'",
                )
            )
    candidates = [c for c in (_utf16_without_mark(head), "utf-8", "cp1252") if c]
    first_error: UnicodeDecodeError | None = None
    for encoding in candidates:
        error = _decodes(path, encoding)
        if error is None:
            return encoding
        first_error = first_error or error
    at = f" (byte 0x{first_error.object[first_error.start]:02X} at offset {first_error.start})" if first_error else ""
    raise UnreadableFile(
        Problem(
            source,
            None,
            "",
            f"the file is not text in UTF-8, UTF-16 or Windows-1252{at}: is it a CSV? "
            "Save it from Excel as 'CSV UTF-8'",
        )
    )


def _allow_cells(limits: ImportLimits) -> None:
    """Let the csv module read cells up to the configured limit (its own default is 131,072).

    `csv.field_size_limit` is process-wide; it is only ever raised, to what the settings allow,
    so a reader elsewhere in the process can only be more permissive, never broken.
    """
    if csv.field_size_limit() <= limits.max_cell_chars:
        csv.field_size_limit(limits.max_cell_chars + 1)


def _reader(path: Path, encoding: str, delimiter: str) -> tuple[Iterator[list[str]], object]:
    fh = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by the caller
    return csv.reader(fh, delimiter=delimiter), fh


def _cell_limit_problem(source: str, row: int, limits: ImportLimits) -> Problem:
    longest = max(csv.field_size_limit(), limits.max_cell_chars)
    return Problem(
        source,
        row,
        "",
        f"a cell is longer than {longest:,} characters, over the limit of {limits.max_cell_chars:,}: "
        f"shorten it, or {raise_hint('max_cell_chars')}",
    )


def records(
    path: Path, source: str, limits: ImportLimits, *, encoding: str, delimiter: str = ",", first: int | None = None
) -> Iterator[tuple[int, list[str]]]:
    """The file's records as (row number, cells), cells with any export quote taken off.

    Row numbers count records from 1 (the row a person sees in Excel, whatever the cells'
    line breaks). `first` stops after that many records (to look for the header). Raises
    UnreadableFile for a cell over the csv module's limit or a record it cannot parse.
    """
    _allow_cells(limits)
    reader, fh = _reader(path, encoding, delimiter)
    number = 0
    try:
        rows = reader if first is None else itertools.islice(reader, first)
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise UnreadableFile(_cell_limit_problem(source, number + 1, limits)) from None
                raise UnreadableFile(Problem(source, number + 1, "", f"cannot read this row as CSV ({exc})")) from None
            number += 1
            yield number, [restore(c) for c in cells]
    finally:
        fh.close()


def count_records(path: Path, source: str, limits: ImportLimits, *, encoding: str, delimiter: str = ",") -> int:
    """Count the records, stopping with UnreadableFile past `limits.max_rows` (nothing kept)."""
    _allow_cells(limits)
    counter = RowCounter(source, limits)
    reader, fh = _reader(path, encoding, delimiter)
    try:
        try:
            for _ in reader:
                counter.add()
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise UnreadableFile(_cell_limit_problem(source, counter.count + 1, limits)) from None
            raise UnreadableFile(
                Problem(source, counter.count + 1, "", f"cannot read this row as CSV ({exc})")
            ) from None
    finally:
        fh.close()
    return counter.count


def read_rows(path: Path, source: str, limits: ImportLimits, *, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    """A whole small CSV (people, indicator readings) as (row number, cells), within the limits.

    Raises UnreadableFile for a file too large, not text, too many rows, or a cell too long.
    """
    problem = check_file_size(path, source, limits)
    if problem is not None:
        raise UnreadableFile(problem)
    encoding = detect_encoding(path, source)
    count_records(path, source, limits, encoding=encoding, delimiter=delimiter)
    rows = list(records(path, source, limits, encoding=encoding, delimiter=delimiter))
    for number, cells in rows:
        for cell in cells:
            if len(cell) > limits.max_cell_chars:
                raise UnreadableFile(cell_too_long(source, number, "", len(cell), limits))
    return rows
