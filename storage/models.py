"""The tables. One set of models for SQLite (default) and PostgreSQL (production).

Derived state is not stored: an action's RAG is its latest `ActionUpdate`, so the audit trail
is the single source of truth and any past month can be recomputed from it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=80)
    title: str
    organisation: str = ""
    period_start: date | None = None
    period_end: date | None = None
    timezone: str = "Europe/London"
    version: str = ""
    governance_board: str = ""
    active: bool = True  # live: served by chat and the scheduler; False: archived (or imported, not yet live)
    created_at: datetime = Field(default_factory=utcnow)


class Role(SQLModel, table=True):
    """A lead role from the plan's abbreviation key (e.g. `DCS`), shared by every plan."""

    id: int | None = Field(default=None, primary_key=True)
    abbrev: str = Field(unique=True, index=True, max_length=80)
    title: str = ""
    extra: bool = False
    note: str = ""
    represented_by: str | None = Field(default=None, max_length=80)
    # a group lead such as "All HOS": the roles whose holders are its members (each may update)
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class Priority(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    title: str
    lead_officer: str = ""
    lead_roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    intro: str = ""
    identified_issues: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    expected_impact: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Finding(SQLModel, table=True):
    """What the plan calls an 'issue' (e.g. `4.2`), tied to Ofsted paragraphs."""

    __table_args__ = (UniqueConstraint("plan_id", "ref"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    priority_id: int = Field(foreign_key="priority.id", index=True)
    ref: str = Field(max_length=20)
    text: str = ""
    ofsted_refs: str = ""
    position: int = 0


class Action(SQLModel, table=True):
    """A key action (e.g. `4.2.1`). `due` moves only when an SIT admin accepts a new date."""

    __table_args__ = (UniqueConstraint("plan_id", "ref"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    priority_number: int = Field(index=True)
    ref: str = Field(max_length=20)
    position: int = 0
    text: str = ""
    timescale: str = ""
    start: date | None = None
    due: date | None = None
    original_due: date | None = None
    recurrence: str | None = Field(default=None, max_length=20)
    leads: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    partners: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    completed: bool = False
    decision: str = ""


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=80)
    name: str
    email: str | None = Field(default=None, index=True)
    aad_object_id: str | None = Field(default=None, index=True)
    manager_key: str | None = Field(default=None, max_length=80)
    delegate_key: str | None = Field(default=None, max_length=80)
    timezone: str = "Europe/London"
    sit_admin: bool = False
    performance_officer: bool = False
    away_from: date | None = None
    away_until: date | None = None
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    preferred_channel: str | None = Field(default=None, max_length=20)
    current_plan_key: str | None = Field(default=None, max_length=80)  # `use plan yj` in chat


class PersonIdentity(SQLModel, table=True):
    """A person's account on one chat channel: (channel, user id) → person key. Rows, not a
    column per platform, so a channel added later needs no migration; one account belongs to
    one person (unique channel + user id), a person may have one on each channel."""

    __tablename__ = "person_identity"
    __table_args__ = (UniqueConstraint("channel", "user_id", name="uq_person_identity_channel_user"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    user_id: str = Field(max_length=200)
    person_key: str = Field(max_length=80, index=True)


class ActionUpdate(SQLModel, table=True):
    """The append-only audit trail of RAG updates (database triggers refuse UPDATE/DELETE)."""

    __tablename__ = "action_update"
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    at: datetime = Field(index=True)
    author_key: str | None = Field(default=None, max_length=80)
    author_name: str = ""
    rag: str = Field(max_length=20)
    note: str = ""
    proposed_due: date | None = None
    channel: str = Field(default="", max_length=20)
    evidence: str | None = Field(default=None, max_length=200)  # a completion claim's evidence (domain.evidence)


class AuditEvent(SQLModel, table=True):
    """Every other change (due-date approvals, imports, people, snoozes, leave): append-only."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(default="", max_length=120)
    kind: str = Field(max_length=40, index=True)
    subject: str = Field(default="", max_length=120, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class LogEntry(SQLModel, table=True):
    """One line of a priority's risks and issues log (`R12`, `I3`: numbered per plan and kind).

    The row holds what the entry says now (open or closed); every add and close is also an
    `audit_event` (`risk.added`, `risk.closed`, `issue.added`, `issue.closed`), and `created_at` /
    `closed_at` let the report show the log as it stood at the end of any month."""

    __tablename__ = "log_entry"
    __table_args__ = (UniqueConstraint("plan_id", "kind", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    kind: str = Field(max_length=10)  # risk | issue
    number: int
    priority_number: int
    title: str = Field(max_length=300)
    impact: str = Field(default="", max_length=10)  # risks: high | medium | low
    likelihood: str = Field(default="", max_length=10)
    owner: str = Field(default="", max_length=80)
    mitigation: str = Field(default="", max_length=300)  # risks
    review: date | None = None  # risks: when to look at it again
    action: str = Field(default="", max_length=300)  # issues: what is being done
    due: date | None = None  # issues: by when
    status: str = Field(default="open", max_length=10)  # open | closed
    close_reason: str = Field(default="", max_length=300)
    created_at: datetime
    created_by: str = Field(default="", max_length=120)
    closed_at: datetime | None = None
    closed_by: str = Field(default="", max_length=120)


class Indicator(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=20)
    source_section: str = ""
    priority_number: int | None = None
    appendix_number: int | None = None
    heading: str = ""
    title: str = ""
    type: str = ""
    source: str = ""
    accumulation: str | None = None
    unit: str = ""
    higher_is_better: bool | None = None
    baseline: str | None = None
    previous: str | None = None
    target_16_17: str | None = None
    target_17_18: str | None = None
    national_average: str | None = None
    statistical_neighbours: str | None = None
    owner_role: str | None = None
    sub_measures: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decision: str = ""


class IndicatorReading(SQLModel, table=True):
    __tablename__ = "indicator_reading"
    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    period: date = Field(index=True)
    value: str
    numeric: float | None = None
    at: datetime
    author_key: str | None = None
    source: str = ""


class ChannelAddress(SQLModel, table=True):
    """How to reach a person or the SIT channel on a platform (e.g. a Teams conversation
    reference). Kept in the database so a restart or a second process can still send."""

    __tablename__ = "channel_address"
    __table_args__ = (UniqueConstraint("channel", "address_key"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    address_key: str = Field(max_length=200)  # "person:<key>" or "sit"
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    failed_at: datetime | None = None
    failure: str = ""


class SendLedger(SQLModel, table=True):
    """One row per message the bot means to send, claimed before sending (unique key)."""

    __tablename__ = "send_ledger"
    # a reply in a nudge's thread finds the nudge by (channel, message_ref): keep that a lookup, not a scan
    __table_args__ = (Index("ix_send_ledger_channel_message_ref", "channel", "message_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    kind: str = Field(max_length=40, index=True)
    recipient: str = Field(max_length=120)
    channel: str = Field(default="", max_length=20)
    due_at: datetime | None = None
    claimed_at: datetime
    claimed_by: str = Field(default="", max_length=120)
    sent_at: datetime | None = None
    attempts: int = 0
    status: str = Field(default="claimed", max_length=20, index=True)
    last_error: str = ""
    message_ref: str = ""
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Snooze(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    person_key: str = Field(max_length=80)
    until: date
    at: datetime


class Escalation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    to_person_key: str = Field(max_length=80)
    reason: str = Field(max_length=40)
    raised_at: datetime
    resolved_at: datetime | None = None


class SeenEvent(SQLModel, table=True):
    """Platform event ids already handled, so a retried delivery is handled once."""

    __tablename__ = "seen_event"
    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(unique=True, max_length=200)
    at: datetime


class SchedulerHeartbeat(SQLModel, table=True):
    """When each scheduler process last ran its tick, so `/healthz` (in any process) can tell a
    dead or stuck `clock` from a quiet one. One row per host and process kind (a restart on the
    same host reuses it); removed when the process stops cleanly."""

    __tablename__ = "scheduler_heartbeat"
    process: str = Field(primary_key=True, max_length=200)
    last_tick_at: datetime
    tick_seconds: float
    pid: int = 0
    leader: bool = False


class SignedLink(SQLModel, table=True):
    """A link the bot handed out (an email's one-click answer, a board member's sign-in).
    The token in the URL carries only this row's id, signed; what it grants, when it expires
    and whether it was used or revoked live here, so a link can be listed, revoked and used
    exactly once (`bot.signed_links`)."""

    __tablename__ = "signed_link"
    id: str = Field(primary_key=True, max_length=24)
    purpose: str = Field(max_length=40, index=True)
    person_key: str = Field(default="", max_length=80)
    name: str = Field(default="", max_length=120)
    plan_key: str | None = Field(default=None, max_length=40)
    subject: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    issued_at: datetime
    issued_by: str = Field(default="", max_length=120)
    expires_at: datetime
    single_use: bool = True
    used_at: datetime | None = None
    revoked_at: datetime | None = None
