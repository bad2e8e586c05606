"""Hostile import files, generated quickly: a zip-bomb workbook and a million-row CSV.

Shared by the end-to-end test (`tests/e2e/test_import_limits_cli.py`) and the benchmark
(`bench/__main__.py`), so the file that is timed is the file that is tested.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_ROW = b'<row><c t="inlineStr"><is><t>1.1.1</t></is></c><c t="inlineStr"><is><t>Do it</t></is></c></row>'
_TAIL = b"</sheetData></worksheet>"


def zip_bomb_xlsx(path: Path, expanded_bytes: int = 300_000_000) -> Path:
    """A real workbook whose one sheet is `expanded_bytes` of well-formed rows, deflated ~150:1.

    Opened naively, openpyxl would build every one of those millions of cells.
    """
    wb = Workbook()
    wb.active.append(["ID", "Key Actions", "Timescale", "Lead"])
    template = path.with_suffix(".template.xlsx")
    wb.save(template)
    chunk = _ROW * 20_000
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            if info.filename != SHEET:
                out.writestr(info, src.read(info.filename))
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(_HEAD)
            written = len(_HEAD)
            while written < expanded_bytes:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(_TAIL)
    template.unlink()
    return path


def million_row_csv(path: Path, rows: int = 1_000_000) -> Path:
    """A plan CSV of `rows` short rows (about 17 MB: under the size limit, over the row limit)."""
    with open(path, "wb") as fh:
        fh.write(b"ID,Key Actions,Timescale,Lead\n")
        fh.write(b"1.1.1,a,Sep 16,C\n" * rows)
    return path
