"""How big an imported file may be, and the checks that refuse a hostile one before it is read.

A plan is a few hundred rows, yet a 1.5 MB `.xlsx` can expand to 1.5 GB (a zip bomb) and a CSV
can hold a million rows; read naively, either takes minutes and gigabytes and then crashes. So
every file is measured before a parser sees it: its size on disk; for `.xlsx` and `.docx`
(zip packages) the uncompressed sizes the zip's central directory declares, summed, and each
member's compression ratio (Python's zipfile never inflates a member beyond its declared size,
so the declared sizes bound what openpyxl and python-docx can read); then the readers count rows
as they stream and stop at the limit, and every cell is measured. Each refusal is a `Problem`
that says what was too big, the limit, and the setting that raises it.

The defaults are generous for a real plan (the reference plan is 307 actions, under 1 MB) and
refuse the hostile files; `bot.config.Settings` reads them from `ACTIONBOT_IMPORT_*`.
"""

from __future__ import annotations

import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from storage.plan_store import Problem

# Apache POI's ZipSecureFile refuses members that inflate more than 100:1 (MIN_INFLATE_RATIO
# 0.01), after a grace for small members; real workbooks and documents stay far below that.
RATIO_GRACE_BYTES = 100_000
# A workbook or document has tens of parts; a zip of hundreds of thousands of empty members
# would cost memory before any member is read (zipfile builds one object per member).
MAX_ZIP_MEMBERS = 10_000


@dataclass(frozen=True)
class ImportLimits:
    """The limits every import applies; LIMIT_ENV names the environment variable for each."""

    max_bytes: int = 20_000_000
    max_unzipped_bytes: int = 100_000_000
    max_rows: int = 200_000
    max_cell_chars: int = 10_000
    max_zip_ratio: int = 100


# ImportLimits field → the environment variable that sets it (bot.config.Settings reads them).
LIMIT_ENV = {
    "max_bytes": "ACTIONBOT_IMPORT_MAX_BYTES",
    "max_unzipped_bytes": "ACTIONBOT_IMPORT_MAX_UNZIPPED_BYTES",
    "max_rows": "ACTIONBOT_IMPORT_MAX_ROWS",
    "max_cell_chars": "ACTIONBOT_IMPORT_MAX_CELL_CHARS",
    "max_zip_ratio": "ACTIONBOT_IMPORT_MAX_ZIP_RATIO",
}


DEFAULT_LIMITS = ImportLimits()


class UnreadableFile(Exception):
    """A file-level problem found while reading: the reader stops and the import lists it."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def raise_hint(setting: str) -> str:
    return f"raise {LIMIT_ENV[setting]} if the file is genuine"


def size_text(n: int) -> str:
    """A byte count as a person reads it: '1.5 GB', '20 MB', '812 KB'."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def check_file_size(path: Path, source: str, limits: ImportLimits) -> Problem | None:
    """Refuse a file bigger than `max_bytes` before reading a byte of it."""
    size = os.stat(path).st_size
    if size > limits.max_bytes:
        return Problem(
            source,
            None,
            "",
            f"the file is {size_text(size)}, over the limit of {size_text(limits.max_bytes)} "
            f"for an import: split it, or {raise_hint('max_bytes')}",
        )
    return None


def _declared_members(path: Path) -> int | None:
    """The member count the end-of-central-directory record declares (None if not found).

    Read from the file's tail before zipfile parses the directory, so a zip of a million empty
    members is refused without building a million objects.
    """
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        tail_len = min(size, 22 + 65_535)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (total,) = struct.unpack("<H", tail[at + 10 : at + 12])
    if total == 0xFFFF:  # zip64: the real count is elsewhere; zipfile finds it
        return None
    return total


def check_zip(path: Path, source: str, limits: ImportLimits, what: str) -> Problem | None:
    """Refuse a package that is not a zip, or that would expand beyond the limits.

    `what` names the format for the message (".xlsx workbook").
    """
    members = _declared_members(path)
    if members is not None and members > MAX_ZIP_MEMBERS:
        return Problem(
            source, None, "", f"not an ordinary {what}: it holds {members:,} parts (a workbook or document has tens)"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        empty = os.stat(path).st_size == 0
        why = "the file is empty" if empty else f"it is not a zip package ({exc})"
        return Problem(
            source,
            None,
            "",
            f"not a readable {what}: {why}; save it again from Excel or Word as {Path(source).suffix or 'that format'}",
        )
    if len(infos) > MAX_ZIP_MEMBERS:
        return Problem(
            source, None, "", f"not an ordinary {what}: it holds {len(infos):,} parts (a workbook or document has tens)"
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        return Problem(
            source,
            None,
            "",
            f"the file expands to {size_text(total)} when unzipped, over the limit of "
            f"{size_text(limits.max_unzipped_bytes)}: it is not an ordinary {what} (a zip bomb?); "
            f"{raise_hint('max_unzipped_bytes')}",
        )
    for info in infos:
        if info.file_size <= RATIO_GRACE_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_zip_ratio:
            return Problem(
                source,
                None,
                "",
                f"part {info.filename!r} expands {ratio:,.0f} times ({size_text(info.compress_size)} to "
                f"{size_text(info.file_size)}), over the limit of {limits.max_zip_ratio} times: it is not an "
                f"ordinary {what} (a zip bomb?); {raise_hint('max_zip_ratio')}",
            )
    return None


@dataclass
class RowCounter:
    """Counts rows as a reader streams them and stops the read at `limits.max_rows`."""

    source: str
    limits: ImportLimits
    count: int = 0

    def add(self, n: int = 1) -> None:
        self.count += n
        if self.count > self.limits.max_rows:
            raise UnreadableFile(
                Problem(
                    self.source,
                    None,
                    "",
                    f"the file has more than {self.limits.max_rows:,} rows, the limit for an import: "
                    f"split it, or {raise_hint('max_rows')}",
                )
            )


def cell_too_long(source: str, row: int | None, column: str, length: int, limits: ImportLimits) -> Problem:
    return Problem(
        source,
        row,
        column,
        f"the cell has {length:,} characters, over the limit of {limits.max_cell_chars:,}: "
        f"shorten it, or {raise_hint('max_cell_chars')}",
    )
