"""The nudge card's content for a person and a set of actions: one builder for every sender
(`actionbot nudge`, the scheduler, the in-place card refresh after a click).

The actions come grouped by urgency (overdue; due within 30 days; in progress; not started),
so a director asked about a hundred actions sees first the few that need them; the grouping
is decided here once and every renderer only draws it.
"""

from __future__ import annotations

from datetime import timedelta

from bot.plan_state import ActionState
from bot.views import URGENCY_GROUPS, NudgeItem, NudgeView

DUE_SOON_DAYS = 30
NO_CHANGE_HINT = (
    "Nothing new on the rest? Press *No change on the rest* or reply `no change` "
    "(or `no change except 4.2.1, 4.3.2`): it re-confirms their last RAG. Overdue and never-rated "
    "actions need a real answer."
)
_ORDER = {key: n for n, (key, _) in enumerate(URGENCY_GROUPS)}


def urgency(s: ActionState, days: int = DUE_SOON_DAYS) -> str:
    """Which urgency group an action is in today (a key of `bot.views.URGENCY_GROUPS`)."""
    if s.is_overdue:
        return "overdue"
    if s.is_open and s.due is not None and s.due <= s.today + timedelta(days=days):
        return "due_soon"
    start = s.action.start
    if start is not None and start > s.today:
        return "not_started"
    return "in_progress"


def nudge_item(s: ActionState, reason: str = "") -> NudgeItem:
    return NudgeItem(
        ref=s.ref,
        text=s.action.text,
        due=s.action.due,
        days_to_due=s.days_to_due if s.is_open else None,
        rag=s.rag,
        reason=reason,
        group=urgency(s),
    )


def nudge_view(
    name: str,
    states: list[ActionState],
    reasons: dict[str, str] | None = None,
    recorded: dict[str, str] | None = None,
    footer: str = "",
    no_change: bool = False,
) -> NudgeView:
    """The card for `states`, most urgent group first (plan order inside a group). `no_change`
    (a round's ask) offers "No change on the rest" and says what it does."""
    reasons = reasons or {}
    n = len(states)
    first = name.split(" ")[0] if name else "there"
    greeting = (
        f"Hello {first}, please give an update on {'this action' if n == 1 else f'these {n} actions'}: "
        "a RAG status and one line."
    )
    items = sorted((nudge_item(s, reasons.get(s.ref, "")) for s in states), key=lambda i: _ORDER[i.group])
    default_footer = "Press a button, or reply e.g. `4.2.1 amber - waiting on HR, new date end of Oct`."
    return NudgeView(
        greeting=greeting,
        items=tuple(items),
        footer=footer or (default_footer + (" " + NO_CHANGE_HINT if no_change else "")),
        recorded=recorded or {},
        no_change=no_change,
    )
