"""`actionbot preview --from 2016-09-01 --to 2016-10-01`: every message the scheduler would
send in a period, without sending anything.

It runs the same pure policy as the live tick (`scheduler.planner.plan_messages`) over
simulated time, waking at every instant a message can become due (each working day's send
time in every recipient's time zone, the digest times, and — with `--replay` — the moment of
each recorded update). Each message it "sends" goes into a simulated ledger, exactly as the
tick's would, so chases and escalations follow from it. By default nobody answers; `--replay`
uses the updates recorded in the database up to each instant instead; `--simulate-replies` has
everyone answer their round on its first day with `no change` (`SimulatedReplies`).

Who the configured channels cannot reach is worked out once, as the tick does, so a message
to them is listed as `unreachable` and recorded in the simulated ledger as undelivered, and the
SIT's notices about them appear where the live bot would send them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.delivery import pick_channel
from bot.no_change import refusal
from bot.plan_state import ActionState, PlanState, PriorityState
from bot.policy import Policy
from bot.progress import Progress, no_progress
from bot.workdays import valid_zone
from scheduler.plan_scopes import PlanScope
from scheduler.planned import SIT, History, Inputs, Planned
from scheduler.planner import plan_every
from scheduler.quiet_actions import QuietActions
from scheduler.snapshot import add_row, load_inputs
from storage import repo
from storage.csv_cells import neutralise
from storage.db import utc_aware
from storage.models import ActionUpdate, Plan, SendLedger


@dataclass(frozen=True)
class PreviewRow:
    message: Planned
    name: str
    channel: str  # slack | teams | slack+teams | unreachable


def redated(state: PlanState, now: datetime, answered: dict[str, datetime] | None = None) -> PlanState:
    """The same plan state (same updates) seen on a later day: 'nobody answers', or with
    `answered` (ref → instant), those actions answered then (`--simulate-replies`)."""
    today = now.astimezone(_zone(state.plan.timezone)).date()
    answered = answered or {}

    def seen(a: ActionState) -> ActionState:
        at = answered.get(a.ref)
        if at is None or at > now:
            return replace(a, today=today)
        return replace(a, today=today, confirmed_at=max(at, a.confirmed_at or at))

    priorities = [PriorityState(p.priority, [seen(a) for a in p.actions]) for p in state.priorities]
    return PlanState(plan=state.plan, as_of=now, today=today, priorities=priorities, findings=state.findings)


def seen_by_rules(state: PlanState, now: datetime, answered: dict[str, datetime]) -> PlanState:
    """`redated` as the rules need it, without copying every action at every wake-up: the
    actions answered by `now` get their confirmation, every other `ActionState` is shared with
    `state` and keeps the day it was loaded on (the rules take the day from `now`, never from an
    action's state; `SimulatedReplies.record`, which does read it, redates the one it judges)."""
    today = now.astimezone(_zone(state.plan.timezone)).date()
    due = {ref for ref, at in answered.items() if at <= now}
    if not due:  # nobody answered yet: the very same actions, and their index kept
        return state.same_actions_on(now, today)

    def seen(a: ActionState) -> ActionState:
        if a.ref not in due:
            return a
        at = answered[a.ref]
        return replace(a, today=today, confirmed_at=max(at, a.confirmed_at or at))

    priorities = [PriorityState(p.priority, [seen(a) for a in p.actions]) for p in state.priorities]
    return PlanState(plan=state.plan, as_of=now, today=today, priorities=priorities, findings=state.findings)


@dataclass
class SimulatedReplies:
    """`--simulate-replies`: everyone answers their round on its first day with `no change`.
    The core confirms what it can (`bot.no_change`); an overdue or never-rated action is refused
    there and needs a real answer, which the simulation assumes is given the same day. Both
    counts are shown, so the figure is never mistaken for one that needs no real answers."""

    answered: dict[str, datetime] = field(default_factory=dict)  # ref → when its round was answered
    confirmed: int = 0  # answers `no change` would record as confirmations
    real_answers: int = 0  # answers it would refuse (overdue, never rated): assumed given for real

    def record(self, message: Planned, state: PlanState) -> None:
        """The recipient answers every action of the round's ask in `message`, when it is sent."""
        for item in message.items:
            if item.rule != "round" or item.ref in self.answered:
                continue
            s = state.action(item.ref)
            if s is None:
                continue
            self.answered[item.ref] = message.send_at
            if refusal(replace(s, today=state.today)) is not None:
                self.real_answers += 1
            else:
                self.confirmed += 1


def wake_points(
    policy: Policy, start: datetime, end: datetime, zones: set[str], extra: list[datetime]
) -> list[datetime]:
    """Every instant in [start, end) at which a message can become due."""
    cal = policy.calendar
    times = {policy.send_time, policy.weekly_time, policy.monthly_report_time}
    points = set()
    day = (start - timedelta(days=1)).date()
    while day <= end.date() + timedelta(days=1):
        if cal.is_working_day(day):
            for tz in zones:
                for t in times:
                    points.add(cal.at(day, t, tz))
        day += timedelta(days=1)
    for instant in extra:
        for tz in zones:
            points.add(cal.next_slot(instant, tz, policy.send_time))
    return sorted(p for p in points if start <= p < end)


def simulate(
    inputs_at: Callable[[datetime], Inputs],
    policy: Policy,
    start: datetime,
    end: datetime,
    *,
    zones: set[str],
    extra: list[datetime] | None = None,
    history: History | None = None,
    progress: Progress = no_progress,
    replies: SimulatedReplies | None = None,
    quiet: QuietActions | None = None,
) -> list[Planned]:
    """Step through [start, end): at each wake point, plan, and record what was planned as sent.

    `quiet` (for inputs that change only through the simulated ledger and `replies`, as the
    preview's do without `--replay`) skips the actions that cannot have anything new yet
    (`scheduler.quiet_actions`); the messages are the same with or without it."""
    history = history or History()
    out: list[Planned] = []
    points = wake_points(policy, start, end, zones, extra or [])
    for point in progress(points, desc="preview", total=len(points), unit="wake-up"):
        inputs = inputs_at(point)
        if quiet is not None:
            quiet.wake(point, zones, history)
        refs: set[str] = set()
        for message in plan_every([PlanScope("", inputs)], policy, history, point, {"": quiet} if quiet else None):
            history.record(message)
            out.append(message)
            if replies is not None:
                replies.record(message, inputs.state)
            refs |= {i.ref for i in message.items if i.ref}
        if quiet is not None:
            quiet.recorded(refs, answered=replies is not None)
    return out


def preview(
    session: Session,
    plan: Plan,
    policy: Policy,
    channels: dict,
    start_day: date,
    end_day: date,
    *,
    replay: bool = False,
    progress: Progress = no_progress,
    replies: SimulatedReplies | None = None,
    skip_quiet: bool = True,
) -> list[PreviewRow]:
    """The messages of [start_day, end_day) with their recipient's name and channel. With
    `replies`, everyone answers their round when it reaches them (not with `replay`). With
    `skip_quiet=False`, every action's rules run at every wake-up (the same messages, slower:
    what the tests compare `scheduler.quiet_actions` with)."""
    tz = plan.timezone or policy.default_timezone
    start = policy.calendar.at(start_day, time(0, 0), tz)
    end = policy.calendar.at(end_day, time(0, 0), tz)
    base = load_inputs(session, plan, start, channels)
    people = base.directory.people
    zones = {tz} | {p.timezone if valid_zone(p.timezone) else policy.default_timezone for p in people.values()}
    extra: list[datetime] = []
    if replay:
        ids = [s.action.id for s in base.state.actions]
        extra = [
            utc_aware(u.at)
            for u in session.exec(select(ActionUpdate).where(ActionUpdate.action_id.in_(ids))).all()  # type: ignore[attr-defined]
            if start <= utc_aware(u.at) < end
        ]

        def inputs_at(now: datetime) -> Inputs:
            return replace(load_inputs(session, plan, now), unreachable=base.unreachable)
    else:

        answered = replies.answered if replies is not None else {}

        def inputs_at(now: datetime) -> Inputs:
            return replace(base, state=seen_by_rules(base.state, now, answered))

    messages = simulate(
        inputs_at,
        policy,
        start,
        end,
        zones=zones,
        extra=extra,
        history=_history_before(session, start),
        progress=progress,
        replies=None if replay else replies,
        quiet=QuietActions(policy, base) if skip_quiet and not replay else None,
    )
    rows = []
    with repo.reach_index(session):  # each message's channel, from two reads, not a query a message
        for m in messages:
            if m.recipient == SIT:
                name, reach = "SIT channel", "+".join(sorted(channels)) or "unreachable"
            else:
                person = people.get(m.recipient)
                name = person.name if person else m.recipient
                picked = None if m.unreachable or person is None else pick_channel(session, channels, person)
                reach = picked.name if picked else "unreachable"
            rows.append(PreviewRow(m, name, reach))
    return rows


def _history_before(session: Session, start: datetime) -> History:
    """What the real ledger shows as handled before the preview starts (it is not sent again)."""
    history = History()
    # the rows claimed during the period (a live scheduler's) are not read at all: a day of
    # margin in SQL (stored instants are UTC; the margin keeps a zone slip out), the exact test here
    rough = start + timedelta(days=1)
    for row in session.exec(select(SendLedger).where(col(SendLedger.claimed_at) < rough)).all():
        if utc_aware(row.claimed_at) < start:
            add_row(history, row)
    return history


# --- output -----------------------------------------------------------------------------------

CSV_COLUMNS = (
    "local_time",
    "timezone",
    "utc_time",
    "recipient",
    "name",
    "channel",
    "kind",
    "rules",
    "actions",
    "ledger_key",
)
DETAIL_COLUMNS = (
    "local_time",
    "timezone",
    "recipient",
    "name",
    "channel",
    "kind",
    "action",
    "rule",
    "reason",
    "ledger_key",
)


def _when(m: Planned) -> str:
    return m.local_at.strftime("%a %d %b %Y %H:%M %Z")


def as_text(rows: list[PreviewRow], *, detail: bool, header: str) -> str:
    out = [header]
    for r in rows:
        m = r.message
        out.append(f"{_when(m):<26} {r.name} ({m.recipient})  via {r.channel}  [{m.kind}]  {m.why()}")
        if detail:
            for i in m.items:
                out.append(f"    {i.subject or '-':<8} {i.rule:<22} {i.reason}")
    return "\n".join(out) + "\n"


def as_csv(rows: list[PreviewRow], *, detail: bool) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)

    def put(cells: tuple[object, ...]) -> None:
        writer.writerow([neutralise(c) for c in cells])  # names and reasons may start with "="

    writer.writerow(DETAIL_COLUMNS if detail else CSV_COLUMNS)
    for r in rows:
        m = r.message
        local = m.local_at.strftime("%Y-%m-%d %H:%M")
        if detail:
            for i in m.items:
                put((local, m.timezone, m.recipient, r.name, r.channel, i.kind, i.subject, i.rule, i.reason, m.key))
        else:
            put(
                (
                    local,
                    m.timezone,
                    m.send_at.strftime("%Y-%m-%dT%H:%MZ"),
                    m.recipient,
                    r.name,
                    r.channel,
                    m.kind,
                    m.why(),
                    " ".join(m.refs),
                    m.key,
                )
            )
    return buf.getvalue()


def _zone(name: str | None):
    from bot.workdays import zone

    return zone(name or "Europe/London")
