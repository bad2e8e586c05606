"""The nudge card's content for a person and a set of actions: one builder for every sender
(`actionbot nudge`, the scheduler, the in-place card refresh after a click)."""

from __future__ import annotations

from bot.plan_state import ActionState
from bot.views import NudgeItem, NudgeView


def nudge_item(s: ActionState, reason: str = "") -> NudgeItem:
    return NudgeItem(
        ref=s.ref,
        text=s.action.text,
        due=s.action.due,
        days_to_due=s.days_to_due if s.is_open else None,
        rag=s.rag,
        reason=reason,
    )


def nudge_view(
    name: str,
    states: list[ActionState],
    reasons: dict[str, str] | None = None,
    recorded: dict[str, str] | None = None,
    footer: str = "",
) -> NudgeView:
    reasons = reasons or {}
    n = len(states)
    first = name.split(" ")[0] if name else "there"
    greeting = (
        f"Hello {first}, please give an update on {'this action' if n == 1 else f'these {n} actions'}: "
        "a RAG status and one line."
    )
    return NudgeView(
        greeting=greeting,
        items=tuple(nudge_item(s, reasons.get(s.ref, "")) for s in states),
        footer=footer or "Press a button, or reply e.g. `4.2.1 amber - waiting on HR, new date end of Oct`.",
        recorded=recorded or {},
    )
