"""Writes a `PlanData` (from any importer) to the database: validated whole, then upserted.

Validation runs before anything is written, and the caller's session scope is one transaction,
so a bad file leaves the database exactly as it was. Re-importing updates rows in place, keyed
by plan key and action id, so the update history attached to each action survives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from domain import action_ids
from storage import repo
from storage.bulk import current_rows, upsert_rows
from storage.models import Action, AuditEvent, Finding, Indicator, Person, Plan, Priority, Role
from storage.plan_data import PersonRow, PlanData

Row = TypeVar("Row", bound=SQLModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, said so a person can fix it."""

    source: str
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = self.source + (f", row {self.row}" if self.row is not None else "")
        col = f", column {self.column!r}" if self.column else ""
        return f"{where}{col}: {self.reason}"


class PlanValidationError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))


# what an action row holds, compared on re-import (`plan_id` and `ref` are how it is found)
ACTION_COLUMNS = ("plan_id", "finding_id", "priority_number", "position", "text", "timescale", "start", "due",
                  "original_due", "recurrence", "leads", "partners", "completed", "decision")

PEOPLE = "people"  # the summary of a people import is not about a plan
PLURAL = {"priority": "priorities", "person": "people"}


@dataclass
class ImportSummary:
    plan_key: str
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    live: bool | None = None  # a plan import: whether the plan is live afterwards (None: people)
    new_plan: bool = False

    def describe(self) -> str:
        kinds = ["priority", "finding", "action", "role", "indicator", "person"]
        parts = []
        for kind in kinds:
            c, u, s = self.created[kind], self.updated[kind], self.unchanged[kind]
            if c or u or s:
                parts.append(f"{PLURAL.get(kind, kind + 's')}: {c} new, {u} updated, {s} unchanged")
        subject = "people directory" if self.plan_key == PEOPLE else f"plan {self.plan_key}"
        return f"{subject}: " + "; ".join(parts) + self._liveness()

    def _liveness(self) -> str:
        """Say what the import did to which plans are live, so it is never a surprise."""
        if self.live is None:
            return ""
        verb = "imported" if self.new_plan else "updated"
        if self.live:
            return f"\nplan {self.plan_key} {verb}, live"
        return (
            f"\nplan {self.plan_key} {verb}, not live: "
            f"`actionbot plan activate {self.plan_key}` to make it live"
        )


def validate(data: PlanData, source: str = "plan") -> list[Problem]:
    problems: list[Problem] = []
    finding_refs = {f.ref for f in data.findings}
    numbers = {p.number for p in data.priorities}
    seen: dict[str, int] = {}
    for i, a in enumerate(data.actions, start=1):
        row = getattr(a, "source_row", None) or i
        if not a.ref:
            problems.append(Problem(source, row, "action_id", "empty action id"))
            continue
        if action_ids.canonical(a.ref) != a.ref:  # every importer writes the one spelling of the one grammar
            problems.append(Problem(source, row, "action_id", f"{a.ref!r} is not {action_ids.DESCRIPTION}"))
            continue
        if a.ref in seen:
            problems.append(
                Problem(source, row, "action_id", f"duplicate action id {a.ref} (first seen at row {seen[a.ref]})")
            )
        seen.setdefault(a.ref, row)
        if not a.leads or not any(x.strip() for x in a.leads):
            problems.append(Problem(source, row, "lead", f"action {a.ref} has no lead"))
        if a.finding_ref not in finding_refs:
            problems.append(Problem(source, row, "finding_id", f"action {a.ref}: unknown finding {a.finding_ref}"))
        if a.priority_number not in numbers:
            problems.append(Problem(source, row, "priority", f"action {a.ref}: unknown priority {a.priority_number}"))
        if a.start and a.due and a.start > a.due:
            problems.append(Problem(source, row, "start", f"action {a.ref}: start {a.start} is after due {a.due}"))
    return problems


def save_plan(
    session: Session,
    data: PlanData,
    *,
    actor: str,
    now: datetime,
    source: str = "plan",
    activate: bool | None = None,
) -> ImportSummary:
    """Write a plan (new, or the same key again: updated in place) and say what changed.

    Importing never silently changes which plans are live: a new plan is live only when no
    plan is live yet (the first import of a deployment), otherwise it arrives not live; a
    re-import keeps the plan's status. `activate=True` or `False` asks for one explicitly
    (the demo data does); other plans are never touched here (`storage.plan_status` is where
    an SIT admin activates and archives).
    """
    problems = validate(data, source)
    if problems:
        raise PlanValidationError(problems)
    summary = ImportSummary(data.key)
    plan = session.exec(select(Plan).where(Plan.key == data.key)).first()
    plan_fields = dict(
        title=data.title,
        organisation=data.organisation,
        period_start=data.period_start,
        period_end=data.period_end,
        timezone=data.timezone,
        version=data.version,
        governance_board=data.governance_board,
    )
    if plan is None:
        live = activate if activate is not None else not repo.live_plans(session)
        plan = Plan(key=data.key, active=live, **plan_fields)
        session.add(plan)
        summary.new_plan = True
    else:
        for k, v in plan_fields.items():
            if v not in (None, ""):
                setattr(plan, k, v)
        if activate is not None:
            plan.active = activate
    summary.live = plan.active
    session.flush()

    counts = (summary.created, summary.updated, summary.unchanged)
    role_rows = [
        dict(
            abbrev=r.abbrev,
            title=r.title,
            extra=r.extra,
            note=r.note,
            represented_by=r.represented_by,
            members=list(r.members),
        )
        for r in data.roles
    ]
    if role_rows:
        stored_roles = current_rows(session, Role, "abbrev", role_rows[0])
        upsert_rows(session, Role, "abbrev", stored_roles, role_rows, counts, "role")

    priorities = {p.number: p for p in session.exec(select(Priority).where(Priority.plan_id == plan.id)).all()}
    for p in data.priorities:
        priorities[p.number] = _upsert(
            session,
            summary,
            "priority",
            priorities.get(p.number),
            Priority,
            dict(
                plan_id=plan.id,
                number=p.number,
                title=p.title,
                lead_officer=p.lead_officer,
                lead_roles=p.lead_roles,
                intro=p.intro,
                identified_issues=p.identified_issues,
                expected_impact=p.expected_impact,
            ),
        )
    session.flush()

    finding_rows = [
        dict(
            plan_id=plan.id,
            priority_id=priorities[f.priority_number].id,
            ref=f.ref,
            text=f.text,
            ofsted_refs=f.ofsted_refs,
            position=pos,
        )
        for pos, f in enumerate(data.findings)
    ]
    in_plan = Finding.plan_id == plan.id
    if finding_rows:
        stored_findings = current_rows(session, Finding, "ref", finding_rows[0], in_plan)
        upsert_rows(session, Finding, "ref", stored_findings, finding_rows, counts, "finding")
    finding_ids = {ref: row["id"] for ref, row in current_rows(session, Finding, "ref", (), in_plan).items()}

    stored = current_rows(session, Action, "ref", ACTION_COLUMNS, Action.plan_id == plan.id)
    action_rows = []
    for pos, a in enumerate(data.actions):
        existing = stored.get(a.ref)
        due = a.due
        if existing is not None and existing["original_due"] == a.due and existing["due"] != existing["original_due"]:
            due = existing["due"]  # an approved new date outlives a re-import of the same plan
        action_rows.append(
            dict(
                plan_id=plan.id,
                finding_id=finding_ids[a.finding_ref],
                priority_number=a.priority_number,
                ref=a.ref,
                position=pos,
                text=a.text,
                timescale=a.timescale,
                start=a.start,
                due=due,
                original_due=a.due,
                recurrence=a.recurrence,
                leads=a.leads,
                partners=a.partners,
                completed=a.completed,
                decision=a.decision,
            )
        )
    upsert_rows(session, Action, "ref", stored, action_rows, counts, "action")

    indicators = {i.code: i for i in session.exec(select(Indicator).where(Indicator.plan_id == plan.id)).all()}
    for ind in data.indicators:
        values = indicator_fields(ind)
        values["plan_id"] = plan.id
        _upsert(session, summary, "indicator", indicators.get(values["code"]), Indicator, values)

    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            kind="plan.import",
            subject=data.key,
            details={
                "source": source,
                "created": dict(summary.created),
                "updated": dict(summary.updated),
                "live": plan.active,
            },
        )
    )
    session.flush()
    return summary


def indicator_fields(ind: dict[str, Any]) -> dict[str, Any]:
    def s(v: object) -> str | None:
        return None if v is None else str(v)

    return dict(
        code=str(ind["code"]),
        source_section=ind.get("source_section") or "",
        priority_number=ind.get("priority"),
        appendix_number=ind.get("appendix_number"),
        heading=ind.get("heading") or "",
        title=ind.get("title") or "",
        type=ind.get("type") or "",
        source=ind.get("source") or "",
        accumulation=ind.get("accumulation"),
        unit=ind.get("unit") or "",
        higher_is_better=ind.get("higher_is_better"),
        baseline=s(ind.get("baseline_2015_16")),
        previous=s(ind.get("bromley_2014_15")),
        target_16_17=s(ind.get("target_16_17")),
        target_17_18=s(ind.get("target_17_18")),
        national_average=s(ind.get("national_average")),
        statistical_neighbours=s(ind.get("statistical_neighbours")),
        owner_role=ind.get("owner_role"),
        sub_measures=list(ind.get("sub_measures") or []),
        decision=ind.get("decision") or "",
    )


def _upsert(
    session: Session, summary: ImportSummary, kind: str, existing: Row | None, model: type[Row], values: dict[str, Any]
) -> Row:
    if existing is None:
        obj = model(**values)
        session.add(obj)
        summary.created[kind] += 1
        return obj
    changed = False
    for k, v in values.items():
        if getattr(existing, k) != v:
            setattr(existing, k, v)
            changed = True
    (summary.updated if changed else summary.unchanged)[kind] += 1
    return existing


def _identity_problems(session: Session, rows: list[PersonRow], source: str) -> list[Problem]:
    """Chat ids that would belong to two people: twice in the file, or someone else's already."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    owners = repo.chat_id_owners(session)
    for i, r in enumerate(rows, start=1):
        for channel, user_id in sorted(r.chat_ids.items()):
            if not user_id:
                continue
            column = f"{channel}_user_id"
            first = seen.setdefault((channel, user_id), r.key)
            owner = owners.get((channel, user_id))
            if first != r.key:
                problems.append(Problem(source, i, column, f"{channel} user {user_id} is also given to {first!r}"))
            elif owner is not None and owner != r.key:
                problems.append(Problem(source, i, column, f"{channel} user {user_id} is already linked to {owner!r}"))
    return problems


PERSON_COLUMNS = ("name", "email", "roles", "manager_key", "delegate_key", "timezone", "sit_admin",
                  "performance_officer", "preferred_channel")


def save_people(
    session: Session, rows: list[PersonRow], *, actor: str, now: datetime, source: str = "people"
) -> ImportSummary:
    """Upsert people by key. Chat ids already learned from Slack/Teams are kept when the file has
    none; one the file gives replaces the person's earlier id on that channel. An id that is
    another person's (in the file or the database) is a problem, and nothing is written."""
    problems: list[Problem] = []
    keys = Counter(r.key for r in rows)
    existing = current_rows(session, Person, "key", PERSON_COLUMNS)
    known = set(existing) | set(keys)
    for i, r in enumerate(rows, start=1):
        if keys[r.key] > 1:
            problems.append(Problem(source, i, "key", f"duplicate person key {r.key!r}"))
        if not r.name:
            problems.append(Problem(source, i, "name", "empty name"))
        for ref, col in ((r.manager, "manager"), (r.delegate, "delegate")):
            if ref and ref not in known:
                problems.append(Problem(source, i, col, f"{col} {ref!r} is not a person key in the directory"))
    problems.extend(_identity_problems(session, rows, source))
    if problems:
        raise PlanValidationError(problems)
    summary = ImportSummary(PEOPLE)
    values = [
        dict(
            key=r.key,
            name=r.name,
            email=r.email,
            roles=r.roles,
            manager_key=r.manager,
            delegate_key=r.delegate,
            timezone=r.timezone,
            sit_admin=r.sit_admin,
            performance_officer=r.performance_officer,
            preferred_channel=r.preferred_channel,
        )
        for r in rows
    ]
    counts = (summary.created, summary.updated, summary.unchanged)
    written = upsert_rows(session, Person, "key", existing, values, counts, "person")
    accounts = [(channel, uid, r.key) for r in rows for channel, uid in sorted(r.chat_ids.items()) if uid]
    only_linked = len(repo.put_identities(session, accounts) & (set(keys) - written))  # only a chat id changed
    summary.unchanged["person"] -= only_linked
    summary.updated["person"] += only_linked
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            kind="people.import",
            subject=source,
            details={"created": summary.created["person"], "updated": summary.updated["person"]},
        )
    )
    session.flush()
    return summary
