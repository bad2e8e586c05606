"""Property tests of the file importers (issue #9), with hypothesis, on SQLite.

- Export → import reproduces a plan exactly, in CSV and in XLSX, whatever Unicode its action
  texts, leads and partners hold (including text that starts like a spreadsheet formula, which
  the CSV export neutralises and the importer restores).
- A CSV holding arbitrary Unicode text, or arbitrary bytes, imports or is refused with listed
  problems: never a traceback.

The generated texts avoid control and format characters (categories Cc and Cf: C0 controls,
bidi overrides) because the importer's text hygiene removes those on purpose, and are written
the way the importer stores text (trimmed, single spaces): the property is that nothing else
changes on the way through a file.
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from cards.plan_export import export_plan
from domain.clock import FixedClock
from domain.timescale import parse_timescale
from storage import repo
from storage.db import session_scope
from storage.importers import import_plan_file
from storage.importers.names import NOBODY, clean
from storage.models import Plan
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import PlanValidationError, save_plan

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)
_keys = itertools.count()
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TIMESCALES = ["Sep 16", "Jun – Sep 16", "By Apr 17", "From Aug 16", "Ongoing", "Annually", "Quarterly", "30/09/2016"]
FORMULA_PREFIXES = ["", "", "", "=", "+", "-", "@", "'=", "''-", '=HYPERLINK("http://x")&']

LETTERS = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"),
    exclude_characters="\u00a0",
)


def _as_stored(text: str) -> str:
    """Text as the importer keeps it: NFC, lines trimmed, single spaces, no empty lines."""
    lines = (" ".join(line.split()) for line in unicodedata.normalize("NFC", text).split("\n"))
    return "\n".join(line for line in lines if line)


def _a_text(draw, multiline: bool) -> str:
    prefix = draw(st.sampled_from(FORMULA_PREFIXES))
    body = draw(st.text(alphabet=st.one_of(LETTERS, st.just("\n")) if multiline else LETTERS, max_size=40))
    return _as_stored(prefix + body)


@st.composite
def action_texts(draw) -> str:
    text = _a_text(draw, multiline=True)
    # what the importer reads as part of the row rather than the text: a leading action id,
    # a trailing "(completed)" mark
    if not text or re.match(r"\s*\d+\.\d+", text) or re.search(r"\(\s*completed?\s*\)\s*\.?\s*$", text, re.I):
        return _as_stored("Do it " + text.replace("(", "["))
    return text


@st.composite
def names(draw) -> str:
    name = clean(_a_text(draw, multiline=False).replace(";", ",").replace("/", "|"))
    if not name or name.casefold() in NOBODY or clean(name) != name:
        return "Lead " + str(draw(st.integers(0, 99)))
    return name


@st.composite
def plans(draw) -> PlanData:
    key = f"gen-{next(_keys)}"
    refs = draw(
        st.lists(
            st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 12)), min_size=1, max_size=6, unique=True
        )
    )
    refs.sort()
    data = PlanData(key=key, title=f"Generated plan {key}")
    data.priorities = [PriorityRow(number=n, title=f"Priority {n}") for n in sorted({p for p, _, _ in refs})]
    data.findings = [FindingRow(ref=f"{p}.{f}", priority_number=p) for p, f in sorted({(p, f) for p, f, _ in refs})]
    for p, f, k in refs:
        timescale = draw(st.sampled_from(TIMESCALES))
        parsed = parse_timescale(timescale)
        data.actions.append(
            ActionRow(
                ref=f"{p}.{f}.{k}",
                finding_ref=f"{p}.{f}",
                priority_number=p,
                text=draw(action_texts()),
                timescale=timescale,
                start=parsed.start,
                due=parsed.due,
                recurrence=parsed.recurrence.value if parsed.recurrence else None,
                leads=draw(st.lists(names(), min_size=1, max_size=3, unique_by=str.casefold)),
                partners=draw(st.lists(names(), max_size=3, unique_by=str.casefold)),
                completed=draw(st.booleans()),
            )
        )
    return data


def fields(engine, key: str) -> list[tuple]:
    with Session(engine) as s:
        plan = s.exec(select(Plan).where(Plan.key == key)).one()
        return [
            (a.ref, a.text, a.timescale, a.start, a.due, a.recurrence, list(a.leads), list(a.partners), a.completed)
            for a in repo.plan_actions(s, plan.id)
        ]


def _round_trip(engine, tmp_path, plan: PlanData, fmt: str) -> None:
    clock = FixedClock(NOW)
    with session_scope(engine) as session:
        save_plan(session, plan, actor="test", now=NOW)
    out = tmp_path / f"{plan.key}.{fmt}"
    assert export_plan(engine, clock, fmt=fmt, output=str(out), plan_key=plan.key) == 0
    copy = f"{plan.key}-copy"

    import_plan_file(engine, clock, out, plan_key=copy)

    assert fields(engine, copy) == fields(engine, plan.key)
    expected = [
        (a.ref, a.text, a.timescale, a.start, a.due, a.recurrence, a.leads, a.partners, a.completed)
        for a in plan.actions
    ]
    assert fields(engine, plan.key) == expected


@SETTINGS
@given(plan=plans())
def test_csv_export_then_import_reproduces_the_plan(sqlite_engine, tmp_path, plan):
    _round_trip(sqlite_engine, tmp_path, plan, "csv")


@SETTINGS
@given(plan=plans())
def test_xlsx_export_then_import_reproduces_the_plan(sqlite_engine, tmp_path, plan):
    _round_trip(sqlite_engine, tmp_path, plan, "xlsx")


# ----------------------------------------------------------------------------- arbitrary files

HEADERS = ["ID", "Key Actions", "Timescale", "Lead", "Agency Involvement", "due", "completed", "priority"]
CELLS = st.one_of(
    st.text(max_size=30),  # any Unicode, controls included
    st.sampled_from(["1.1.1", "1.1.2", "2.3", "Sep 16", "Ongoing", "31/02/2017", "DCS / HOS QI", "yes", "N/A"]),
)


def _import_or_problems(engine, path) -> None:
    """The property: a summary, or PlanValidationError listing problems that read as text."""
    try:
        import_plan_file(engine, FixedClock(NOW), path, plan_key=f"any-{next(_keys)}")
    except PlanValidationError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert str(problem).startswith(str(path)) and problem.reason


@SETTINGS
@given(
    header=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6),
    rows=st.lists(st.lists(CELLS, max_size=8), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]),
)
def test_a_csv_of_arbitrary_unicode_imports_or_lists_problems(sqlite_engine, tmp_path, header, rows, encoding):
    path = tmp_path / "any.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    _import_or_problems(sqlite_engine, path)


@SETTINGS
@given(head=st.sampled_from([b"", b"ID,Key Actions,Timescale,Lead\n", b"\xef\xbb\xbf", b"\xff\xfe"]), body=st.binary())
def test_a_csv_of_arbitrary_bytes_imports_or_lists_problems(sqlite_engine, tmp_path, head, body):
    path = tmp_path / "bytes.csv"
    path.write_bytes(head + body)
    _import_or_problems(sqlite_engine, path)


def _valid_package(fmt: str) -> bytes:
    import io

    from docx import Document
    from openpyxl import Workbook

    buf = io.BytesIO()
    if fmt == "xlsx":
        wb = Workbook()
        wb.active.append(["ID", "Key Actions", "Timescale", "Lead"])
        wb.active.append(["1.1.1", "Do it", "Sep 16", "DCS"])
        wb.save(buf)
    else:
        doc = Document()
        table = doc.add_table(rows=2, cols=4)
        for cell, text in zip(table.rows[0].cells, ["ID", "Key Actions", "Timescale", "Lead"], strict=True):
            cell.text = text
        for cell, text in zip(table.rows[1].cells, ["1.1.1", "Do it", "Sep 16", "DCS"], strict=True):
            cell.text = text
        doc.save(buf)
    return buf.getvalue()


PACKAGES = {fmt: _valid_package(fmt) for fmt in ("xlsx", "docx")}


@SETTINGS
@given(
    fmt=st.sampled_from(["xlsx", "docx"]),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_a_damaged_workbook_or_document_lists_problems(tmp_path, fmt, cut, flips):
    """Truncated or corrupted packages (bad zips, bad deflate data, broken XML): problems, never a traceback."""
    from storage.importers import read_plan_file

    data = bytearray(PACKAGES[fmt])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    data = data[: max(1, int(len(data) * cut))] if cut < 1 else data
    path = tmp_path / f"damaged.{fmt}"
    path.write_bytes(bytes(data))
    read = read_plan_file(path)
    assert read.problems or read.tables
