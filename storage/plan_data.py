"""Plain records of a plan as read from a file, before it touches the database.

Every importer (reference YAML, CSV, XLSX, DOCX) produces a `PlanData`; `storage.plan_store`
is the one place that writes it, so every format gets the same upsert and validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class RoleRow:
    abbrev: str
    title: str = ""
    extra: bool = False
    note: str = ""
    represented_by: str | None = None
    members: list[str] = field(default_factory=list)  # a group lead: the roles whose holders belong to it


@dataclass
class PriorityRow:
    number: int
    title: str
    lead_officer: str = ""
    lead_roles: list[str] = field(default_factory=list)
    intro: str = ""
    identified_issues: list[str] = field(default_factory=list)
    expected_impact: list[str] = field(default_factory=list)


@dataclass
class FindingRow:
    ref: str
    priority_number: int
    text: str = ""
    ofsted_refs: str = ""


@dataclass
class ActionRow:
    ref: str
    finding_ref: str
    priority_number: int
    text: str = ""
    timescale: str = ""
    start: date | None = None
    due: date | None = None
    recurrence: str | None = None
    leads: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    completed: bool = False
    decision: str = ""


@dataclass
class PlanData:
    key: str
    title: str
    organisation: str = ""
    period_start: date | None = None
    period_end: date | None = None
    timezone: str = "Europe/London"
    version: str = ""
    governance_board: str = ""
    roles: list[RoleRow] = field(default_factory=list)
    priorities: list[PriorityRow] = field(default_factory=list)
    findings: list[FindingRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)


# A directory column `<channel>_user_id` (people import, the reference YAML) names the person's
# account on that channel: the files written before identities became rows still load, and a
# channel added later needs no new column name.
CHAT_ID_COLUMN = re.compile(r"^([a-z][a-z0-9]*)_user_id$")


@dataclass
class PersonRow:
    key: str
    name: str
    email: str | None = None
    roles: list[str] = field(default_factory=list)
    manager: str | None = None
    delegate: str | None = None
    timezone: str = "Europe/London"
    # channel → the person's account there; stored as person_identity rows. Directory files say
    # `<channel>_user_id` (CHAT_ID_COLUMN) or, in YAML, `identities: {<channel>: <id>}`.
    chat_ids: dict[str, str] = field(default_factory=dict)
    sit_admin: bool = False
    performance_officer: bool = False
    preferred_channel: str | None = None  # e.g. email: the channel delivery tries first


def split_ref(ref: str) -> tuple[int, str]:
    """'4.2.1' → (4, '4.2')."""
    parts = ref.split(".")
    return int(parts[0]), ".".join(parts[:2])


def chat_ids_of(record: dict) -> dict[str, str]:
    """A directory record's chat accounts: its `<channel>_user_id` columns and its `identities`
    mapping (channel → user id); blanks are left out."""
    found: dict[str, str] = {}
    for column, value in record.items():
        match = CHAT_ID_COLUMN.match(str(column).strip().lower())
        if match and value is not None and str(value).strip():
            found[match.group(1)] = str(value).strip()
    identities = record.get("identities")
    if isinstance(identities, dict):
        for channel, value in identities.items():
            if value is not None and str(value).strip():
                found[str(channel).strip().lower()] = str(value).strip()
    return found
