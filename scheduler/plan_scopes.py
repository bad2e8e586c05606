"""Every live plan in one tick: each plan's items in its own namespace of the send ledger.

The rules (`scheduler.rules`) know one plan and name their episodes by action ref
(`round:1.1.1:2016-09`), so two plans with an action 1.1.1 would share episodes. Each plan's
items are therefore kept under a prefix, `yj/round:1.1.1:2016-09`, except the deployment's
default plan (`ACTIONBOT_PLAN`, else the oldest live plan): its keys stay as they were, so a
deployment that had one plan before several were possible sends nothing twice after the upgrade.
The rules themselves never see a prefix: each plan's Rules read a view of the history holding
only that plan's entries, with the prefix taken off (`scoped`), and their items get it added
back (`namespaced`). The person's daily message (`msg:<person>:<day>`) is one key for all plans,
so the planner still sends at most one message per person per day, listing every plan's items.

Known limit: when the default plan changes (it is archived, or ACTIONBOT_PLAN names another),
the new default reads the old default's unprefixed entries as its own; an episode with the same
key in both (same action ref, same date, same person) is then taken as already handled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scheduler.planned import SEPARATOR, History, Inputs, Item, prefix_of

__all__ = ["SEPARATOR", "PlanScope", "namespaced", "prefix_for", "prefix_of", "scoped"]



@dataclass(frozen=True)
class PlanScope:
    """One live plan as the planner sees it: its prefix ("" for the default plan) and inputs."""

    prefix: str
    inputs: Inputs

    @property
    def key(self) -> str:
        return self.inputs.state.plan.key


def prefix_for(plan_key: str, default_key: str) -> str:
    return "" if plan_key == default_key else f"{plan_key}{SEPARATOR}"


def namespaced(item: Item, prefix: str) -> Item:
    if not prefix:
        return item
    return replace(item, key=prefix + item.key, series=prefix + item.series)


def _mine(key: str, prefix: str) -> str | None:
    """The key as the plan's rules wrote it, or None when it belongs to another plan."""
    return key[len(prefix) :] if prefix_of(key) == prefix else None


def scoped(history: History, prefix: str) -> History:
    """The history one plan's rules read: its own entries, unprefixed; the daily messages and
    who could not be reached are about people, so every plan sees all of them. With one plan
    (nothing prefixed), the default plan's view is the history itself: no copy a tick."""
    if not prefix and history.prefixes <= {""}:
        return history
    view = History(unreached=history.unreached)
    view.items = {k: d for key, d in history.items.items() if (k := _mine(key, prefix)) is not None}
    view.stage_day = {
        (s, st): d for (series, st), d in history.stage_day.items() if (s := _mine(series, prefix)) is not None
    }
    view.series_to = {
        (s, r): stages for (series, r), stages in history.series_to.items() if (s := _mine(series, prefix)) is not None
    }
    view.last_ask = {
        (s, o): v for (series, o), v in history.last_ask.items() if (s := _mine(series, prefix)) is not None
    }
    view.messages = {k for key in history.messages if (k := _mine(key, prefix)) is not None}
    view.messages |= {key for key in history.messages if key.startswith("msg:")}
    return view
