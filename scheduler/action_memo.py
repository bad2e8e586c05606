"""What each action's rules found at the last tick, kept while nothing they read has changed.

At 100,000 actions, evaluating every rule for every action takes seconds, yet between two ticks
of one day almost nothing changes. An action's items (`Rules.owner_items` + `escalation_items`)
depend only on:

- the day (each recipient's local date: which stage has come due, leave, snoozes, the round);
- the action's own state (its updates and dates): a kept plan state (`bot.plan_state.StateCache`)
  hands out the same `ActionState` object until that action changes, so the memo keeps, with
  each action's items, the state object they were found for, and evaluates a new one again;
- the people directory, the snoozes and the policy (every change to the directory is audited,
  so the newest audit event's id stands for it);
- the history of the action's own episodes (every series names its action ref).

The day, the directory, the snoozes and the policy form the memo's `key`; when it changes,
everything is evaluated again (once a day, or after an audited change).
The history is handled per action: a ledger row this process has not
read before touches the actions its items name (`HistoryReader.handled`). When the new row
records one of the action's remembered items as handled (typically the tick's own send), that
item is dropped, which is exactly what evaluating again would do: an owner's step is keyed by
its series and holder, an escalation by its series and target. The action is forgotten (and
evaluated again) when the row says more than that: an item the memo does not hold (another
stage, another process's day), a chase while a silence escalation may follow on the same day
(`silence_same_day`), or, when the action has an escalation remembered, an ask whose delivery
changes the escalation's "could not be reached" reason.

When nothing at all changed since the last tick (the same key, no ledger row touching the
plan's actions, the very same list of `ActionState`s: the kept plan state's), every action would
be a hit; the memo then hands back the whole list of the last tick's action items at once
(`unchanged`), so a steady tick does not even walk the plan's 100,000 actions.

The memo is an optimisation only: `tests/unit/test_action_memo.py` checks that a ticker with it
plans exactly what a fresh evaluation plans, tick after tick.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from bot.plan_state import ActionState
from scheduler.planned import Item


@dataclass(frozen=True)
class Handled:
    """An action's item a ledger row newly records: its ref, its key (without the plan's
    prefix) and whether the row was recorded undelivered (no channel reaches the person)."""

    ref: str
    key: str
    unreachable: bool = False


class ActionMemo:
    """One plan's items per action ref, valid for one key (see the module's docstring)."""

    def __init__(self) -> None:
        self.key: Hashable = None
        self._items: dict[str, list[Item]] = {}
        self._states: dict[str, ActionState] = {}  # the state each action's items were found for
        self.hits = 0  # counts for the benchmark and the tests: how much was not evaluated again
        self.misses = 0
        # the last full walk: (the state's list of actions, every open action's items in plan
        # order, how many open actions), valid while nothing was forgotten since
        self._whole: tuple[list[ActionState], list[Item], int] | None = None

    def begin(self, key: Hashable, handled: Iterable[Handled], *, silence_same_day: bool = True) -> None:
        """Start a tick: a new key forgets everything; else apply the items the ledger newly holds."""
        self.hits = self.misses = 0
        if key != self.key:
            self.key = key
            self._items.clear()
            self._states.clear()
            self._whole = None
            return
        for h in handled:
            kept = self._items.get(h.ref)
            if kept is None:
                continue
            self._whole = None  # an action's items change: the next walk puts the list together again
            done = next((i for i in kept if i.key == h.key), None)
            rest = [i for i in kept if i.key != h.key]
            if done is None or self._changes_more(done, rest, h.unreachable, silence_same_day):
                del self._items[h.ref]
            else:
                self._items[h.ref] = rest

    @staticmethod
    def _changes_more(done: Item, rest: list[Item], unreachable: bool, silence_same_day: bool) -> bool:
        """Whether handling `done` can change the action's other items (see the module)."""
        if done.rule.startswith("chase") and silence_same_day:
            return True  # the last chase starts the silence clock
        if done.kind == "nudge" and any(i.kind == "escalation" for i in rest):
            # the escalation names the owners whose latest ask was undelivered
            return unreachable or any(i.unreached for i in rest)
        return False

    def unchanged(self, actions: list[ActionState]) -> list[Item] | None:
        """Every open action's items, as the last walk over this very list of actions found
        them, when nothing has been forgotten since; else None (walk the actions)."""
        if self._whole is None or self._whole[0] is not actions:
            return None
        self.hits += self._whole[2]
        return self._whole[1]

    def walked(self, actions: list[ActionState], items: list[Item], count: int) -> None:
        """Remember a complete walk over `actions` (`count` open actions) and what it found."""
        self._whole = (actions, items, count)

    def get(self, s: ActionState) -> list[Item] | None:
        """The items kept for this very state of the action (a kept plan state hands out the
        same `ActionState` object until the action changes; a new object is evaluated again)."""
        ref = s.action.ref
        kept = self._states.get(ref)
        found = self._items.get(ref) if kept is s else None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, s: ActionState, items: list[Item]) -> None:
        ref = s.action.ref
        self._states[ref] = s
        self._items[ref] = items
