"""Hostile and broken files: every one is a listed problem, never a traceback (issue #9).

Empty or non-zip workbooks, a cell over the csv module's 128 KB field limit, files over the
size, unzipped-size, ratio, row and cell limits, and the encodings Excel writes. The limits are
made small here so the files stay small; `tests/e2e/test_import_limits_cli.py` runs the real
command on the real hostile files with the default limits.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from bot.config import Settings
from storage.import_limits import DEFAULT_LIMITS, ImportLimits
from storage.importers import read_plan_file
from tests.plan_files import write_csv

HEADER = ["ID", "Key Actions", "Timescale", "Lead"]
ROW = ["1.1.1", "Appoint a permanent DCS", "Sep 16", "CEX"]


def only_problem(path: Path, limits: ImportLimits = DEFAULT_LIMITS) -> str:
    read = read_plan_file(path, limits)
    assert len(read.problems) == 1, read.problems
    return str(read.problems[0])


def xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def docx(path: Path, rows: list[list[str]]) -> Path:
    doc = Document()
    table = doc.add_table(rows=0, cols=len(rows[0]))
    for r in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, r, strict=True):
            cell.text = text
    doc.save(str(path))
    return path


# ----------------------------------------------------------------------------- not a zip


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
@pytest.mark.parametrize("content", [b"", b"ID,Key Actions\n1.1.1,x\n", b"PK\x03\x04 truncated"])
def test_an_empty_or_non_zip_package_is_a_listed_problem(tmp_path, suffix, content):
    path = tmp_path / f"plan{suffix}"
    path.write_bytes(content)
    message = only_problem(path)
    assert message.startswith(f"{path}: not a readable {suffix} ")
    assert "save it again" in message
    if not content:
        assert "the file is empty" in message


def test_a_zip_that_is_not_a_workbook_is_a_listed_problem(tmp_path):
    path = tmp_path / "plan.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert "not a readable .xlsx workbook" in only_problem(path)


# ----------------------------------------------------------------------------- cells


def test_a_csv_cell_over_128_kb_is_a_listed_problem_not_a_csv_error(tmp_path):
    path = write_csv(tmp_path / "plan.csv", HEADER, [ROW, ["1.1.2", "x" * 140_000, "Sep 16", "CEX"]])
    message = only_problem(path)
    assert message.startswith(f"{path}, row 3: a cell is longer than")
    assert "over the limit of 10,000" in message and "ACTIONBOT_IMPORT_MAX_CELL_CHARS" in message


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_a_cell_over_the_cell_limit_names_row_and_column(tmp_path, fmt):
    long = "y" * 10_001
    rows = [HEADER, ROW, ["1.1.2", "Do it", "Sep 16", long]]
    path = tmp_path / f"plan.{fmt}"
    if fmt == "csv":
        write_csv(path, rows[0], rows[1:])
    elif fmt == "xlsx":
        xlsx(path, rows)
    else:
        docx(path, rows)
    message = only_problem(path)
    source = f"{path}, table 1" if fmt == "docx" else str(path)
    assert message == (
        f"{source}, row 3, column 'Lead': the cell has 10,001 characters, over the limit of 10,000: "
        "shorten it, or raise ACTIONBOT_IMPORT_MAX_CELL_CHARS if the file is genuine"
    )


def test_the_cell_limit_can_be_raised_past_the_csv_modules_own(tmp_path):
    path = write_csv(tmp_path / "plan.csv", HEADER, [["1.1.1", "z" * 200_000, "Sep 16", "CEX"]])
    read = read_plan_file(path, ImportLimits(max_cell_chars=300_000))
    assert read.problems == []
    assert read.tables[0].rows[0].values["title"] == "z" * 200_000


# ----------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, fmt):
    path = tmp_path / f"plan.{fmt}"
    path.write_bytes(b"\0" * 5_000)  # not even a valid file: the size is checked first
    assert only_problem(path, ImportLimits(max_bytes=4_000)) == (
        f"{path}: the file is 5 KB, over the limit of 4 KB for an import: split it, or raise "
        "ACTIONBOT_IMPORT_MAX_BYTES if the file is genuine"
    )


def _with_big_member(path: Path, member: str, size: int) -> Path:
    """A real workbook or document plus a highly compressible part of `size` bytes."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, b" " * size)
    return path


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_a_package_that_unzips_past_the_limit_is_refused(tmp_path, fmt):
    path = tmp_path / f"plan.{fmt}"
    (xlsx if fmt == "xlsx" else docx)(path, [HEADER, ROW])
    _with_big_member(path, "padding.xml", 3_000_000)
    message = only_problem(path, ImportLimits(max_unzipped_bytes=2_000_000))
    assert re.search(r"the file expands to 3(\.\d)? MB when unzipped, over the limit of 2 MB", message)
    assert "ACTIONBOT_IMPORT_MAX_UNZIPPED_BYTES" in message


def test_a_member_that_inflates_too_far_is_refused(tmp_path):
    path = _with_big_member(xlsx(tmp_path / "plan.xlsx", [HEADER, ROW]), "padding.xml", 3_000_000)
    message = only_problem(path)  # 3 MB of spaces deflate about 1000:1; the default is 100
    assert "part 'padding.xml' expands" in message and "over the limit of 100 times" in message
    assert "ACTIONBOT_IMPORT_MAX_ZIP_RATIO" in message


def test_an_ordinary_workbook_is_within_the_default_limits(tmp_path):
    rows = [HEADER] + [[f"1.1.{i}", f"Action number {i} " * 5, "Sep 16", "CEX"] for i in range(1, 2_000)]
    read = read_plan_file(xlsx(tmp_path / "plan.xlsx", rows))
    assert read.problems == [] and len(read.tables[0].rows) == 1_999


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "docx"])
def test_more_rows_than_the_limit_are_refused(tmp_path, fmt):
    rows = [HEADER] + [[f"1.1.{i}", "Do it", "Sep 16", "CEX"] for i in range(1, 30)]
    path = tmp_path / f"plan.{fmt}"
    if fmt == "csv":
        write_csv(path, rows[0], rows[1:])
    elif fmt == "xlsx":
        xlsx(path, rows)
    else:
        docx(path, rows)
    assert only_problem(path, ImportLimits(max_rows=20)) == (
        f"{path}: the file has more than 20 rows, the limit for an import: split it, or raise "
        "ACTIONBOT_IMPORT_MAX_ROWS if the file is genuine"
    )
    assert read_plan_file(path, ImportLimits(max_rows=30)).problems == []


def test_the_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ACTIONBOT_IMPORT_MAX_BYTES", "1000")
    monkeypatch.setenv("ACTIONBOT_IMPORT_MAX_UNZIPPED_BYTES", "2000")
    monkeypatch.setenv("ACTIONBOT_IMPORT_MAX_ROWS", "30")
    monkeypatch.setenv("ACTIONBOT_IMPORT_MAX_CELL_CHARS", "40")
    monkeypatch.setenv("ACTIONBOT_IMPORT_MAX_ZIP_RATIO", "50")
    assert Settings(_env_file=None).import_limits == ImportLimits(1000, 2000, 30, 40, 50)
    monkeypatch.delenv("ACTIONBOT_IMPORT_MAX_BYTES")
    assert Settings(_env_file=None).import_limits.max_bytes == 20_000_000


# ----------------------------------------------------------------------------- merged cells (streaming read)


def test_merged_cells_are_filled_in_the_streaming_read(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Plan title"])
    ws.append(HEADER)
    ws.append(["1.1.1", "First", date(2016, 9, 30), "DCS"])
    ws.append(["1.1.2", "Second", None, None])
    ws.merge_cells("C3:C4")
    ws.merge_cells("D3:D4")
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    rows = read_plan_file(path).tables[0].rows
    assert [(r.number, r.values["lead"]) for r in rows] == [(3, "DCS"), (4, "DCS")]
    assert rows[1].values["timescale"].date() == date(2016, 9, 30)


# ----------------------------------------------------------------------------- encodings


TEXT = "ID,Key Actions,Timescale,Lead\r\n1.1.1,Review the DCS’s role – now,Sep 16,CEX\r\n"


@pytest.mark.parametrize(
    "encoded",
    [
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # Excel's "Unicode Text", with its byte-order mark
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no mark: recognised by its zero bytes
        TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
        codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"),
        TEXT.encode("cp1252"),  # plain "CSV" from Excel on Windows
    ],
    ids=[
        "utf8-bom",
        "utf8",
        "utf16",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le",
        "utf16be",
        "utf32le",
        "utf32be",
        "cp1252",
    ],
)
def test_csv_in_every_encoding_excel_writes_is_read(tmp_path, encoded):
    path = tmp_path / "plan.csv"
    path.write_bytes(encoded)
    read = read_plan_file(path)
    assert read.problems == []
    assert [r.values["title"] for r in read.tables[0].rows] == ["Review the DCS’s role – now"]


def test_bytes_that_are_no_text_encoding_are_a_listed_problem(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(b"ID,Key Actions,Timescale,Lead\n1.1.1,\x81\x8d\x90,Sep 16,CEX\n")
    assert only_problem(path) == (
        f"{path}: the file is not text in UTF-8, UTF-16 or Windows-1252 (byte 0x81 at offset 36): is it a CSV? "
        "Save it from Excel as 'CSV UTF-8'"
    )


def test_a_byte_order_mark_on_text_of_another_encoding_is_a_listed_problem(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + b"ID,Key Actions\n")  # odd length: not UTF-16
    assert "starts with a UTF-16 byte-order mark but is not valid UTF-16" in only_problem(path)


def test_a_docx_with_more_paragraphs_than_the_row_limit_is_refused_before_it_is_loaded(tmp_path):
    doc = Document()
    for i in range(25):
        doc.add_paragraph(f"Paragraph {i}")
    path = tmp_path / "plan.docx"
    doc.save(str(path))
    assert "the file has more than 20 rows" in only_problem(path, ImportLimits(max_rows=20))


def test_a_docx_table_cell_of_countless_paragraphs_is_refused(tmp_path):
    doc = Document()
    table = doc.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    cell = table.rows[1].cells[1]
    for i in range(60):
        cell.add_paragraph(f"- sub-action {i}")
    path = tmp_path / "plan.docx"
    doc.save(str(path))
    message = only_problem(path, ImportLimits(max_rows=5))
    assert "the tables hold more than 50 paragraphs, 10 for each row the limit allows" in message


def _rewrite(path: Path, parts: dict[str, bytes], edit: dict[str, tuple[bytes, bytes]] | None = None) -> Path:
    """A copy of the package at `path` with `parts` added or replaced and `edit` substitutions."""
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    for name, (old, new) in (edit or {}).items():
        members[name] = members[name].replace(old, new)
    members.update(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return path


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
LAX_RATIO = ImportLimits(max_zip_ratio=10_000)  # the repeated XML below deflates far beyond 100:1


def test_a_workbook_of_too_many_shared_strings_is_refused_before_openpyxl_loads_them(tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", [HEADER, ROW])
    strings = b"".join(b"<si><t>text %d</t></si>" % i for i in range(25))
    _rewrite(
        path,
        {"xl/sharedStrings.xml": b'<sst xmlns="' + MAIN + b'">' + strings + b"</sst>"},
        {
            "[Content_Types].xml": (
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ),
            "xl/_rels/workbook.xml.rels": (
                b"</Relationships>",
                b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            ),
        },
    )
    assert read_plan_file(path, ImportLimits(max_rows=13)).problems == []  # 25 texts ≤ 2 × 13
    assert only_problem(path, ImportLimits(max_rows=12)) == (
        f"{path}: the workbook holds more than 24 different texts, 2 for each row the limit allows: "
        "split it, or raise ACTIONBOT_IMPORT_MAX_ROWS if the file is genuine"
    )


def test_a_worksheet_row_wider_than_excel_allows_is_refused(tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", [HEADER, ROW])
    cells = b"<c><v>1</v></c>" * 16_385
    sheet = b'<worksheet xmlns="' + MAIN + b'"><sheetData><row r="1">' + cells + b"</row></sheetData></worksheet>"
    _rewrite(path, {"xl/worksheets/sheet1.xml": sheet})
    assert "a row of xl/worksheets/sheet1.xml has more than 16,384 cells, Excel's own limit" in only_problem(
        path, LAX_RATIO
    )


def test_a_styles_part_of_countless_elements_is_refused(tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", [HEADER, ROW])
    fonts = b"<font/>" * 200_001
    styles = b'<styleSheet xmlns="' + MAIN + b'"><fonts>' + fonts + b"</fonts></styleSheet>"
    _rewrite(path, {"xl/styles.xml": styles})
    assert only_problem(path, LAX_RATIO) == (
        f"{path}: part xl/styles.xml has more than 200,000 elements, far more than any workbook's: "
        "it is not an ordinary .xlsx workbook"
    )
