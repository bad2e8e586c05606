"""A small in-memory plan for the pure policy tests: no database, just the values the rules
read (a PlanState, a Directory, snoozes), stepped through simulated time with the preview's
simulator, which records each planned message in a simulated ledger as the tick would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.plan_state import ActionState, PlanState, PriorityState, rag_of
from bot.policy import Policy, load_policy, parse_policy
from bot.recipients import Directory
from scheduler.planned import History, IndicatorInput, Inputs, Planned
from scheduler.planner import plan_messages
from scheduler.preview import simulate
from storage.models import Action, ActionUpdate, Person, Plan, Priority

UK = ZoneInfo("Europe/London")


def uk(*args: int) -> datetime:
    return datetime(*args, tzinfo=UK)


def policy_with(**sections) -> Policy:
    """The default policy with some keys changed, e.g. policy_with(round={"enabled": False})."""
    raw = load_policy().raw
    for section, values in sections.items():
        raw[section].update(values)
    return parse_policy(raw, "test")


NO_ROUND = {"round": {"enabled": False}, "digests": {"weekly_enabled": False, "monthly_report_enabled": False}}


@dataclass
class World:
    people: dict[str, Person] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    updates: list[ActionUpdate] = field(default_factory=list)
    snoozes: dict[str, date] = field(default_factory=dict)
    priority_leads: dict[int, list[str]] = field(default_factory=lambda: {1: ["DIR"]})
    indicators: list[IndicatorInput] = field(default_factory=list)
    readings: dict[str, dict[str, datetime]] = field(default_factory=dict)  # code → month → recorded at
    unreachable: dict[str, str] = field(default_factory=dict)  # person key → why no channel reaches them

    def __post_init__(self):
        self.plan = Plan(id=1, key="test", title="Test plan", timezone="Europe/London")

    def person(self, key: str, roles=(), **kw) -> Person:
        p = Person(key=key, name=f"{key.title()} Person", roles=list(roles), **kw)
        self.people[key] = p
        return p

    def action(self, ref: str, leads, due: date | None = None, priority: int = 1, **kw) -> Action:
        a = Action(
            id=len(self.actions) + 1,
            plan_id=1,
            finding_id=1,
            priority_number=priority,
            ref=ref,
            position=len(self.actions),
            text=f"Action {ref}",
            due=due,
            leads=list(leads),
            **kw,
        )
        self.actions.append(a)
        return a

    def update(self, ref: str, at: datetime, rag: str, note: str = "") -> ActionUpdate:
        action = next(a for a in self.actions if a.ref == ref)
        u = ActionUpdate(id=len(self.updates) + 1, action_id=action.id, at=at, rag=rag, note=note, author_key="x")
        self.updates.append(u)
        return u

    def state(self, now: datetime) -> PlanState:
        today = now.astimezone(UK).date()
        by_priority: dict[int, list[ActionState]] = {}
        for a in self.actions:
            ups = sorted((u for u in self.updates if u.action_id == a.id and u.at <= now), key=lambda u: u.at)
            by_priority.setdefault(a.priority_number, []).append(
                ActionState(action=a, rag=rag_of(a, ups), updates=ups, today=today)
            )
        priorities = [
            PriorityState(Priority(id=n, plan_id=1, number=n, title=f"P{n}", lead_roles=roles), by_priority.get(n, []))
            for n, roles in sorted(self.priority_leads.items())
        ]
        return PlanState(plan=self.plan, as_of=now, today=today, priorities=priorities)

    def indicator(self, code: str, owner_role: str | None = None) -> IndicatorInput:
        ind = IndicatorInput(code, owner_role)
        self.indicators.append(ind)
        return ind

    def reading(self, code: str, month: str, at: datetime) -> None:
        self.readings.setdefault(code, {})[month] = at

    def inputs(self, now: datetime) -> Inputs:
        indicators = tuple(
            IndicatorInput(
                i.code,
                i.owner_role,
                frozenset(m for m, at in self.readings.get(i.code, {}).items() if at <= now),
            )
            for i in self.indicators
        )
        return Inputs(
            self.state(now),
            Directory(dict(self.people)),
            dict(self.snoozes),
            indicators=indicators,
            unreachable=dict(self.unreachable),
        )

    def run(self, policy: Policy, start: datetime, end: datetime, history: History | None = None) -> list[Planned]:
        zones = {"Europe/London"} | {p.timezone for p in self.people.values()}
        return simulate(
            self.inputs, policy, start, end, zones=zones, extra=[u.at for u in self.updates], history=history
        )

    def at(self, policy: Policy, now: datetime, history: History | None = None) -> list[Planned]:
        return plan_messages(self.inputs(now), policy, history or History(), now)


def days(messages: list[Planned], who: str) -> list[tuple[date, tuple[str, ...]]]:
    """(local day, stage names) of each message to `who`."""
    return [(m.local_at.date(), tuple(i.stage for i in m.items)) for m in messages if m.recipient == who]
