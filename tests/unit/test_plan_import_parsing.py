"""Reading plan files without a database: headers, names, and the shapes councils' files take."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook

from storage.importers import read_plan_file, slugify
from storage.importers.build import Context, build_plan, split_issue
from storage.importers.columns import match_header, resolve_header
from storage.importers.names import split_names
from storage.plan_store import Problem
from tests.plan_files import write_csv


def build(path: Path, context: Context | None = None, skip_invalid: bool = False):
    read = read_plan_file(path)
    assert read.problems == []
    return build_plan(read.tables, key="k", title="t", context=context or Context(), skip_invalid=skip_invalid)


def actions(built) -> dict[str, tuple]:
    return {
        a.ref: (a.text, a.timescale, a.start, a.due, a.recurrence, a.leads, a.partners, a.completed)
        for a in built.data.actions
    }


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Action ID", "action_id"),
        ("ID", "action_id"),
        ("action_id", "action_id"),
        ("Ref.", "action_id"),
        ("Key Actions", "title"),
        ("Action", "title"),
        ("title", "title"),
        ("Key actions / milestones", "title"),
        ("Issue\n(Ofsted Para & Rec)", "finding_text"),
        ("Timescale between\nJun 16 – Oct 17", "timescale"),
        ("TIMESCALE", "timescale"),
        ("Deadline", "due"),
        ("Due date", "due"),
        ("Lead", "lead"),
        ("Lead officer", "lead"),
        ("Lead(s)", "lead"),
        ("Action owner", "lead"),
        ("Agency Involvement", "partners"),
        ("Partners", "partners"),
        ("Partner agencies", "partners"),
        ("finding_id", "finding_id"),
        ("last_update_at", "last_update_at"),
        ("Comments", None),
        ("", None),
    ],
)
def test_headers_are_matched_flexibly(header, column):
    assert match_header(header) == column


def test_a_deadline_column_is_the_timescale_when_there_is_no_timescale_column():
    alone = resolve_header(["ID", "Action", "Deadline", "Lead"])
    assert alone.index == {"action_id": 0, "title": 1, "timescale": 2, "lead": 3}
    beside = resolve_header(["ID", "Action", "Timescale", "Due", "Lead"])
    assert beside.index == {"action_id": 0, "title": 1, "timescale": 2, "due": 3, "lead": 4}


def test_two_columns_meaning_the_same_are_reported(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["ID", "Action ID", "Action", "Timescale", "Lead"],
        [["1.1.1", "1.1.1", "Do", "Sep 16", "DCS"]],
    )
    built = build(path)
    assert built.fatal
    assert built.problems == [
        Problem(str(path), 1, "Action ID", "two columns mean action_id: 'ID' is used, this one is not")
    ]


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("DCS / HOS QI", ["DCS", "HOS QI"]),
        ("DCS/DPH", ["DCS", "DPH"]),
        ("Health, Police and Schools", ["Health", "Police", "Schools"]),
        ("DCS and DPH", ["DCS", "DPH"]),
        ("Task and finish group", ["Task and finish group"]),
        ("Schools and colleges", ["Schools and colleges"]),
        ("Health (CCG, GPs), Police", ["Health (CCG, GPs)", "Police"]),
        ("Health / Schools/Education / BSCB", ["Health", "Schools/Education", "BSCB"]),
        ("DCom\nHOS Placements and Brokerage\nHOS C&R", ["DCom", "HOS Placements and Brokerage", "HOS C&R"]),
        ("Health, Police\nSchools", ["Health", "Police", "Schools"]),
        ("• Health\n• Police", ["Health", "Police"]),
        ("HOS  QI", ["HOS QI"]),
        ("DCS; DCS", ["DCS"]),
        ("N/A", []),
        ("", []),
        ("  n/a ", []),
    ],
)
def test_lead_and_partner_cells_split_into_names(cell, names):
    assert split_names(cell) == names


def test_known_names_are_never_split():
    assert split_names("HOS Placements and Brokerage") == ["HOS Placements", "Brokerage"]
    assert split_names("HOS Placements and Brokerage", known={"HOS Placements and Brokerage"}) == [
        "HOS Placements and Brokerage"
    ]
    assert split_names("DCom, HOS Placements and Brokerage", known={"HOS Placements and Brokerage"}) == [
        "DCom",
        "HOS Placements and Brokerage",
    ]
    assert split_names("Schools/Education", known={"Schools/Education"}) == ["Schools/Education"]


def test_a_name_learned_from_a_spaced_slash_cell_protects_the_same_name_elsewhere(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["ID", "Action", "Timescale", "Lead", "Partners"],
        [
            ["1.1.1", "A", "Sep 16", "DCS", "Task and finish group / Schools/Education"],
            ["1.1.2", "B", "Sep 16", "DCS", "Schools/Education"],
        ],
    )
    got = actions(build(path))
    assert got["1.1.2"][6] == ["Schools/Education"]


# ----------------------------------------------------------------------------- issue cells and keys


def test_issue_cell_gives_the_finding_text_and_its_ofsted_references():
    assert split_issue("4.1 Thresholds (CIN and CP):\nThe application is inadequate\nPara 19 Rec 5", "4.1") == (
        "Thresholds (CIN and CP): The application is inadequate",
        "Para 19 Rec 5",
    )
    assert split_issue("Para 50 Rec 9", "10.6") == ("", "Para 50 Rec 9")


def test_plan_key_from_file_name():
    assert slugify("Bromley Improvement Plan (v2)") == "bromley-improvement-plan-v2"
    assert slugify("Plan – 2024/25") == "plan-2024-25"
    assert slugify("———") == "plan"


# ----------------------------------------------------------------------------- CSV shapes


def test_explicit_dates_take_precedence_over_the_timescale(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["action_id", "title", "timescale", "start", "due", "recurrence", "lead"],
        [
            ["1.1.1", "Dates win", "Sep 16", "", "2016-09-15", "", "DCS"],
            [
                "1.1.2",
                "Unreadable text, dates given",
                "By end Sep16 then quarterly prog",
                "",
                "30/09/2016",
                "quarterly",
                "DCS",
            ],
            ["1.1.3", "No dates: timescale parsed", "Jun – Sep 16", "", "", "", "DCS"],
            ["1.1.4", "Ongoing", "Ongoing", "", "", "ongoing", "DCS"],
        ],
    )
    got = actions(build(path))
    assert got["1.1.1"][1:5] == ("Sep 16", None, date(2016, 9, 15), None)
    assert got["1.1.2"][1:5] == ("By end Sep16 then quarterly prog", None, date(2016, 9, 30), "quarterly")
    assert got["1.1.3"][1:5] == ("Jun – Sep 16", date(2016, 6, 1), date(2016, 9, 30), None)
    assert got["1.1.4"][1:5] == ("Ongoing", None, None, "ongoing")


def test_priority_and_finding_columns_are_checked_against_the_id(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["Priority", "Finding", "ID", "Action", "Timescale", "Lead"],
        [
            ["Priority 2: Leadership", "2.1", "2.1.1", "Good", "Sep 16", "DCS"],
            ["3", "2.1", "2.1.2", "Wrong priority", "Sep 16", "DCS"],
            ["2", "2.2", "2.1.3", "Wrong finding", "Sep 16", "DCS"],
        ],
    )
    built = build(path)
    assert [(p.row, p.column, p.reason) for p in built.problems] == [
        (3, "Priority", "priority 3 does not match action id 2.1.2 (expected 2)"),
        (4, "Finding", "finding 2.2 does not match action id 2.1.3 (expected 2.1)"),
    ]
    assert [(p.number, p.title) for p in built.data.priorities] == [(2, "Leadership")]


def test_completed_marker_lead_titles_and_unknown_leads_become_roles(tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["ID", "Key Actions", "Timescale", "Lead", "Agency Involvement"],
        [
            ["1.1.1", "Appoint a DCS (completed)", "Sep 16", "Chief Executive", "N/A"],
            ["1.1.2", "Induct", "(completed)", "New Role", "Health, Police"],
        ],
    )
    context = Context(role_abbrevs={"CEX"}, role_titles={"chief executive": "CEX"})
    built = build(path, context)
    got = actions(built)
    assert got["1.1.1"] == ("Appoint a DCS", "Sep 16", date(2016, 9, 1), date(2016, 9, 30), None, ["CEX"], [], True)
    assert got["1.1.2"] == ("Induct", "(completed)", None, None, None, ["New Role"], ["Health", "Police"], True)
    assert [r.abbrev for r in built.data.roles] == ["New Role"]
    assert [(f.ref, f.priority_number) for f in built.data.findings] == [("1.1", 1)]
    assert [(p.number, p.title) for p in built.data.priorities] == [(1, "Priority 1")]


def test_semicolon_separated_windows_csv_with_title_rows_above_the_header(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(
        "Bromley action plan;;;\n;;;\nID;Key Actions;Timescale;Lead\n1.1.1;Review the DCS’s role – now;Sep 16;CEX\n".encode(
            "cp1252"
        )
    )
    built = build(path)
    assert built.problems == []
    assert actions(built)["1.1.1"][0] == "Review the DCS’s role – now"


def test_a_file_with_no_plan_header_is_unreadable(tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Name", "Email"], [["A", "a@example.invalid"]])
    assert [p.column for p in read_plan_file(path).problems] == [""]
    assert "no header row found" in read_plan_file(path).problems[0].reason


def test_old_binary_formats_are_refused_with_advice(tmp_path):
    path = tmp_path / "plan.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ValueError, match=r"save the file as \.xlsx"):
        read_plan_file(path)


# ----------------------------------------------------------------------------- XLSX shapes


def test_xlsx_with_a_sheet_per_priority_merged_lead_cells_and_a_title_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Priority 1"
    ws.append(["Priority One: Leadership"])
    ws.append(["ID", "Key Actions", "Deadline", "Lead officer"])
    ws.append(["1.1.1", "First", "30/09/2016", "DCS"])
    ws.append(["1.1.2", "Second", date(2016, 10, 31), None])
    ws.merge_cells("D3:D4")  # one lead for both actions
    ws2 = wb.create_sheet("Priority 2")
    ws2.append(["ID", "Key Actions", "Deadline", "Lead officer"])
    ws2.append(["2.1.1", "Third", "Sept 16", ""])
    path = tmp_path / "plan.xlsx"
    wb.save(path)

    built = build(path)

    assert actions(built)["1.1.2"] == ("Second", "2016-10-31", None, date(2016, 10, 31), None, ["DCS"], [], False)
    assert actions(built)["1.1.1"][3] == date(2016, 9, 30)
    assert built.problems == [Problem(f"{path}, sheet 'Priority 2'", 2, "Lead officer", "action 2.1.1 has no lead")]


# ----------------------------------------------------------------------------- DOCX shapes


def _docx_table(doc, header, rows):
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for r, row in enumerate(rows, start=1):
        for cell, text in zip(table.rows[r].cells, row, strict=True):
            for i, line in enumerate(text.split("\n")):
                if i == 0:
                    cell.paragraphs[0].text = line
                else:
                    cell.add_paragraph(line)
    return table


def test_docx_with_ids_in_the_action_text_merged_id_cells_and_several_actions_in_one_cell(tmp_path):
    doc = Document()
    doc.add_paragraph("Priority Four: Safeguarding – better help and protection")
    doc.add_paragraph("Lead officer: Head of Service Safeguarding and Care Planning")
    header = ["ID", "Issue (Ofsted Para & Rec)", "Key Actions", "Timescale", "Lead", "Agency Involvement"]
    table = _docx_table(
        doc,
        header,
        [
            [
                "4.1",
                "Thresholds: the application of thresholds is inadequate\nPara 19 Rec 5",
                "4.1.1 Devise a communication plan",
                "Sep 16",
                "All HOS",
                "Health\nPolice",
            ],
            ["", "", "4.1.2 Mandatory training on risk\n4.1.3 Draft a protocol", "Nov 16\nDec 16", "All HOS", "N/A"],
            ["", "", "and implement it immediately.", "", "", ""],
            [
                "4.2",
                "Strategy discussions are late",
                "4.2.1. Review strategy meetings. (completed)",
                "Jun – Sep 16",
                "HOS S&CP and GM CP Chairs",
                "Police",
            ],
        ],
    )
    table.cell(1, 0).merge(table.cell(3, 0))  # the finding's ID spans its rows
    table.cell(1, 1).merge(table.cell(3, 1))  # and so does its Issue
    doc.add_page_break()
    _docx_table(doc, ["x"] * 6, [])  # not the plan's: same width, no ids
    continued = doc.add_table(rows=1, cols=6)  # the plan table continued after a page break
    for cell, text in zip(
        continued.rows[0].cells, ["4.2.2", "", "Audit strategy meetings", "Oct 16", "HOS QI", "BSCB"], strict=True
    ):
        cell.text = text
    doc.add_paragraph("Key to abbreviations")
    _docx_table(doc, ["Abbreviation", "Meaning"], [["DCS", "Director"]])
    path = tmp_path / "plan.docx"
    doc.save(str(path))

    built = build(path)

    assert built.problems == []
    got = actions(built)
    assert list(got) == ["4.1.1", "4.1.2", "4.1.3", "4.2.1", "4.2.2"]
    assert got["4.1.1"] == (
        "Devise a communication plan",
        "Sep 16",
        date(2016, 9, 1),
        date(2016, 9, 30),
        None,
        ["All HOS"],
        ["Health", "Police"],
        False,
    )
    assert got["4.1.2"][:2] == ("Mandatory training on risk", "Nov 16")
    assert got["4.1.3"][:2] == ("Draft a protocol\nand implement it immediately.", "Dec 16")
    assert got["4.1.3"][6] == []
    assert got["4.2.1"] == (
        "Review strategy meetings.",
        "Jun – Sep 16",
        date(2016, 6, 1),
        date(2016, 9, 30),
        None,
        ["HOS S&CP", "GM CP Chairs"],
        ["Police"],
        True,
    )
    assert got["4.2.2"][5] == ["HOS QI"]
    f = {x.ref: (x.text, x.ofsted_refs) for x in built.data.findings}
    assert f["4.1"] == ("Thresholds: the application of thresholds is inadequate", "Para 19 Rec 5")
    assert f["4.2"] == ("Strategy discussions are late", "")
    p = built.data.priorities[0]
    assert (p.number, p.title, p.lead_officer) == (
        4,
        "Safeguarding – better help and protection",
        "Head of Service Safeguarding and Care Planning",
    )


def test_docx_cell_with_more_timescales_than_actions_is_a_problem(tmp_path):
    doc = Document()
    _docx_table(
        doc,
        ["ID", "Key Actions", "Timescale", "Lead"],
        [["1.1", "1.1.1 One\n1.1.2 Two", "Sep 16\nOct 16\nNov 16", "DCS"]],
    )
    path = tmp_path / "plan.docx"
    doc.save(str(path))
    built = build(path)
    assert built.problems == [
        Problem(
            f"{path}, table 1",
            2,
            "Timescale",
            "the cell lists 3 timescales for the 2 actions in this row: give one per action, or one for all",
        )
    ]


def test_docx_without_a_plan_table_is_unreadable(tmp_path):
    doc = Document()
    doc.add_paragraph("Just some words")
    path = tmp_path / "notes.docx"
    doc.save(str(path))
    problems = read_plan_file(path).problems
    assert len(problems) == 1 and "no table with a header row" in problems[0].reason


def test_a_broken_docx_is_reported_not_raised(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"not a zip")
    problems = read_plan_file(path).problems
    assert len(problems) == 1 and "not a readable .docx" in problems[0].reason


def test_repeated_header_rows_are_skipped_and_text_before_the_first_id_is_reported(tmp_path):
    header = ["ID", "Key Actions", "Timescale", "Lead"]
    path = write_csv(
        tmp_path / "p.csv",
        header,
        [
            ["1.1.1", "First", "Sep 16", "DCS"],
            header,  # the header again, as pasted from the next page
            ["1.2", "Preamble without an id\n1.2.1 Second", "Oct 16", "DCS"],
        ],
    )
    built = build(path)
    assert built.problems == [
        Problem(
            str(path),
            4,
            "Key Actions",
            "text before the first action id, belonging to no action: 'Preamble without an id'",
        )
    ]
    assert list(actions(built)) == ["1.1.1", "1.2.1"]
