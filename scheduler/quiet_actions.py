"""The preview's memory of which actions cannot have anything new before a given day.

`actionbot preview` wakes at every working morning of the period; evaluating the rules of every
open action at each wake-up is what made a month of 10,000 actions take minutes. Yet an action
whose rules found nothing at one wake-up finds nothing again until one of the things they read
changes. In the preview (directory, snoozes and plan state read once, nobody answering or
`--simulate-replies`) those are:

- the day (each recipient's local date): a stage of one of its episodes comes due (the due
  date's heads-ups, due day and chases; the round's ask and chases), an escalation's day comes
  (N working days overdue; silence after the last chase, counted from the day that chase went
  out), a snooze ends, a new round opens, or anyone's leave starts or ends (it changes who is
  asked, who stands in and who hears an escalation);
- the history of its own episodes (every series and key names the action's ref): a message
  recorded in the simulated ledger touches the actions its items name (`touch`);
- its own state: a simulated `no change` answer touches the action it answers.

So after an evaluation that found nothing, `put` keeps the first such day after the wake-up,
and `get` answers "nothing" without evaluating until a wake-up reaches that day, or the
action is touched. An action that found something is evaluated at every wake-up until it is
quiet (what it found may be sent, or wait for its recipient's working hours).

It plugs into `scheduler.rules.Rules.items` where the ticker's `ActionMemo` does; like it, it
is an optimisation only: `tests/contract/test_preview_output.py` pins the preview's output to
what evaluating every action at every wake-up printed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from bot.plan_state import ActionState
from bot.policy import Policy
from bot.rounds import Round, current_round, round_of
from scheduler.action_memo import ActionMemo
from scheduler.planned import History, Inputs, Item
from scheduler.rules import due_stages, round_stages


class QuietActions(ActionMemo):
    """Per action ref, the first day on which its rules may find something (see the module)."""

    def __init__(self, policy: Policy, inputs: Inputs) -> None:
        super().__init__()
        self.policy = policy
        self.cal = policy.calendar
        self.snoozes = inputs.snoozes
        leave: set[date] = set()
        for p in inputs.directory.people.values():
            if p.away_until is not None:
                leave |= {p.away_until + timedelta(days=1)} | ({p.away_from} if p.away_from else set())
        self.leave_days = sorted(leave)
        self.history = History()
        self.lo = self.hi = date.min
        self.round: Round | None = None
        self._round_days: list[date] = []
        self._round_last = ""
        self._round_suffix = ""  # ":2016-09": how the round's series end
        self._next_global = date.max
        self._quiet: dict[str, date] = {}  # ref → the first day its rules may find something
        self._found: dict[str, tuple[ActionState, list[Item]]] = {}  # what the last evaluation found
        self._due_days: dict[tuple[date, int], tuple[list[date], str]] = {}

    def wake(self, now: datetime, zones: Iterable[str], history: History) -> None:
        """A new wake-up: the earliest and latest local date anyone is at, and the ledger so far."""
        self.hits = self.misses = 0
        days = [self.cal.local(now, tz).date() for tz in zones]
        self.lo, self.hi, self.history = min(days), max(days), history
        r = current_round(self.policy, self.lo)
        if r != self.round:
            self.round = r
            stages = round_stages(self.policy, r)
            self._round_days, self._round_last = sorted(st.day for st in stages), stages[-1].name
            self._round_suffix = f":{r.key}"
        following = date(r.year, r.month, 28) + timedelta(days=4)  # a day of the next month
        next_open = round_of(self.policy, following.year, following.month).opens
        self._next_global = min(next_open, _first_after(self.leave_days, self.lo) or date.max)

    def get(self, s: ActionState) -> list[Item] | None:
        until = self._quiet.get(s.ref)
        if until is not None and until > self.hi:
            self.hits += 1
            return []
        self.misses += 1
        return None

    def put(self, s: ActionState, items: list[Item]) -> None:
        if items:
            self._quiet.pop(s.ref, None)
            self._found[s.ref] = (s, items)
        else:
            self._quiet[s.ref] = self._next_change(s)
            self._found.pop(s.ref, None)

    def unchanged(self, actions: list[ActionState]) -> list[Item] | None:
        """Never "the whole walk is as last time": every wake-up is a new day (for the ticker's
        memo's shortcut, should `Rules.items` ask)."""
        return None

    def walked(self, actions: list[ActionState], items: list[Item], count: int) -> None:
        """Nothing to keep of a whole walk (see `unchanged`)."""

    def recorded(self, refs: Iterable[str], *, answered: bool = False) -> None:
        """The wake-up's messages are in the simulated ledger; `refs` are the actions they name.

        An action all of whose items went out finds nothing more until its next day, as the
        ticker's memo reasons (`ActionMemo.begin`): each owner's step is keyed by its series
        and holder, each escalation by its series and target, and those are now handled; when an
        item was its episode's last stage, the silence escalation counted from today is one more
        day for `_next_change`. The action is evaluated again at the next wake-up when an item is
        still waiting, when `answered` (simulated replies change the actions' state), or when a
        silence escalation could come due on the same day (`_silence_later`)."""
        handled = self.history.items
        for ref in refs:
            found = self._found.pop(ref, None)
            if found is None:
                continue  # quiet at this wake-up: what named it was not one of its rules' items
            s, items = found
            waiting = any(i.key not in handled for i in items)
            if answered or waiting or (any(self._is_last(i, s) for i in items) and not self._silence_later(s)):
                self._quiet.pop(ref, None)
            else:
                self._quiet[ref] = self._next_change(s)

    def _silence_later(self, s: ActionState) -> bool:
        """Whether a silence escalation counted from today comes on a later day, which
        `_next_change` then finds: everyone is on the same date and the policy waits a day or more."""
        return self.lo == self.hi and self.policy.escalation_for(s.action.priority_number).silence_working_days >= 1

    def _is_last(self, item: Item, s: ActionState) -> bool:
        """Whether `item` is the last stage of its owner episode (the silence rule reads its day)."""
        if item.series.startswith("round:"):
            return self.round is None or not item.series.endswith(self._round_suffix) or item.stage == self._round_last
        if item.series.startswith("due:"):
            return s.due is None or item.stage == self._due_stage_days(s.due, 0)[1]
        return False

    def _next_change(self, s: ActionState) -> date:
        """The first day after `lo` on which anything `s`'s rules compare with the day changes."""
        lo, found = self.lo, [self._next_global]
        esc = self.policy.escalation_for(s.action.priority_number)
        episodes: list[tuple[str, list[date], str]] = []  # series, its days, its last stage
        if s.due is not None:
            days, last = self._due_stage_days(s.due, esc.overdue_working_days)
            episodes.append((f"due:{s.ref}:{s.due.isoformat()}", days, last))
        if self.round is not None:
            episodes.append((f"round:{s.ref}:{self.round.key}", self._round_days, self._round_last))
        for series, days, last in episodes:
            found.append(_first_after(days, lo) or date.max)
            sent = self.history.stage_day.get((series, last))  # the silence escalation counts from it
            if sent is not None:
                found.append(self.cal.add_working_days(sent, esc.silence_working_days))
        until = self.snoozes.get(s.ref)
        if until is not None:
            found.append(until)
        return min(d for d in found if d > lo)

    def _due_stage_days(self, due: date, overdue_working_days: int) -> tuple[list[date], str]:
        """The days of a due date's stages and its overdue escalation; the last stage's name."""
        found = self._due_days.get((due, overdue_working_days))
        if found is None:
            stages = due_stages(self.policy, due)
            days = {st.day for st in stages}
            if overdue_working_days:
                days.add(self.cal.add_working_days(due, overdue_working_days))
            found = self._due_days[(due, overdue_working_days)] = (sorted(days), stages[-1].name)
        return found


def _first_after(days: list[date], day: date) -> date | None:
    """The first of the sorted `days` after `day`."""
    i = bisect_right(days, day)
    return days[i] if i < len(days) else None
