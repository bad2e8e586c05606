"""The plan as it stood at an instant, computed from the audit trail.

Every figure the bot shows (a `/status` reply, a nudge card, the highlight report) is read from
a `PlanState`, so no count is computed in two places and any past month can be reproduced by
asking for the state as of that month's end.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlmodel import Session

from domain.vocabulary import NOT_RATED, RAG_ORDER, canonical_action_id
from storage import repo
from storage.db import utc_aware
from storage.models import Action, ActionUpdate, AuditEvent, Finding, Plan, Priority

# The audit event of a "no change": it names the update whose RAG it re-confirms (`update_id`).
CONFIRMED = "rag.confirmed"


@dataclass
class ActionState:
    action: Action
    rag: str  # red | amber | green | completed | not_rated
    updates: list[ActionUpdate]
    today: date
    pending_due: date | None = None
    pending_update: ActionUpdate | None = None
    due_then: date | None = field(default=None, repr=False)  # the due date at the state's instant
    due_moved_since: bool = False  # True when an approval after that instant moved the due date
    awaiting_signoff: bool = False  # completed by an update the SIT has not yet signed off (`bot.signoff`)
    reopened_reason: str = ""  # the SIT's reason when it reopened the latest completion claim
    audit_due: date | None = None  # the thematic audit date an SIT admin set (`bot.audits`)
    # the latest "no change" (`bot.no_change`) that re-confirmed the latest update's RAG: an answer
    # to the round, never an update of its own (an audit event, not an `action_update` row)
    confirmed_at: datetime | None = None

    def answered_since(self, since: datetime) -> bool:
        """Whether the owner answered at or after `since`: an update, or a confirmation of the
        last RAG ("no change"). The scheduler stops asking either way."""
        if self.confirmed_at is not None and self.confirmed_at >= since:
            return True
        return any(utc_aware(u.at) >= since for u in self.updates)

    @cached_property
    def ref(self) -> str:
        """Kept once read: an action's ref never changes, and the scheduler's rules ask for it
        about a hundred times per action per wake-up (an ORM attribute read each time)."""
        return self.action.ref

    @cached_property
    def lead_roles(self) -> tuple[str, ...]:
        """The action's lead roles, kept once read like `ref` (a changed lead is a new import,
        hence a new state): the scheduler's rules key their per-role answers by them, several
        times per action at every wake-up."""
        return tuple(self.action.leads or ())

    @property
    def due(self) -> date | None:
        """The due date as it stood at the state's instant: `action.due` is today's, and an
        approved new date must not rewrite a past month's overdue list."""
        return self.due_then if self.due_moved_since else self.action.due

    @property
    def latest(self) -> ActionUpdate | None:
        return self.updates[-1] if self.updates else None

    @property
    def is_open(self) -> bool:
        return self.rag != "completed"

    @property
    def days_to_due(self) -> int | None:
        if self.due is None:
            return None
        return (self.due - self.today).days

    @property
    def overdue_days(self) -> int:
        d = self.days_to_due
        return -d if (d is not None and d < 0 and self.is_open) else 0

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0

    @property
    def latest_noted(self) -> ActionUpdate | None:
        """The latest update that says something: a later bare "green" keeps the last reason."""
        return next((u for u in reversed(self.updates) if u.note), None)

    @property
    def latest_note(self) -> str:
        noted = self.latest_noted
        return noted.note if noted else ""


def awaiting_signoff(actions: list[ActionState]) -> list[ActionState]:
    """Completion claims the SIT has not yet verified: counted inside Completed (so RAG counts
    still sum to the number of actions) and shown apart wherever completions are reported."""
    return [a for a in actions if a.rag == "completed" and a.awaiting_signoff]


@dataclass
class PriorityState:
    priority: Priority
    actions: list[ActionState]

    @property
    def counts(self) -> Counter:
        return rag_counts(self.actions)


@dataclass
class PlanState:
    plan: Plan
    as_of: datetime
    today: date
    priorities: list[PriorityState]
    findings: dict[int, Finding] = field(default_factory=dict)
    # what the audit events said when the state was read (None: a state built another way)
    context: AuditContext | None = field(default=None, repr=False, compare=False)

    @cached_property
    def actions(self) -> list[ActionState]:
        """Every action in plan order (built once: a state is never changed after it is loaded)."""
        return [a for p in self.priorities for a in p.actions]

    @cached_property
    def derived(self) -> dict[str, object]:
        """Figures computed from the whole state, kept with it (a state never changes), so a
        kept state answers e.g. the plan summary without counting 100,000 actions again."""
        return {}

    @cached_property
    def by_action_id(self) -> dict[int | None, ActionState]:
        return {a.action.id: a for a in self.actions}

    @cached_property
    def _by_ref(self) -> dict[str, ActionState]:
        return {canonical_action_id(a.ref) or a.ref: a for a in self.actions}

    def action(self, ref: str) -> ActionState | None:
        """The action an id names, in any spelling of the one grammar (`1.1.1A` is `1.1.1a`);
        None for an unknown action or for anything that is not an action id. One dict lookup:
        nudges, chases and the report ask for thousands of refs a tick."""
        found = self._by_ref.get(ref)  # already in the one spelling (the keys are canonical)
        if found is not None:
            return found
        key = canonical_action_id(ref)
        return None if key is None else self._by_ref.get(key)

    def priority(self, number: int) -> PriorityState | None:
        for p in self.priorities:
            if p.priority.number == number:
                return p
        return None

    @property
    def counts(self) -> Counter:
        return rag_counts(self.actions)

    def seen_at(self, as_of: datetime) -> PlanState:
        """The same state stamped with a later instant of the same day (nothing recorded since)."""
        later = PlanState(self.plan, as_of, self.today, self.priorities, self.findings, self.context)
        self.derived  # noqa: B018 - made here, on the kept state, so every copy adds its views to the one dict
        return self._keeping(later, ("actions", "_by_ref", "by_action_id", "derived"))

    def same_actions_on(self, as_of: datetime, today: date) -> PlanState:
        """The same actions stamped with another instant and day, keeping the indexes of its
        actions (not `derived`: its figures may depend on the day). The preview's rules see the
        loaded state at each of a month's wake-ups; rebuilding the index of 10,000 refs each
        time was a tenth of its simulation."""
        later = PlanState(self.plan, as_of, today, self.priorities, self.findings)
        kept = ("actions", "_by_ref")
        for name in kept:
            getattr(self, name)  # built once, here, and shared by every copy
        return self._keeping(later, (*kept, "by_action_id"))

    def _keeping(self, later: PlanState, kept: tuple[str, ...]) -> PlanState:
        # cached_property values; looked up by name, never by iterating `__dict__`, which a request
        # in another thread may be adding a cached value to
        values = self.__dict__
        later.__dict__.update({k: values[k] for k in kept if k in values})
        return later


class NotKept(LookupError):
    """`StateCache.state(kept_only=True)` has no state kept for the database as it is now."""


class StateCache:
    """The plan's state now, kept between chat requests while nothing in it has changed.

    Building a `PlanState` reads every action and update of the plan (most of a `/status`
    request's time); between two requests the plan usually has not changed. Every change to what
    a state holds writes a new `action_update` row or a new `audit_event` (an import, an approved
    date), so `repo.trail_version` (two index look-ups) says whether a kept state is still true.
    A state is kept per plan and day, since overdue and due-soon move at midnight. The caller
    reads the version at the start of its transaction, before writing anything, so a key is
    never made of rows that might still be rolled back. Cached ORM objects are never written
    back; a request that changed one in memory (`updates.decide_date` sets the due date of the
    action it gets from its session) and then rolled back makes the core drop its states
    (`Core.forget`).
    """

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._entries: dict[tuple[int, date], tuple[tuple[int, int], PlanState]] = {}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def state(
        self, session: Session, plan: Plan, as_of: datetime, version: tuple[int, int], *, kept_only: bool = False
    ) -> PlanState:
        """The state at `version`: the kept one, or read (all of it, or only the updates since
        the kept one). `kept_only`: raise `NotKept` rather than read anything."""
        key = (plan.id, plan_today(plan, as_of))
        with self._lock:
            kept = self._entries.get(key)
        if kept is not None and kept[0] == version and kept[1].as_of <= as_of:
            return kept[1].seen_at(as_of)
        if kept_only:
            raise NotKept(f"no state of plan {plan.id} kept at version {version}")
        state = None
        if kept is not None and kept[1].as_of <= as_of:  # only new updates? apply them to the kept state
            state = with_new_updates(session, kept[1], kept[0], version, as_of)
        if state is None:
            state = load_state(session, plan, as_of)
        with self._lock:
            self._entries[key] = (version, state)
            while len(self._entries) > self._keep:
                self._entries.pop(next(iter(self._entries)))
        return state


def rag_counts(actions: list[ActionState]) -> Counter:
    c = Counter({k: 0 for k in RAG_ORDER})
    c.update(a.rag for a in actions)
    return c


def overdue(actions: list[ActionState]) -> list[ActionState]:
    """Open actions past their due date, most overdue first (`/status`, nudges and the report)."""
    return sorted((a for a in actions if a.is_overdue), key=lambda a: (-a.overdue_days, a.action.position))


_WORST = {"red": 0, "amber": 1, NOT_RATED: 2, "green": 3, "completed": 4}


def worst_first(actions: list[ActionState]) -> list[ActionState]:
    """Red before anything else, then the most overdue, then Amber, not rated, Green: the
    order an escalation lists its actions in (and cuts after the worst ten)."""
    return sorted(
        actions, key=lambda a: (a.rag != "red", -a.overdue_days, _WORST.get(a.rag, 5), a.action.position)
    )


def reds_and_ambers(actions: list[ActionState]) -> list[ActionState]:
    """Reds first, then ambers, each in plan order: what the board reads first."""
    return [a for a in actions if a.rag == "red"] + [a for a in actions if a.rag == "amber"]


def by_due(actions: list[ActionState]) -> list[ActionState]:
    return sorted(actions, key=lambda s: (s.due is None, s.due or s.today, s.action.position))


def due_within(actions: list[ActionState], today: date, days: int) -> list[ActionState]:
    """Open actions due between today and `days` days from now, soonest first."""
    horizon = today + timedelta(days=days)
    return by_due([a for a in actions if a.is_open and a.due and today <= a.due <= horizon])


def rag_of(action: Action, updates: list[ActionUpdate]) -> str:
    """The latest update's RAG; an action the plan marks completed counts as completed until
    someone says otherwise; no update at all is 'not yet rated'."""
    if updates:
        return updates[-1].rag
    return "completed" if action.completed else NOT_RATED


def plan_today(plan: Plan, as_of: datetime) -> date:
    """The plan's calendar day at `as_of` (overdue and due-soon are counted in its time zone)."""
    return as_of.astimezone(ZoneInfo(plan.timezone or "Europe/London")).date()


UPDATE_OVERLAP = 1000  # update ids below the kept newest one read again (see `with_new_updates`)


@dataclass(frozen=True)
class AuditContext:
    """What the audit events say about a plan's actions at an instant (decided date proposals,
    sign-offs, moved due dates, audit dates): kept with a state, so a state can take in new
    updates without reading the audit events again while none has been written."""

    decided: set[object]
    signoffs: dict[int | None, AuditEvent]
    due_then: dict[str, date | None]
    audit_dates: dict[str, date]
    confirmations: dict[int | None, AuditEvent]  # `no change`: an update re-confirmed (bot.no_change)


def load_state(session: Session, plan: Plan, as_of: datetime) -> PlanState:
    today = plan_today(plan, as_of)
    actions = repo.plan_actions(session, plan.id)
    updates = repo.plan_updates(session, plan.id, until=as_of)
    context = AuditContext(
        decided={
            e.details.get("update_id")
            for e in repo.audit_events(session, ["due.approved", "due.rejected"], until=as_of)
        },
        signoffs={
            e.details.get("update_id"): e
            for e in repo.audit_events(session, ["completion.signed_off", "completion.reopened"], until=as_of)
        },
        due_then=_due_dates_at(session, plan, as_of),
        audit_dates=_audit_dates(session, plan, as_of),
        # in time order, so the latest confirmation of an update wins
        confirmations={e.details.get("update_id"): e for e in repo.audit_events(session, [CONFIRMED], until=as_of)},
    )
    by_priority: dict[int, list[ActionState]] = {}
    for a in actions:
        by_priority.setdefault(a.priority_number, []).append(action_state(a, updates.get(a.id, []), today, context))
    priorities = [PriorityState(p, by_priority.get(p.number, [])) for p in repo.plan_priorities(session, plan.id)]
    findings = {f.id: f for f in repo.plan_findings(session, plan.id)}
    state = PlanState(plan=plan, as_of=as_of, today=today, priorities=priorities, findings=findings)
    state.context = context
    return state


def action_state(a: Action, ups: list[ActionUpdate], today: date, context: AuditContext) -> ActionState:
    """One action's state from its updates (oldest first) and what the audit events say."""
    state = ActionState(action=a, rag=rag_of(a, ups), updates=ups, today=today)
    _apply_signoff(state, context.signoffs)
    state.audit_due = context.audit_dates.get(a.ref)
    if ups and (confirmed := context.confirmations.get(ups[-1].id)) is not None:
        state.confirmed_at = utc_aware(confirmed.at)
    if a.ref in context.due_then:
        state.due_then, state.due_moved_since = context.due_then[a.ref], True
    for u in reversed(ups):
        if u.proposed_due is not None:
            if u.id not in context.decided:
                state.pending_due, state.pending_update = u.proposed_due, u
            break
    return state


def with_new_updates(
    session: Session, kept: PlanState, kept_version: tuple[int, int], version: tuple[int, int], as_of: datetime
) -> PlanState | None:
    """`kept` brought up to `version` when only updates were written since (no audit event):
    the changed actions get new states, every other action keeps its very `ActionState` object
    (the scheduler's memo relies on that). None when a full read is needed: an audit event was
    written, or a new update is dated after `as_of`."""
    context = kept.context
    if context is None or version[1] != kept_version[1] or version[0] <= kept_version[0]:
        return None
    # with a margin below the kept id, like the scheduler's HistoryReader: on PostgreSQL a row
    # with a lower id can commit after a higher one; an update the state already holds is skipped
    read = repo.plan_updates(session, kept.plan.id, after_id=max(0, kept_version[0] - UPDATE_OVERLAP))
    new: dict[int, list[ActionUpdate]] = {}
    for action_id, ups in read.items():
        held = kept.by_action_id.get(action_id)
        known = {u.id for u in held.updates} if held is not None else set()
        fresh = [u for u in ups if u.id not in known]
        if fresh:
            new[action_id] = fresh
    if any(utc_aware(u.at) > as_of for ups in new.values() for u in ups):
        return None
    priorities = []
    for p in kept.priorities:
        if any(a.action.id in new for a in p.actions):
            actions = [
                a
                if a.action.id not in new
                else action_state(
                    a.action, sorted(a.updates + new[a.action.id], key=lambda u: (u.at, u.id)), a.today, context
                )
                for a in p.actions
            ]
            priorities.append(PriorityState(p.priority, actions))
        else:
            priorities.append(p)
    state = PlanState(kept.plan, as_of, kept.today, priorities, kept.findings)
    state.context = context
    return state


def _audit_dates(session: Session, plan: Plan, as_of: datetime) -> dict[str, date]:
    """Each action's thematic audit date at `as_of`: the latest `audit.scheduled` of the plan,
    unless an `audit.cleared` came after it."""
    dates: dict[str, date] = {}
    for e in repo.audit_events(session, ["audit.scheduled", "audit.cleared"], until=as_of):
        if e.details.get("plan") != plan.key:
            continue
        if e.kind == "audit.scheduled":
            dates[e.subject] = date.fromisoformat(e.details["due"])
        else:
            dates.pop(e.subject, None)
    return dates


def _apply_signoff(state: ActionState, signoffs: dict[int | None, AuditEvent]) -> None:
    """A completion claimed by an update stays "awaiting sign-off" until an SIT admin signs it
    off; reopening it puts the action back to the RAG it had before the claim (not yet rated if
    none) with the SIT's reason. An action the plan itself marks completed, with no update, was
    verified when the plan was written."""
    latest = state.latest
    if latest is None or latest.rag != "completed":
        return
    event = signoffs.get(latest.id)
    if event is None:
        state.awaiting_signoff = True
    elif event.kind == "completion.reopened":
        before = next((u.rag for u in reversed(state.updates[:-1]) if u.rag != "completed"), NOT_RATED)
        state.rag = before
        state.reopened_reason = str(event.details.get("reason") or "")


def _due_dates_at(session: Session, plan: Plan, as_of: datetime) -> dict[str, date | None]:
    """Due dates that an approval made after `as_of` has since moved: ref → the date it had then.

    Approvals are undone newest first from today's `action.due`, using each audit event's
    `from` date, so a past month is reproduced with the deadlines it really had.
    """
    later = [
        e
        for e in repo.audit_events(session, ["due.approved"])
        if utc_aware(e.at) > as_of and e.details.get("plan") in (None, plan.key)
    ]
    then: dict[str, date | None] = {}
    for e in reversed(later):
        before = e.details.get("from")
        then[e.subject] = date.fromisoformat(before) if before else None
    return then
