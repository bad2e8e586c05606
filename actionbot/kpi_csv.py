"""`actionbot kpi import FILE`: indicator readings from a CSV with columns code, period, value.

Every row is checked before anything is written; one bad row means nothing is written and
every problem is reported with its row and column, as the plan importers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bot import indicators as kpi
from bot.periods import Period, parse_month
from domain.clock import Clock
from storage import repo
from storage.db import session_scope
from storage.import_limits import DEFAULT_LIMITS, ImportLimits, UnreadableFile
from storage.importers.csv_text import read_rows
from storage.plan_store import PlanValidationError, Problem

REQUIRED = ("code", "period", "value")


@dataclass(frozen=True)
class ImportResult:
    plan_key: str
    written: int
    periods: tuple[str, ...]

    def describe(self) -> str:
        months = ", ".join(self.periods)
        return f"plan {self.plan_key}: {self.written} indicator readings recorded ({months})"


def import_readings(
    engine: Engine,
    clock: Clock,
    path: str,
    *,
    plan_key: str | None = None,
    actor: str = "cli",
    limits: ImportLimits = DEFAULT_LIMITS,
) -> ImportResult:
    source = Path(path)
    if not source.is_file():
        raise PlanValidationError([Problem(path, None, "", "file not found")])
    try:
        rows = read_rows(source, path, limits)  # encodings and limits as for plan files
    except UnreadableFile as exc:
        raise PlanValidationError([exc.problem]) from None
    names = rows[0][1] if rows else []
    header = {name.strip().lower(): i for i, name in enumerate(names)}
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise PlanValidationError([Problem(path, 1, c, "missing column") for c in missing])
    raw = [
        (number, {k: (cells[i] if i < len(cells) else "").strip() for k, i in header.items()})
        for number, cells in rows[1:]
    ]
    now = clock.now()
    with session_scope(engine) as session:
        plan = repo.active_plan(session, plan_key)
        today = now.astimezone(ZoneInfo(plan.timezone or "Europe/London")).date()
        checked, problems = [], []
        seen: dict[tuple[str, str], int] = {}
        for row_no, row in raw:
            if not any(row.values()):
                continue
            indicator = kpi.find(session, plan, row["code"]) if row["code"] else None
            if indicator is None:
                close = kpi.suggestions(session, plan, row["code"]) if row["code"] else []
                hint = f" (did you mean {' or '.join(close)}?)" if close else ""
                reason = f"unknown indicator {row['code']!r}{hint}" if row["code"] else "empty code"
                problems.append(Problem(path, row_no, "code", reason))
            first = parse_month(row["period"]) if row["period"] else None
            if first is None:
                problems.append(Problem(path, row_no, "period", f"cannot read {row['period']!r}: use YYYY-MM"))
            elif first > today:
                problems.append(Problem(path, row_no, "period", f"{row['period']} is in the future"))
            value = kpi.parse_value(row["value"], indicator.unit if indicator else "")
            if isinstance(value, str):
                problems.append(Problem(path, row_no, "value", value))
            if indicator is None or first is None or isinstance(value, str) or first > today:
                continue
            key = (indicator.code, f"{first:%Y-%m}")
            if key in seen:
                problems.append(Problem(path, row_no, "code", f"{key[0]} {key[1]} is already given at row {seen[key]}"))
                continue
            seen[key] = row_no
            checked.append((indicator, Period.containing(first), value))
        if not checked and not problems:
            problems.append(Problem(path, None, "", "no readings in the file"))
        if problems:
            raise PlanValidationError(problems)
        for indicator, period, value in checked:
            kpi.record_reading(
                session,
                indicator,
                period,
                value,
                now=now,
                author_key=actor,
                source=f"csv:{source.name}",
                plan_key=plan.key,
            )
        periods = tuple(sorted({p.key for _, p, _ in checked}))
        return ImportResult(plan.key, len(checked), periods)
