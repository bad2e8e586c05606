"""The monthly round as the core and the scheduler both see it: when a month's round opens and
is due, which one is current, and which actions it asks about.

Written once here (not in `scheduler/`) because the core needs it too: `no change` re-confirms
the actions of the person's *current* round, and must pick exactly the actions the scheduler
asked about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from bot.plan_state import ActionState
from bot.policy import Policy


@dataclass(frozen=True)
class Round:
    year: int
    month: int
    opens: date
    deadline: date
    closes: date  # the working day after the deadline: the highlight report goes out

    @cached_property
    def key(self) -> str:  # kept: the scheduler names every action's round episode with it
        return f"{self.year:04d}-{self.month:02d}"

    @cached_property
    def label(self) -> str:
        return f"{date(self.year, self.month, 1):%B %Y}"


def month_round(policy: Policy, year: int, month: int, open_day: int, due_day: int) -> Round:
    """A monthly ask: opens on working day `open_day`, answers due by working day `due_day`."""
    cal = policy.calendar
    opens = cal.nth_working_day(year, month, open_day)
    deadline = cal.nth_working_day(year, month, due_day)
    return Round(year, month, opens, deadline, cal.add_working_days(deadline, 1))


def latest_opened(today: date, round_in: Callable[[int, int], Round]) -> Round:
    """The latest round that has opened by `today` (this month's, or last month's before it opens)."""
    r = round_in(today.year, today.month)
    if r.opens <= today:
        return r
    prev = date(today.year, today.month, 1) - timedelta(days=1)
    return round_in(prev.year, prev.month)


def round_of(policy: Policy, year: int, month: int) -> Round:
    return month_round(policy, year, month, policy.round_open_day, policy.round_due_day)


def current_round(policy: Policy, today: date) -> Round:
    return latest_opened(today, lambda y, m: round_of(policy, y, m))


def in_round(policy: Policy, s: ActionState, r: Round) -> bool:
    """Whether the round `r` asks about `s`: open, not a recurrence the policy leaves out, and
    not starting more than `ask_before_start_days` after the round opens (an action that has not
    started cannot have news; it is asked from the first round within that many days of its start)."""
    recurrence = s.action.recurrence
    if not s.is_open or not (recurrence is None or recurrence in policy.round_recurring):
        return False
    start = s.action.start
    return start is None or (start - r.opens).days <= policy.round_ask_before_start_days


def answers_from(policy: Policy, r: Round, tz: str) -> datetime:
    """The instant from which an answer counts for the round: the start of its month in the
    plan's time zone (an update written on the 1st before the round's message still counts)."""
    return policy.calendar.at(date(r.year, r.month, 1), time(0, 0), tz)


def offers_no_change(policy: Policy, states: list[ActionState]) -> bool:
    """Whether a card about `states` offers "No change on the rest": some of its actions are in
    the round open now (a card sent by hand, or refreshed after a click, keeps the button)."""
    if not states or not policy.round_enabled:
        return False
    r = current_round(policy, states[0].today)
    return any(in_round(policy, s, r) for s in states)
