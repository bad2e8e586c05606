"""Importing and exporting plans, on SQLite and on PostgreSQL.

The reference plan is the yardstick: exporting it and importing the export, or importing it
written out as a council's Word document, must give back every action exactly as the reviewed
YAML has it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session, func, select

from actionbot.cli import main
from cards.plan_export import EXPORT_COLUMNS, export_plan, export_rows, write_atomically
from domain.clock import FixedClock
from storage import repo
from storage.db import session_scope
from storage.importers import import_plan_file
from storage.models import Action, ActionUpdate, AuditEvent, Finding, Plan, Priority, Role
from storage.plan_data import PlanData
from storage.plan_store import PlanValidationError, Problem
from storage.reference import REFERENCE_KEY, load_reference_plan
from tests.conftest import database_url
from tests.plan_files import plan_docx, write_csv

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def reference() -> PlanData:
    return load_reference_plan()


def action_fields(a) -> tuple:
    return (a.ref, a.text, a.timescale, a.start, a.due, a.recurrence, list(a.leads), list(a.partners), a.completed)


def plan_actions(engine, key: str) -> list[tuple]:
    with Session(engine) as s:
        plan = s.exec(select(Plan).where(Plan.key == key)).one()
        return [action_fields(a) for a in repo.plan_actions(s, plan.id)]


def counts(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            m.__name__: s.exec(select(func.count()).select_from(m)).one()
            for m in (Plan, Priority, Finding, Action, Role, ActionUpdate, AuditEvent)
        }


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_of_export_gives_back_the_same_plan(reference_any_engine, reference, fmt, tmp_path):
    clock = FixedClock(NOW)
    out = tmp_path / f"plan.{fmt}"
    assert export_plan(reference_any_engine, clock, fmt=fmt, output=str(out), plan_key=None) == 0

    summary, skipped = import_plan_file(reference_any_engine, clock, out, plan_key="copy")

    assert skipped == []
    assert summary.created["action"] == len(reference.actions)
    expected = [action_fields(a) for a in reference.actions]
    assert plan_actions(reference_any_engine, "copy") == expected
    assert plan_actions(reference_any_engine, REFERENCE_KEY) == expected
    with Session(reference_any_engine) as s:
        copy = s.exec(select(Plan).where(Plan.key == "copy")).one()
        findings = {f.ref: f.priority_id for f in repo.plan_findings(s, copy.id)}
        priorities = {p.id: p.number for p in repo.plan_priorities(s, copy.id)}
        for a in repo.plan_actions(s, copy.id):
            assert priorities[findings[a.ref.rsplit(".", 1)[0]]] == a.priority_number


def test_xlsx_export_has_real_dates_and_the_columns(reference_any_engine, tmp_path):
    out = tmp_path / "plan.xlsx"
    export_plan(reference_any_engine, FixedClock(NOW), fmt="xlsx", output=str(out), plan_key=None)
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == list(EXPORT_COLUMNS)
    first = {h: c.value for h, c in zip(EXPORT_COLUMNS, ws[2], strict=True)}
    assert first["action_id"] == "1.1.1"
    assert first["due"] == datetime(2016, 9, 30)
    assert ws["G2"].number_format == "yyyy-mm-dd"


def test_docx_of_the_reference_plan_imports_to_the_same_plan(any_engine, reference, tmp_path):
    path = plan_docx(reference, tmp_path / "Bromley improvement plan.docx")

    summary, skipped = import_plan_file(any_engine, FixedClock(NOW), path)

    assert skipped == []
    assert summary.plan_key == "bromley-improvement-plan"
    assert plan_actions(any_engine, "bromley-improvement-plan") == [action_fields(a) for a in reference.actions]
    with Session(any_engine) as s:
        plan = s.exec(select(Plan).where(Plan.key == "bromley-improvement-plan")).one()
        assert plan.title == reference.title  # from the document's properties
        got_p = [(p.number, p.title, p.lead_officer) for p in repo.plan_priorities(s, plan.id)]
        got_f = [(f.ref, f.text, f.ofsted_refs) for f in repo.plan_findings(s, plan.id)]
    assert got_p == [(p.number, p.title, p.lead_officer) for p in reference.priorities]
    assert got_f == [(f.ref, f.text, f.ofsted_refs) for f in reference.findings]


# ----------------------------------------------------------------------------- bad files


MALFORMED_HEADER = ["ID", "Key Actions", "Timescale", "Due", "Lead officer"]
MALFORMED_ROWS = [
    ["1.1.1", "Appoint a permanent DCS", "Sep 16", "", "CEX"],
    ["1.1.2", "Induct the new DCS", "Septembre 16", "", "CEX"],  # bad timescale
    ["1.1.3", "Re-establish the meetings", "Apr 17", "31/02/2017", "CEX"],  # bad date
    ["1.1.1", "Appoint a permanent DCS again", "Sep 16", "", "CEX"],  # duplicate id
    ["1.2.1", "Recruit social workers", "Oct 16", "", ""],  # empty lead
    ["1.2.2", "Review caseloads", "Nov 16", "", "HOS S&CP"],
]


def test_malformed_csv_reports_every_problem_and_writes_nothing(reference_any_engine, tmp_path):
    header = [h for h in MALFORMED_HEADER if h != "Key Actions"]  # the action text column is missing
    rows = [[c for i, c in enumerate(r) if MALFORMED_HEADER[i] != "Key Actions"] for r in MALFORMED_ROWS]
    path = write_csv(tmp_path / "council plan.csv", header, rows)
    before = counts(reference_any_engine)

    with pytest.raises(PlanValidationError) as err:
        import_plan_file(reference_any_engine, FixedClock(NOW), path)

    src = str(path)
    assert err.value.problems == [
        Problem(src, 1, "title", "missing column: the action text (e.g. 'Key Actions', 'Action' or 'title')"),
        Problem(
            src,
            3,
            "Timescale",
            "cannot read timescale 'Septembre 16': expected e.g. 'Sep 16', 'Jun – Sep 16', 'By Apr 17', "
            "'From Aug 16', 'Ongoing', 'Annually' or a date such as 30/09/2016",
        ),
        Problem(src, 4, "Due", "cannot read date '31/02/2017': use YYYY-MM-DD or DD/MM/YYYY"),
        Problem(src, 5, "ID", "duplicate action id 1.1.1 (first at row 2)"),
        Problem(src, 6, "Lead officer", "action 1.2.1 has no lead"),
    ]
    assert counts(reference_any_engine) == before
    assert "council-plan" not in [p for (p,) in _plan_keys(reference_any_engine)]


def _plan_keys(engine):
    with engine.connect() as conn:
        return conn.execute(text("select key from plan")).all()


def test_bad_rows_fail_the_file_even_with_every_column(any_engine, tmp_path):
    path = write_csv(tmp_path / "plan.csv", MALFORMED_HEADER, MALFORMED_ROWS)
    with pytest.raises(PlanValidationError) as err:
        import_plan_file(any_engine, FixedClock(NOW), path)
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "Timescale"),
        (4, "Due"),
        (5, "ID"),
        (6, "Lead officer"),
    ]
    assert counts(any_engine)["Action"] == 0
    assert counts(any_engine)["Plan"] == 0


def test_skip_invalid_imports_the_good_rows(any_engine, tmp_path):
    path = write_csv(tmp_path / "plan.csv", MALFORMED_HEADER, MALFORMED_ROWS)

    summary, skipped = import_plan_file(any_engine, FixedClock(NOW), path, skip_invalid=True)

    assert [(p.row, p.column) for p in skipped] == [(3, "Timescale"), (4, "Due"), (5, "ID"), (6, "Lead officer")]
    assert summary.created["action"] == 2
    got = plan_actions(any_engine, "plan")
    assert got == [
        ("1.1.1", "Appoint a permanent DCS", "Sep 16", date(2016, 9, 1), date(2016, 9, 30), None, ["CEX"], [], False),
        ("1.2.2", "Review caseloads", "Nov 16", date(2016, 11, 1), date(2016, 11, 30), None, ["HOS S&CP"], [], False),
    ]
    with Session(any_engine) as s:
        assert [p.title for p in s.exec(select(Priority)).all()] == ["Priority 1"]


def test_skip_invalid_cannot_skip_a_missing_column(any_engine, tmp_path):
    path = write_csv(tmp_path / "plan.csv", ["ID", "Key Actions", "Timescale"], [["1.1.1", "Do it", "Sep 16"]])
    with pytest.raises(PlanValidationError) as err:
        import_plan_file(any_engine, FixedClock(NOW), path, skip_invalid=True)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "lead")]
    assert counts(any_engine)["Plan"] == 0


# ----------------------------------------------------------------------------- re-import


def test_reimport_of_an_edited_export_updates_in_place(reference_any_engine, reference, tmp_path):
    clock = FixedClock(NOW)
    with session_scope(reference_any_engine) as s:
        action = s.exec(select(Action).where(Action.ref == "4.2.1")).one()
        action_id, old_leads = action.id, list(action.leads)
        for i, rag in enumerate(["green", "amber"]):
            s.add(
                ActionUpdate(
                    action_id=action.id,
                    at=datetime(2016, 8, 1 + i, tzinfo=UTC),
                    author_key="hos-scp",
                    rag=rag,
                    note=f"update {i}",
                    channel="test",
                )
            )
        moved = s.exec(select(Action).where(Action.ref == "2.1.1")).one()
        moved_original = moved.due
        moved.due = date(2017, 1, 31)  # an SIT admin approved a new date
    out = tmp_path / "export.csv"
    export_plan(reference_any_engine, clock, fmt="csv", output=str(out), plan_key=REFERENCE_KEY)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    edited = next(r for r in rows if r["action_id"] == "4.2.1")
    assert edited["rag"] == "Amber" and edited["last_update"] == "update 1"
    assert next(r for r in rows if r["action_id"] == "2.1.1")["due"] == "2017-01-31"
    edited["lead"] = "HOS QI / DCS"
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    before = counts(reference_any_engine)

    summary, _ = import_plan_file(reference_any_engine, clock, out, plan_key=REFERENCE_KEY)

    assert summary.updated["action"] == 1
    assert summary.unchanged["action"] == len(reference.actions) - 1
    assert summary.created["action"] == 0
    assert summary.updated["priority"] == summary.updated["finding"] == 0  # titles and texts kept
    after = counts(reference_any_engine)
    assert after["Action"] == before["Action"] and after["Plan"] == before["Plan"]
    assert after["AuditEvent"] == before["AuditEvent"] + 1  # the import itself is recorded
    with Session(reference_any_engine) as s:
        action = s.get(Action, action_id)
        assert action.leads == ["HOS QI", "DCS"] != old_leads
        assert [u.note for u in s.exec(select(ActionUpdate).where(ActionUpdate.action_id == action_id))] == [
            "update 0",
            "update 1",
        ]
        moved = s.exec(select(Action).where(Action.ref == "2.1.1")).one()
        assert (moved.due, moved.original_due) == (date(2017, 1, 31), moved_original)


# ----------------------------------------------------------------------------- the command line


def _url(engine) -> str:
    return database_url(engine)


def test_cli_export_lists_every_reference_action_with_lead_and_due(reference_any_engine, reference, capsys):
    assert main(["--database-url", _url(reference_any_engine), "export", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [r["action_id"] for r in rows] == [a.ref for a in reference.actions]
    for row, a in zip(rows, reference.actions, strict=True):
        assert row["lead"].split(" / ") == a.leads, a.ref
        assert row["due"] == (a.due.isoformat() if a.due else ""), a.ref
        assert row["title"] == a.text


def test_cli_import_reports_problems_and_exit_code(reference_any_engine, tmp_path, capsys):
    url = _url(reference_any_engine)
    path = write_csv(tmp_path / "plan.csv", MALFORMED_HEADER, MALFORMED_ROWS)
    assert main(["--database-url", url, "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert f"{path}, row 6, column 'Lead officer': action 1.2.1 has no lead" in err
    assert main(["--database-url", url, "import", str(path), "--skip-invalid", "--plan-key", "mine"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("skipped: ") == 4
    assert "plan mine:" in captured.out and "actions: 2 new" in captured.out


def test_cli_xlsx_export_needs_output_and_writes_atomically(reference_any_engine, tmp_path, capsys):
    url = _url(reference_any_engine)
    assert main(["--database-url", url, "export", "--format", "xlsx"]) == 1
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / "plan.xlsx"
    assert main(["--database-url", url, "export", "--format", "xlsx", "--output", str(out)]) == 0
    assert [p.name for p in out_dir.iterdir()] == ["plan.xlsx"]  # no temporary file left
    assert load_workbook(out).active.max_row == len(export_rows(reference_any_engine, FixedClock(NOW))) + 1


def test_a_failed_export_leaves_the_previous_file_untouched(tmp_path):
    out = tmp_path / "plan.csv"
    out.write_text("last month's export")

    def fails_half_way(path: Path) -> None:
        path.write_text("action_id,priority\n1.1.1,")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(out, fails_half_way)
    assert out.read_text() == "last month's export"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]
