"""Items → messages: at most one message per person per local day, sent inside their working
hours, listing everything that has come due for them. Pure, like `scheduler.rules`.

`plan_messages` is the single entry point the tick, the preview and the tests call: the same
function decides what goes out live and what the preview says would go out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from scheduler.planned import SIT, History, Inputs, Item, Planned
from scheduler.policy import Policy
from scheduler.rules import Rules
from scheduler.workdays import valid_zone

KIND_ORDER = ("nudge", "escalation")


def message_key(recipient: str, day) -> str:
    """The ledger key of a person's (or the SIT's) daily message: unique per local day, so
    two processes or a restart can never send a second one that day."""
    return f"msg:{recipient}:{day.isoformat()}"


def zones_in_use(inputs: Inputs, policy: Policy) -> set[str]:
    zones = {inputs.state.plan.timezone or policy.default_timezone}
    for p in inputs.directory.people.values():
        zones.add(p.timezone if valid_zone(p.timezone) else policy.default_timezone)
    return zones


def plan_messages(inputs: Inputs, policy: Policy, history: History, now: datetime) -> list[Planned]:
    """Every message due at `now` that the history does not show as already handled."""
    cal = policy.calendar
    if not any(cal.in_working_hours(now, tz) for tz in zones_in_use(inputs, policy)):
        return []  # nobody is at work anywhere: nothing can be sent, so nothing is worked out
    rules = Rules(inputs, policy, history, now)
    by_recipient: dict[str, list[Item]] = defaultdict(list)
    for item in rules.items():
        by_recipient[item.recipient].append(item)
    order = {s.ref: s.action.position for s in inputs.state.actions}
    out: list[Planned] = []
    for recipient, items in by_recipient.items():
        tz = rules.tz_of(recipient)
        if not cal.in_working_hours(now, tz):
            continue
        opening = cal.at(cal.local(now, tz).date(), max(policy.send_time, cal.day_start), tz)
        ready = [i for i in items if cal.next_slot(i.trigger, tz, policy.send_time) <= now]
        for digest in (i for i in ready if i.kind in ("digest", "report")):
            out.append(Planned(digest.key, digest.kind, SIT, max(digest.trigger, opening), tz, (digest,)))
        personal = [i for i in ready if i.kind not in ("digest", "report")]
        if not personal:
            continue
        key = message_key(recipient, cal.local(now, tz).date())
        if key in history.messages:
            continue
        send_at = max(min(cal.next_slot(i.trigger, tz, policy.send_time) for i in personal), opening)
        kinds = sorted({i.kind for i in personal}, key=KIND_ORDER.index)
        personal.sort(key=lambda i: (KIND_ORDER.index(i.kind), order.get(i.ref, 0), i.key))
        out.append(Planned(key, "+".join(kinds), recipient, send_at, tz, tuple(personal)))
    return sorted(out, key=lambda p: (p.send_at, p.recipient, p.key))
