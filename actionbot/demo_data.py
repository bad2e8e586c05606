"""`actionbot demo-data`: a clearly labelled sample history for the reference plan.

Why a separate plan: the audit trail is append-only (the database refuses DELETE on
`action_update`), so sample updates can never be mixed into the real reference plan and then
taken out again. The sample lives in its own copy of the plan, key `bromley-2016-17-demo`, whose
title says SAMPLE DATA; loading it makes that copy the active plan. `--remove` retires it: the
copy is deactivated (the previously active plan is active again) and an audit event records the
removal. Its rows stay in the database, untouched and unread, because nothing may delete
audit rows; no command reads an inactive plan unless it is named with ACTIONBOT_PLAN.

Every sample note starts with "[Sample]", every sample update has channel "demo", every
author is a fictional person from the example directory, and the history is generated from a
fixed seed, so the README's pictures can be reproduced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.periods import Period
from bot.progress import Progress, no_progress
from bot.workdays import WorkCalendar
from domain.clock import Clock
from storage import indicator_repo, repo
from storage.db import session_scope
from storage.models import Action, ActionUpdate, Escalation, IndicatorReading, Person, Plan, Priority
from storage.plan_store import save_people, save_plan
from storage.reference import REFERENCE_KEY, load_reference_people, load_reference_plan

DEMO_KEY = f"{REFERENCE_KEY}-demo"
DEMO_CHANNEL = "demo"
NOTE_PREFIX = "[Sample] "
MONTHS = [Period.month(2016, m) for m in range(6, 11)]  # June to October 2016
SEED = 20160601
UK = ZoneInfo("Europe/London")

NOTES = {
    "green": [
        "On track; progress reviewed at the monthly service meeting",
        "On track: draft circulated to partners for comment",
        "On track; training sessions booked and attendance monitored",
        "On track: audit scheduled, findings to SIT next month",
        "On track; partners signed up to the revised procedure",
        "Progressing as planned; first monitoring report due next month",
    ],
    "amber": [
        "Some slippage: awaiting sign-off from partner agencies",
        "Recruitment delays; interim cover in place until the new post starts",
        "Data quality issues being resolved with the performance team",
        "Partner capacity limited; meeting booked to agree a revised plan",
        "Consultation took longer than planned; recoverable by next month",
        "Waiting on HR sign-off for the new structure",
    ],
    "red": [
        "Off track: key post still vacant, needs senior decision",
        "Off track: supplier has delayed the system change",
        "Deadline missed: dependent policy not yet approved by the board",
        "Off track: partner agency has withdrawn staff from the project",
    ],
    "completed": [
        "Completed; evidence filed for inspection",
        "Delivered; evidence held by the SIT",
        "Completed and signed off at the CSIG Board",
        "Completed: new procedure live and staff briefed",
    ],
}


@dataclass
class DemoSummary:
    plan_key: str
    created: bool
    updates: int = 0
    approvals: int = 0
    escalations: int = 0
    readings: int = 0
    messages: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if not self.created:
            return (
                f"sample plan {self.plan_key} was already loaded: it is the active plan again "
                f"({self.updates} sample updates)"
            )
        return (
            f"loaded sample plan {self.plan_key} (SAMPLE DATA, June–October 2016) and made it the active plan: "
            f"{self.updates} updates, {self.approvals} date decisions, {self.escalations} escalations, "
            f"{self.readings} indicator readings. Remove it with `actionbot demo-data --remove`."
        )


def load_demo(
    engine: Engine, clock: Clock, *, actor: str = "demo-data", progress: Progress = no_progress
) -> DemoSummary:
    """Create (or re-activate) the sample plan. Idempotent: a second run adds nothing."""
    now = clock.now()
    with session_scope(engine) as session:
        previous = _active_key(session)
        previous_live = [p.key for p in repo.live_plans(session) if p.key != DEMO_KEY]
        existing = session.exec(select(Plan).where(Plan.key == DEMO_KEY)).first()
        data = load_reference_plan()
        data.key = DEMO_KEY
        data.title = f"{data.title} — SAMPLE DATA"
        save_plan(session, data, actor=actor, now=now, source="demo", activate=True)
        for other in repo.live_plans(session):  # the sample stands in for the plan, not beside it
            if other.key != DEMO_KEY:
                other.active = False
                session.add(other)
        _ensure_people(session, actor, now)
        plan = repo.active_plan(session, DEMO_KEY)
        count = _sample_update_count(session, plan)
        if existing is not None and count:
            _audit(session, now, actor, "demo.loaded", {"previous_active": previous, "previous_live": previous_live, "regenerated": False})
            return DemoSummary(DEMO_KEY, created=False, updates=count)
        summary = _generate(session, plan, progress)
        _audit(session, now, actor, "demo.loaded", {"previous_active": previous, "previous_live": previous_live, "regenerated": True})
        return summary


def remove_demo(engine: Engine, clock: Clock, *, actor: str = "demo-data") -> str:
    """Retire the sample plan: inactive, the plan active before it active again, audited."""
    now = clock.now()
    with session_scope(engine) as session:
        demo = session.exec(select(Plan).where(Plan.key == DEMO_KEY)).first()
        if demo is None:
            return "no sample data is loaded; nothing to remove"
        back = _plan_to_restore(session)
        demo.active = False
        session.add(demo)
        for plan in [back, *_others_live_before(session)]:
            if plan is not None and plan.key != DEMO_KEY:
                plan.active = True
                session.add(plan)
        _audit(session, now, actor, "demo.removed", {"reactivated": back.key if back else None})
        restored = f"; {back.key} is the active plan again" if back else ""
        return (
            f"sample plan {DEMO_KEY} retired: it is no longer active and no command reads it{restored}. "
            "Its rows stay in the database because the audit trail is append-only."
        )


def _active_key(session: Session) -> str | None:
    try:
        plan = repo.active_plan(session)
    except repo.NoPlanError:
        return None
    return plan.key if plan.active else None


def _others_live_before(session: Session) -> list[Plan]:
    """Every plan that was live beside the default when the sample was last loaded (several
    plans can be live at once): removing the sample brings them all back."""
    events = repo.audit_events(session, ["demo.loaded"])
    for e in reversed(events):
        keys = [k for k in e.details.get("previous_live") or [] if k != DEMO_KEY]
        if keys:
            return [p for k in keys if (p := repo.plan_by_key(session, k)) is not None]
    return []


def _plan_to_restore(session: Session) -> Plan | None:
    events = repo.audit_events(session, ["demo.loaded"])
    for e in reversed(events):
        key = e.details.get("previous_active")
        if key and key != DEMO_KEY:
            plan = session.exec(select(Plan).where(Plan.key == key)).first()
            if plan is not None:
                return plan
    others = session.exec(select(Plan).where(Plan.key != DEMO_KEY).order_by(col(Plan.id).desc())).all()
    return others[0] if others else None


def _audit(session: Session, now: datetime, actor: str, kind: str, details: dict) -> None:
    repo.add_audit(session, at=now, actor=actor, kind=kind, subject=DEMO_KEY, details=details)


def _ensure_people(session: Session, actor: str, now: datetime) -> None:
    """The sample's authors are the example directory's fictional people: add any missing,
    never overwrite someone already in the directory."""
    known = {p.key for p in repo.all_people(session)}
    missing = [r for r in load_reference_people() if r.key not in known]
    if missing:
        save_people(session, missing, actor=actor, now=now, source="demo")
        session.flush()


def _sample_update_count(session: Session, plan: Plan) -> int:
    ids = [a.id for a in repo.plan_actions(session, plan.id)]
    return sum(1 for ups in repo.updates_for(session, ids).values() for u in ups if u.channel == DEMO_CHANNEL)


@dataclass
class _Track:
    """One action's fictional story: how it tends to go, and where it is now."""

    action: Action
    profile: str  # smooth | wobbly | troubled
    rag: str | None = None
    pending: ActionUpdate | None = None
    last_red: Escalation | None = None


def _nth_working_day(cal: WorkCalendar, month: Period, n: int) -> date:
    return cal.nth_working_day(month.start.year, month.start.month, n)


def _at(d: date, hour: int, minute: int) -> datetime:
    return datetime.combine(d, time(hour, minute), UK).astimezone(UTC)


def _generate(session: Session, plan: Plan, progress: Progress = no_progress) -> DemoSummary:
    rng = random.Random(SEED)
    cal = WorkCalendar()  # England and Wales, like the live scheduler
    people = repo.all_people(session)
    by_role: dict[str, Person] = {}
    for p in people:
        for role in p.roles or []:
            by_role.setdefault(role, p)
    sit = next((p for p in people if p.sit_admin), None)
    officer = next((p for p in people if p.performance_officer), sit)
    priorities = {p.number: p for p in repo.plan_priorities(session, plan.id)}
    summary = DemoSummary(DEMO_KEY, created=True)

    tracks = []
    for a in repo.plan_actions(session, plan.id):
        roll = rng.random()
        profile = "smooth" if roll < 0.68 else ("wobbly" if roll < 0.9 else "troubled")
        tracks.append(_Track(a, profile, rag="completed" if a.completed else None))

    for month in progress(MONTHS, desc="sample history", total=len(MONTHS), unit="month"):
        for t in tracks:
            a = t.action
            if t.rag == "completed":
                continue
            not_started = a.start is not None and a.start > month.end
            if not_started and rng.random() > 0.4:
                continue
            answer_rate = 0.72 if month == MONTHS[0] else (0.9 if t.profile == "smooth" else 0.8)
            if rng.random() > answer_rate:
                continue
            day = _nth_working_day(cal, month, rng.choice([1, 1, 2, 2, 3, 4, 5, 6, 7]))
            at = _at(day, rng.randint(9, 16), rng.choice([0, 10, 20, 30, 40, 50]))
            rag, propose = ("green", False) if not_started else _next_rag(rng, t, day, month)
            author = _author(a, by_role, sit)
            proposed = None
            if propose and t.pending is None:
                base = max(a.due or day, day)
                proposed = Period.containing(base + timedelta(days=rng.choice([35, 62, 90]))).end
            u = ActionUpdate(
                action_id=a.id,
                at=at,
                author_key=author.key if author else None,
                author_name=author.name if author else "Service Improvement Team (sample)",
                rag=rag,
                note=NOTE_PREFIX
                + (f"Starts {a.start:%b %Y}; preparation on track" if not_started else rng.choice(NOTES[rag])),
                proposed_due=proposed,
                channel=DEMO_CHANNEL,
            )
            session.add(u)
            session.flush()
            summary.updates += 1
            t.rag = rag
            if proposed is not None:
                t.pending = u
                summary.approvals += _decide(session, rng, cal, plan, t, day, sit)
            summary.escalations += _escalate(session, rng, cal, t, u, day, priorities, by_role)
    summary.readings = _readings(session, rng, cal, plan, officer)
    return summary


def _next_rag(rng: random.Random, t: _Track, day: date, month: Period) -> tuple[str, bool]:
    """(RAG, whether to propose a new date) for this month's sample update."""
    a = t.action
    due_now = a.due is not None and a.due <= month.end
    late = a.due is not None and a.due < day
    if a.due is None:  # recurring or open-ended: mostly steady
        if t.profile == "troubled":
            return rng.choice(["amber", "red", "amber", "green"]), False
        return ("amber" if t.profile == "wobbly" and rng.random() < 0.35 else "green"), False
    if due_now:
        if t.profile == "smooth":
            return ("completed" if rng.random() < 0.78 else "amber"), late
        if t.profile == "wobbly":
            return ("completed", False) if rng.random() < 0.45 else ("amber", rng.random() < 0.7)
        return ("red", rng.random() < 0.6) if rng.random() < 0.6 else ("amber", rng.random() < 0.5)
    if t.profile == "smooth":
        return ("completed" if rng.random() < 0.03 else "green"), False
    if t.profile == "wobbly":
        return ("amber" if rng.random() < 0.35 else "green"), False
    roll = rng.random()
    return ("red" if roll < 0.35 else "amber" if roll < 0.75 else "green"), False


def _author(a: Action, by_role: dict[str, Person], sit: Person | None) -> Person | None:
    for role in a.leads or []:
        if role in by_role:
            return by_role[role]
    return sit


def _decide(
    session: Session, rng: random.Random, cal: WorkCalendar, plan: Plan, t: _Track, day: date, sit: Person | None
) -> int:
    """The SIT approves about half the proposed dates a week later, rejects some, leaves the rest."""
    roll = rng.random()
    if sit is None or roll > 0.7 or t.pending is None:
        return 0
    u, a = t.pending, t.action
    approve = roll < 0.5
    when = _at(cal.add_working_days(day, 5), 10, 15)
    repo.add_audit(
        session,
        at=when,
        actor=sit.key,
        kind="due.approved" if approve else "due.rejected",
        subject=a.ref,
        details={
            "update_id": u.id,
            "from": a.due.isoformat() if a.due else None,
            "to": u.proposed_due.isoformat() if u.proposed_due else None,
            "plan": plan.key,
            "sample": True,
        },
    )
    if approve:
        a.due = u.proposed_due
        session.add(a)
    t.pending = None
    return 1


def _escalate(
    session: Session,
    rng: random.Random,
    cal: WorkCalendar,
    t: _Track,
    u: ActionUpdate,
    day: date,
    priorities: dict[int, Priority],
    by_role: dict[str, Person],
) -> int:
    """A red is escalated to the priority's lead officer; it is resolved when the action recovers."""
    if t.last_red is not None and u.rag != "red":
        t.last_red.resolved_at = u.at
        session.add(t.last_red)
        t.last_red = None
    if u.rag != "red" or t.last_red is not None or rng.random() > 0.75:
        return 0
    priority = priorities.get(t.action.priority_number)
    lead = next((by_role[r] for r in (priority.lead_roles if priority else []) if r in by_role), None)
    if lead is None:
        return 0
    esc = Escalation(
        action_id=t.action.id,
        to_person_key=lead.key,
        reason="red",
        raised_at=_at(cal.add_working_days(day, 2), 9, 30),
    )
    session.add(esc)
    t.last_red = esc
    return 1


def _readings(session: Session, rng: random.Random, cal: WorkCalendar, plan: Plan, officer: Person | None) -> int:
    """Monthly figures for most numeric indicators, June to September, typed early the next month."""
    from bot import indicators as kpi

    written = 0
    for ind in indicator_repo.plan_indicators(session, plan.id):
        if ind.unit not in ("percent", "number", "days", "weeks", "percent and number") or rng.random() < 0.25:
            continue
        target = kpi.target_for(ind, date(2016, 9, 30))
        base = kpi.parse_target("", ind.baseline)
        centre = target.low if target.comparable else base.low
        if centre is None:
            centre = rng.uniform(60, 90) if "percent" in ind.unit else rng.uniform(8, 120)
        for month in MONTHS[:-1]:
            if rng.random() < 0.15:
                continue
            figure = max(0.0, centre * rng.uniform(0.85, 1.08))
            if "percent" in ind.unit:
                figure = min(figure, 100.0)
                text = f"{figure:.0f}%"
            else:
                figure = float(round(figure))
                text = f"{figure:.0f}"
            entered = _at(_nth_working_day(cal, Period.containing(month.end + timedelta(days=1)), 3), 11, 0)
            session.add(
                IndicatorReading(
                    indicator_id=ind.id,
                    period=month.start,
                    value=text,
                    numeric=float(text.rstrip("%")),
                    at=entered,
                    author_key=officer.key if officer else None,
                    source=DEMO_CHANNEL,
                )
            )
            written += 1
    return written
