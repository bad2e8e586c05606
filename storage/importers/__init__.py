"""`actionbot import PLAN`: a council's own plan from CSV, XLSX or DOCX into the database.

The flow is the same for every format: a reader turns the file into tables of rows
(`csv_plan`, `xlsx_plan`, `docx_plan`), `build.build_plan` turns the rows into a `PlanData`
and lists every problem, and `storage.plan_store.save_plan` writes it, all inside one
`session_scope` — so a file with any problem writes nothing, unless the caller asked to skip
the bad rows.

Nothing in a file is trusted: before a reader runs, the file's size is checked, and each reader
applies `limits.ImportLimits` (zip sizes, rows) as it reads; afterwards every cell is measured.
Whatever a reader cannot read (a limit, a broken zip, bytes that are not text) comes back as a
listed `Problem`, like every other import error, never as a traceback.
"""

from __future__ import annotations

import csv
import importlib
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.clock import Clock
from storage import repo
from storage.bulk import collector_paused
from storage.db import session_scope
from storage.import_limits import DEFAULT_LIMITS, ImportLimits, UnreadableFile, cell_too_long, check_file_size
from storage.importers.build import Context, ExistingPlan, build_plan
from storage.importers.table import ReadResult
from storage.models import Action, Finding, Plan, Priority, Role
from storage.plan_data import FindingRow, PriorityRow
from storage.plan_store import ImportSummary, PlanValidationError, Problem, save_plan

# suffix → (module, reader): a reader's module is imported when a file needs it, so a CSV import
# never loads openpyxl or python-docx (about a second of a command's start-up between them)
READERS = {
    ".csv": ("storage.importers.csv_plan", "read_csv"),
    ".txt": ("storage.importers.csv_plan", "read_csv"),
    ".xlsx": ("storage.importers.xlsx_plan", "read_xlsx"),
    ".xlsm": ("storage.importers.xlsx_plan", "read_xlsx"),
    ".docx": ("storage.importers.docx_plan", "read_docx"),
}
OLD_FORMATS = {".xls": ".xlsx", ".doc": ".docx"}


def slugify(text: str) -> str:
    """'Bromley Action Plan (v2)' → 'bromley-action-plan-v2': a plan key from a file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "plan"


# What a parser may raise on a corrupt file (a zip whose member is not deflate data, XML that is
# not well formed, a part that is missing): reported as "cannot read", never as a traceback.
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    csv.Error,
    EOFError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    SyntaxError,
    UnicodeError,
    ValueError,
)


def read_plan_file(path: str | Path, limits: ImportLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read any supported format into tables, within `limits`.

    Raises ValueError for a format we do not read and FileNotFoundError for a missing file;
    everything wrong with the file itself is in the result's `problems`.
    """
    p = Path(path)
    source = str(path)
    suffix = p.suffix.lower()
    if suffix in OLD_FORMATS:
        raise ValueError(f"{suffix} is the old binary format: save the file as {OLD_FORMATS[suffix]} and import that")
    where = READERS.get(suffix)
    if where is None:
        raise ValueError(f"cannot import {suffix or 'a file without an extension'}: use .csv, .xlsx or .docx")
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    reader = getattr(importlib.import_module(where[0]), where[1])
    problem = check_file_size(p, source, limits)
    if problem is not None:
        return ReadResult(source, problems=[problem])
    try:
        read = reader(p, source, limits)
    except UnreadableFile as exc:
        return ReadResult(source, problems=[exc.problem])
    except READ_ERRORS as exc:
        what = {".csv": "CSV file", ".txt": "CSV file", ".docx": ".docx document"}.get(suffix, ".xlsx workbook")
        reason = f"not a readable {what} ({type(exc).__name__}: {str(exc)[:200]}); save it again and import that"
        return ReadResult(source, problems=[Problem(source, None, "", reason)])
    read.problems.extend(long_cells(read, limits))
    return read


def long_cells(read: ReadResult, limits: ImportLimits) -> list[Problem]:
    """Every cell of a plan column longer than `limits.max_cell_chars`, by table, row and column."""
    problems = []
    for table in read.tables:
        for row in table.rows:
            for canonical, value in row.values.items():
                if isinstance(value, str) and len(value) > limits.max_cell_chars:
                    column = table.header.name(canonical)
                    problems.append(cell_too_long(table.source, row.number, column, len(value), limits))
    return problems


def load_context(session: Session, plan_key: str) -> Context:
    """What the database already knows that the importer should keep or recognise."""
    roles = session.exec(select(Role)).all()
    context = Context(
        role_abbrevs={r.abbrev for r in roles},
        role_titles={" ".join(r.title.split()).casefold(): r.abbrev for r in roles if r.title},
    )
    context.names_in_use = repo.names_in(session, Action.leads) | repo.names_in(session, Action.partners)
    plan = session.exec(select(Plan).where(Plan.key == plan_key)).first()
    if plan is None:
        return context
    existing = ExistingPlan(title=plan.title)
    numbers = {}
    for p in session.exec(select(Priority).where(Priority.plan_id == plan.id)).all():
        numbers[p.id] = p.number
        existing.priorities[p.number] = PriorityRow(
            number=p.number,
            title=p.title,
            lead_officer=p.lead_officer,
            lead_roles=list(p.lead_roles or []),
            intro=p.intro,
            identified_issues=list(p.identified_issues or []),
            expected_impact=list(p.expected_impact or []),
        )
    for f in session.exec(select(Finding).where(Finding.plan_id == plan.id)).all():
        existing.findings[f.ref] = FindingRow(
            ref=f.ref, priority_number=numbers[f.priority_id], text=f.text, ofsted_refs=f.ofsted_refs
        )
    columns = select(Action.ref, Action.decision, Action.due, Action.original_due)  # rows, not ORM objects
    for ref, decision, due, original_due in session.exec(columns.where(Action.plan_id == plan.id)).all():
        existing.decisions[ref] = decision
        existing.dues[ref] = (due, original_due)
    context.existing = existing
    return context


def import_plan_file(
    engine: Engine,
    clock: Clock,
    path: str | Path,
    *,
    plan_key: str | None = None,
    title: str | None = None,
    skip_invalid: bool = False,
    actor: str = "cli",
    limits: ImportLimits = DEFAULT_LIMITS,
    on_stage: Callable[[str], None] | None = None,
) -> tuple[ImportSummary, list[Problem]]:
    """Import a plan file as plan `plan_key` (default: the file name, slugified).

    Returns the summary and the problems of the rows left out (only with `skip_invalid`).
    Raises PlanValidationError listing every problem when anything is wrong (and writes
    nothing), or when the file as a whole cannot be read even with `skip_invalid`.
    `on_stage` is told as each of the three stages starts (the command line's progress bar).
    """
    stage = on_stage or (lambda _name: None)
    source = str(path)
    with collector_paused():
        stage("reading the file")
        read = read_plan_file(path, limits)
        if read.problems:
            raise PlanValidationError(read.problems)
        key = plan_key or slugify(Path(path).stem)
        with session_scope(engine) as session:
            context = load_context(session, key)
            plan_title = title or (context.existing.title if context.existing else "") or read.title or Path(path).stem
            stage("checking every row")
            built = build_plan(read.tables, key=key, title=plan_title, context=context, skip_invalid=skip_invalid)
            if built.fatal or (built.problems and not skip_invalid):
                raise PlanValidationError(built.problems)
            if not built.data.actions:
                raise PlanValidationError([*built.problems, Problem(source, None, "", "no actions to import")])
            stage(f"saving {len(built.data.actions)} actions")
            try:  # save_plan validates the whole plan before it writes anything
                summary = save_plan(session, built.data, actor=actor, now=clock.now(), source=source)
            except PlanValidationError as late:
                raise PlanValidationError(built.problems + late.problems) from None
    return summary, built.problems


__all__ = ["ImportLimits", "PlanValidationError", "import_plan_file", "read_plan_file", "slugify"]
