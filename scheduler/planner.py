"""Items → messages: at most one message per person per local day, sent inside their working
hours, listing everything that has come due for them. Pure, like `scheduler.rules`.

`plan_messages` is the single entry point the tick, the preview and the tests call: the same
function decides what goes out live and what the preview says would go out — including which
messages no channel can deliver (their recipient is in `Inputs.unreachable`) and the notices
that tell the SIT about those people, once per person and day, in the SIT's message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time

from bot.policy import Policy
from bot.workdays import valid_zone
from scheduler.action_memo import ActionMemo
from scheduler.plan_scopes import PlanScope, namespaced, prefix_of, scoped
from scheduler.planned import SIT, History, Inputs, Item, Planned, notice_series
from scheduler.rules import Rules

KIND_ORDER = ("nudge", "reading", "escalation", "notice", "audit")
KIND_RANK = {kind: n for n, kind in enumerate(KIND_ORDER)}


def message_key(recipient: str, day) -> str:
    """The ledger key of a person's (or the SIT's) daily message: unique per local day, so
    two processes or a restart can never send a second one that day."""
    return f"msg:{recipient}:{day.isoformat()}"


def zones_in_use(inputs: Inputs, policy: Policy) -> set[str]:
    zones = {inputs.state.plan.timezone or policy.default_timezone}
    for tz in inputs.directory.timezones:  # a handful of zones, however many people
        zones.add(tz if valid_zone(tz) else policy.default_timezone)
    return zones


def plan_messages(inputs: Inputs, policy: Policy, history: History, now: datetime) -> list[Planned]:
    """Every message due at `now` that the history does not show as already handled."""
    return plan_every([PlanScope("", inputs)], policy, history, now)


def plan_every(
    scopes: list[PlanScope],
    policy: Policy,
    history: History,
    now: datetime,
    memos: Mapping[str, ActionMemo] | None = None,
) -> list[Planned]:
    """`plan_messages` over several live plans at once (the default plan first): each plan's
    rules find its items (`scheduler.plan_scopes`), then each person's items from every plan go
    into their one message of the day. `memos` (by plan prefix) are the ticker's memory of each
    action's items (`scheduler.action_memo`); the result is the same with or without them."""
    cal = policy.calendar
    zones = set().union(*(zones_in_use(s.inputs, policy) for s in scopes)) if scopes else set()
    if not any(cal.in_working_hours(now, tz) for tz in zones):
        return []  # nobody is at work anywhere: nothing can be sent, so nothing is worked out
    all_rules = [(s.prefix, Rules(s.inputs, policy, scoped(history, s.prefix), now)) for s in scopes]
    rules = all_rules[0][1]  # names, time zones and the SIT's zone: the default plan's
    inputs = scopes[0].inputs
    by_recipient: dict[str, list[Item]] = defaultdict(list)
    for prefix, plan_rules in all_rules:
        found = plan_rules.items((memos or {}).get(prefix))
        for item in [namespaced(i, prefix) for i in found] if prefix else found:
            by_recipient[item.recipient].append(item)
    order = PlanOrder([(prefix, plan_rules.inputs) for prefix, plan_rules in all_rules])
    out: list[Planned] = []
    unreached = dict(history.unreached)
    for recipient, items in by_recipient.items():
        if recipient == SIT:
            continue  # last: the SIT's message also tells it who could not be reached now
        planned = _batch(recipient, items, rules, policy, history, now, order)
        if planned is not None and recipient in inputs.unreachable:
            planned = replace(planned, unreachable=inputs.unreachable[recipient])
            day = planned.local_at.date()
            earlier = unreached.get((recipient, day), ("", ""))[1]  # e.g. an `actionbot nudge` that day
            what = "; ".join(x for x in (earlier, planned.why()) if x)
            unreached[(recipient, day)] = (planned.unreachable, what)
        out += [planned] if planned is not None else []
    sit_items = by_recipient.get(SIT, []) + notice_items(unreached, rules, history)
    out += _sit_messages(sit_items, rules, policy, history, now, order)
    return sorted(out, key=lambda p: (p.send_at, p.recipient, p.key))


class PlanOrder:
    """Where an item comes in its message: its plan (in the order of the scopes), then its place
    in the plan (an action's position, an indicator's place in the plan's list); (0, 0) for
    anything else. Looked up only for the items that go into a message: a table of every
    action's place, built each tick, cost more than a steady tick's whole planning at 100,000."""

    def __init__(self, plans: list[tuple[str, Inputs]]) -> None:
        self._plans = {prefix: (rank, inputs) for rank, (prefix, inputs) in enumerate(plans)}
        self._indicators: dict[str, dict[str, int]] = {}
        self._ranks: dict[tuple[str, str], tuple[int, int]] = {}

    def rank(self, item: Item) -> tuple[int, int]:
        """Kept per (plan, subject): an action's holders all get an item about it."""
        prefix = prefix_of(item.key)
        key = (prefix, item.subject)
        found = self._ranks.get(key)
        if found is None:
            found = self._ranks[key] = self._rank(prefix, item.subject)
        return found

    def _rank(self, prefix: str, subject: str) -> tuple[int, int]:
        found = self._plans.get(prefix)
        if found is None:
            return (0, 0)
        rank, inputs = found
        codes = self._indicators.get(prefix)
        if codes is None:
            codes = self._indicators[prefix] = {ind.code: n for n, ind in enumerate(inputs.indicators)}
        if subject in codes:
            return (rank, codes[subject])
        s = inputs.state.action(subject)
        return (rank, s.action.position) if s is not None and s.ref == subject else (0, 0)


def notice_items(unreached: dict[tuple[str, date], tuple[str, str]], rules: Rules, history: History) -> list[Item]:
    """'Could not reach X' for the SIT: one item per person and day they could not be reached
    (from the ledger, or planned just now), until the SIT has been told."""
    out = []
    waiting = []  # those the SIT has not been told of yet: a month's preview holds thousands told
    for (person, day), (reason, what) in unreached.items():
        key = history.notice_key(person, day)
        if not history.delivered(key):
            waiting.append((day, person, notice_series(person, day), key, reason, what))
    for day, person, series, key, reason, what in sorted(waiting):  # by day, then person: each pair once
        text = f"{rules.name_of(person)} ({person}) on {day:%a} {day.day} {day:%b}: {reason}"
        out.append(
            Item(
                key=key,
                series=series,
                stage="notice",
                kind="notice",
                recipient=SIT,
                trigger=rules.cal.at(day, time(0, 0), rules.tz_of(person)),
                rule="unreachable",
                reason=text + (f"; not delivered: {what}" if what else ""),
                owners=(person,),
            )
        )
    return out


def _batch(
    recipient, items, rules: Rules, policy: Policy, history: History, now, order: PlanOrder
) -> Planned | None:
    """The recipient's one message of the day: every item that has come due for them."""
    cal = policy.calendar
    tz = rules.tz_of(recipient)
    if not cal.in_working_hours(now, tz):
        return None
    opening = cal.at(cal.local(now, tz).date(), max(policy.send_time, cal.day_start), tz)
    slots = {t: cal.next_slot(t, tz, policy.send_time) for t in {i.trigger for i in items}}  # a few instants
    personal = [i for i in items if slots[i.trigger] <= now]
    if not personal:
        return None
    key = message_key(recipient, cal.local(now, tz).date())
    if key in history.messages:
        return None
    send_at = max(min(slots[i.trigger] for i in personal), opening)
    kinds = sorted({i.kind for i in personal}, key=KIND_ORDER.index)
    personal.sort(key=lambda i: (KIND_RANK[i.kind], order.rank(i), i.key))
    return Planned(key, "+".join(kinds), recipient, send_at, tz, tuple(personal))


def _sit_messages(
    items: list[Item], rules: Rules, policy: Policy, history: History, now, order: PlanOrder
) -> list[Planned]:
    """Digests and reports as messages of their own; everything else in the SIT's daily message."""
    cal = policy.calendar
    tz = rules.tz_of(SIT)
    if not items or not cal.in_working_hours(now, tz):
        return []
    opening = cal.at(cal.local(now, tz).date(), max(policy.send_time, cal.day_start), tz)
    out = []
    for digest in (i for i in items if i.kind in ("digest", "report")):
        if cal.next_slot(digest.trigger, tz, policy.send_time) <= now:
            out.append(Planned(digest.key, digest.kind, SIT, max(digest.trigger, opening), tz, (digest,)))
    daily = _batch(SIT, [i for i in items if i.kind not in ("digest", "report")], rules, policy, history, now, order)
    return out + ([daily] if daily is not None else [])
