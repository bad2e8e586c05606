"""What every reader hands the plan builder: tables of rows keyed by canonical column.

CSV, XLSX and DOCX differ in how cells are stored (text, typed values, merged Word cells), not
in what a plan row means, so each reader only translates its format into `SourceTable`s and
`storage.importers.build` turns those into a `PlanData` the same way for all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.importers.columns import Header
from storage.plan_store import Problem


@dataclass
class SourceRow:
    """One row as the person sees it: `number` is the row they would look for in the file."""

    number: int
    values: dict[str, object]
    continues_previous: bool = False  # Word: the ID cell is merged down from the row above


@dataclass
class PriorityHint:
    """A priority named around a table ("Priority Four: Safeguarding …", "Lead officer: …")."""

    number: int | None
    title: str = ""
    lead_officer: str = ""


@dataclass
class SourceTable:
    source: str  # "plan.csv", "plan.xlsx, sheet 'Actions'", "plan.docx, table 4"
    header_row: int
    header: Header
    rows: list[SourceRow] = field(default_factory=list)
    priority: PriorityHint | None = None


@dataclass
class ReadResult:
    """A whole file: its plan tables, a title if the file carries one, file-level problems."""

    source: str
    tables: list[SourceTable] = field(default_factory=list)
    title: str = ""
    problems: list[Problem] = field(default_factory=list)


def row_values(header: Header, cells: list[object]) -> dict[str, object]:
    """Pick the recognised columns out of a row's cells (cells beyond the row's end are empty)."""
    return {canonical: (cells[i] if i < len(cells) else None) for canonical, i in header.index.items()}


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
