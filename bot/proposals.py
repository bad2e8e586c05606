"""Proposed dates awaiting the SIT: `status proposals` (with Approve and Reject for SIT admins)
and the count the SIT's daily message carries. Read from the plan state, where a proposal is
the latest update's new date that no `due.approved` / `due.rejected` event has decided."""

from __future__ import annotations

from bot.identity import Actor
from bot.plan_state import ActionState, PlanState
from bot.typed_command import typed
from bot.views import ProposalLine, ProposalsView


def pending(actions: list[ActionState]) -> list[ActionState]:
    return [a for a in actions if a.pending_update is not None and a.pending_due is not None]


def proposals_view(state: PlanState, actor: Actor) -> ProposalsView:
    lines = tuple(
        ProposalLine(
            ref=a.ref,
            text=a.action.text,
            proposed_by=a.pending_update.author_name or a.pending_update.author_key or "",
            due=a.due,
            proposed_due=a.pending_due,
            note=a.pending_update.note,
        )
        for a in pending(state.actions)
        if a.pending_update is not None
    )
    return ProposalsView(lines, buttons=bool(actor.person and actor.person.sit_admin))


def pending_phrase(n: int) -> str:
    """The line the SIT's daily message carries ("" when nothing waits)."""
    if not n:
        return ""
    return f"{n} proposed date{'s' if n != 1 else ''} awaiting your decision: `{typed('status proposals')}`."
