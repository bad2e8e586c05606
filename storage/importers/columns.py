"""Which column of a council's table means what, whatever the council called it.

Plans arrive with headers such as "ID", "Key Actions", "Timescale between Jun 16 – Oct 17",
"Lead officer" or "Agency Involvement", and our own export writes `action_id`, `title`, `due`.
Every reader (CSV, XLSX, DOCX) hands its header cells to `resolve_header`, so the same
synonyms work in every format and a header is reported the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Canonical column → the header spellings that mean it (normalised: lower case, words only).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "action_id": (
        "action id",
        "id",
        "ref",
        "reference",
        "action ref",
        "action reference",
        "action no",
        "action number",
        "no",
        "number",
        "ref no",
        "item",
    ),
    "priority": ("priority", "priority number", "priority no", "priority title", "priority area", "theme"),
    "finding_id": ("finding id", "finding", "finding ref", "finding no", "issue id", "issue ref", "issue no"),
    "finding_text": ("issue", "issues", "finding text", "issue text", "area for improvement", "ofsted finding"),
    "title": (
        "title",
        "key actions",
        "key action",
        "action",
        "actions",
        "action text",
        "description",
        "action description",
        "task",
        "what",
    ),
    "timescale": ("timescale", "timescales", "timeframe", "time frame", "timing", "when"),
    "start": ("start", "start date", "from", "begin", "starts"),
    "due": ("due", "due date", "deadline", "target date", "end date", "completion date", "by when", "end"),
    "recurrence": ("recurrence", "recurring", "repeat", "repeats", "frequency"),
    "lead": (
        "lead",
        "leads",
        "lead officer",
        "lead officers",
        "lead role",
        "lead roles",
        "action lead",
        "action owner",
        "owner",
        "owners",
        "responsible",
        "responsible officer",
        "accountable officer",
    ),
    "partners": (
        "partners",
        "partner",
        "partner agencies",
        "agency involvement",
        "agencies involved",
        "agencies",
        "agency",
        "involvement",
        "other agencies",
        "supported by",
    ),
    "completed": ("completed", "complete", "done", "completed flag"),
    # Columns our export writes that describe state, not the plan: recognised, never imported.
    "rag": ("rag", "rag status", "status", "brag"),
    "last_update": ("last update", "latest update", "update"),
    "last_update_at": ("last update at", "updated at", "last updated"),
}

# Headers that are a due date next to a Timescale column, but the timescale itself without one.
TIMESCALE_WHEN_ALONE = {"due", "deadline", "by when", "target date", "due date"}

# What a person would call each canonical column in an error message.
DISPLAY = {
    "action_id": "ID",
    "priority": "Priority",
    "finding_id": "Finding ID",
    "finding_text": "Issue",
    "title": "Key Actions",
    "timescale": "Timescale",
    "start": "Start",
    "due": "Due",
    "recurrence": "Recurrence",
    "lead": "Lead",
    "partners": "Agency Involvement",
    "completed": "Completed",
}

_LOOKUP = {spelling: canonical for canonical, spellings in SYNONYMS.items() for spelling in spellings}


def normalise_header(text: object) -> str:
    """'Issue (Ofsted Para & Rec)' → 'issue'; 'Lead(s)' → 'lead'; 'action_id' → 'action id'."""
    value = str(text or "").replace("\u00a0", " ")
    value = re.sub(r"\([^)]*\)", " ", value)
    value = value.lower().replace("_", " ").replace("-", " ")
    value = re.sub(r"[^a-z0-9 ]+", " ", value)
    return " ".join(value.split())


def match_header(text: object) -> str | None:
    """The canonical column a header cell means, or None.

    An exact synonym wins; otherwise the longest synonym the header starts with, so that
    "Timescale between Jun 16 – Oct 17" is the timescale and "Action ID" is not "action".
    """
    norm = normalise_header(text)
    if not norm:
        return None
    if norm in _LOOKUP:
        return _LOOKUP[norm]
    # the longest synonym followed by a space: look up each word-boundary prefix, longest first
    # (a few dict look-ups, not a scan of every synonym: every body cell of a large plan comes here)
    end = len(norm)
    while (end := norm.rfind(" ", 0, end)) > 0:
        if norm[:end] in _LOOKUP:
            return _LOOKUP[norm[:end]]
    return None


@dataclass
class Header:
    """A recognised header row: which cell index holds which canonical column."""

    index: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)  # canonical → the header as the file writes it
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # (canonical, kept, ignored)

    def name(self, canonical: str) -> str:
        """The column as the file calls it (for error messages), else its usual name."""
        return self.written.get(canonical) or DISPLAY.get(canonical, canonical)

    def has(self, canonical: str) -> bool:
        return canonical in self.index

    @property
    def is_plan_table(self) -> bool:
        """The header of a table of actions: the action text and an id, lead or date column, or
        any three plan columns (so a header missing a required column is still recognised, and
        the missing column reported, rather than the whole file being called unreadable)."""
        plan_columns = [c for c in self.index if c not in ("rag", "last_update", "last_update_at", "completed")]
        if self.has("title") and any(self.has(c) for c in ("action_id", "lead", "timescale", "due")):
            return True
        return len(plan_columns) >= 3


def resolve_header(cells: list[object]) -> Header:
    header = Header()
    normalised: dict[str, str] = {}
    for i, cell in enumerate(cells):
        canonical = match_header(cell)
        if canonical is None:
            continue
        written = " ".join(str(cell).split())
        if canonical in header.index:
            if written == header.written[canonical]:
                continue  # one merged header cell repeated across its columns
            header.duplicates.append((canonical, header.written[canonical], written))
            continue
        header.index[canonical] = i
        header.written[canonical] = written
        normalised[canonical] = normalise_header(cell)
    if "timescale" not in header.index and "due" in header.index and normalised["due"] in TIMESCALE_WHEN_ALONE:
        header.index["timescale"] = header.index.pop("due")
        header.written["timescale"] = header.written.pop("due")
    return header


def find_header(rows: list[list[object]], scan: int = 12) -> tuple[int, Header] | None:
    """The first row (0-based) within `scan` rows that reads as a plan table's header."""
    for i, row in enumerate(rows[:scan]):
        header = resolve_header(row)
        if header.is_plan_table:
            return i, header
    return None
