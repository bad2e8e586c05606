"""`actionbot export`: one row per action, as CSV or XLSX, for the SIT's spreadsheet.

The columns are an interface (EXPORT_COLUMNS): the importer reads them back, so an exported
plan edited in Excel can be re-imported, and import(export(plan)) gives back the same plan.
The RAG and last update come from `bot.plan_state.load_state` as of the clock's now, so the
export agrees with `/status` and the highlight report. Files are written to a temporary file
and renamed, so a failure never leaves half a spreadsheet behind.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot.plan_state import load_state
from bot.views import LogLine
from cards.report_sheets import log_sheet
from domain.clock import Clock
from domain.vocabulary import RAG_LABELS
from storage import log_repo, repo
from storage.csv_cells import neutralise
from storage.db import session_scope, utc_aware

EXPORT_COLUMNS = (
    "action_id",
    "priority",
    "finding_id",
    "title",
    "timescale",
    "start",
    "due",
    "recurrence",
    "lead",
    "partners",
    "completed",
    "rag",
    "last_update",
    "last_update_at",
)
JOIN = " / "


def export_rows(engine: Engine, clock: Clock, plan_key: str | None = None) -> list[dict[str, object]]:
    """The plan's actions in plan order, one dict per action keyed by EXPORT_COLUMNS.

    Dates stay `date` objects and the update time a naive local `datetime`, so each writer
    formats them its own way (text in CSV, real dates in Excel).
    """
    with session_scope(engine) as session:
        plan = repo.active_plan(session, plan_key)
        state = load_state(session, plan, clock.now())
        zone = ZoneInfo(plan.timezone or "Europe/London")
        rows = []
        for s in state.actions:
            a = s.action
            finding = state.findings.get(a.finding_id)
            latest = s.latest
            rows.append(
                {
                    "action_id": a.ref,
                    "priority": a.priority_number,
                    "finding_id": finding.ref if finding else "",
                    "title": a.text,
                    "timescale": a.timescale,
                    "start": a.start,
                    "due": a.due,
                    "recurrence": a.recurrence or "",
                    "lead": JOIN.join(a.leads or []),
                    "partners": JOIN.join(a.partners or []),
                    "completed": "yes" if a.completed else "no",
                    "rag": RAG_LABELS.get(s.rag, s.rag),
                    "last_update": latest.note if latest else "",
                    "last_update_at": _local(latest.at, zone) if latest else None,
                }
            )
        return rows


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return utc_aware(at).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(rows: list[dict[str, object]], out: IO[str]) -> None:
    """The CSV export; cells that could start a formula are neutralised (storage.csv_cells)."""
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(_text(row[c])) for c in EXPORT_COLUMNS])


def log_lines(engine: Engine, plan_key: str | None = None) -> list[LogLine]:
    """The plan's risks and issues log, every line (open and closed), for the workbook's second sheet."""
    from bot.risk_log import line_of

    with session_scope(engine) as session:
        plan = repo.active_plan(session, plan_key)
        return [line_of(e) for e in log_repo.entries(session, plan.id)]


def write_xlsx(rows: list[dict[str, object]], path: Path, log: list[LogLine] | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(list(EXPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(EXPORT_COLUMNS, start=1):
            value = row[column]
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = ws.cell(row=r, column=c, value=value if value != "" else None)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            if column in ("title", "last_update"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"title": 80, "last_update": 40, "lead": 24, "partners": 30, "timescale": 18, "last_update_at": 17}
    for c, column in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = widths.get(column, 12)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    if log is not None:
        log_sheet(wb.create_sheet("Risks and issues"), log)
    wb.save(path)


def write_atomically(output: str | Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same directory, then rename over `output`."""
    target = Path(output)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def export_plan(engine: Engine, clock: Clock, *, fmt: str, output: str | None, plan_key: str | None) -> int:
    """Write the export; returns the process exit code (the CLI's `actionbot export`)."""
    try:
        rows = export_rows(engine, clock, plan_key)
    except repo.NoPlanError as exc:
        print(f"actionbot: {exc}", file=sys.stderr)
        return 1
    if fmt == "xlsx":
        if not output:
            print("actionbot: xlsx needs --output FILE", file=sys.stderr)
            return 2
        log = log_lines(engine, plan_key)
        write_atomically(output, lambda p: write_xlsx(rows, p, log))
    elif fmt == "csv":
        if output:
            buffer = io.StringIO(newline="")
            write_csv(rows, buffer)
            # UTF-8 with a byte-order mark, so Excel shows "–" and "’" as they are
            write_atomically(output, lambda p: p.write_text(buffer.getvalue(), encoding="utf-8-sig", newline=""))
        else:
            try:
                write_csv(rows, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # `actionbot export | head`: the reader has all it wants
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    else:
        print(f"actionbot: unknown export format {fmt!r}: use csv or xlsx", file=sys.stderr)
        return 2
    if output:
        print(f"wrote {len(rows)} actions to {output}", file=sys.stderr)
    return 0
