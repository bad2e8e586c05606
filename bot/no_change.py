"""`no change` (and the "No change on the rest" button): one answer for the rest of a round.

A director asked about a hundred actions has news on a few. After answering those, `no change`
(or `no change except 4.2.1, 4.3.2`) re-confirms the last RAG of every other action of their
current round that they have not answered yet. Each confirmation is an audit event
(`bot.plan_state.CONFIRMED`, naming the update it re-confirms), never an `action_update`: it is
an answer to the round (the scheduler stops asking, the report says "confirmed, unchanged") but
never counts as a new update. An overdue or never-rated action needs a real answer, so it is
refused and listed with the reason; nothing else is written for it.

Which actions are "their current round" is the scheduler's own rule (`bot.rounds`): the round
open now, the actions it asks about, and the people it asks (`bot.recipients.Directory.owners`,
so a delegate standing in answers for the person on leave).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.parsing import parse_no_change
from bot.plan_state import CONFIRMED, ActionState
from bot.recipients import directory
from bot.requests import Reply
from bot.rounds import answers_from, current_round, in_round
from bot.typed_command import typed
from bot.views import NoticeView
from domain.vocabulary import NOT_RATED, RAG_LABELS
from storage import repo

if TYPE_CHECKING:
    from bot.conversation import Turn

SHOWN = 40  # ids listed per line of the answer before "and N more" (a chat message stays short)


OVERDUE, NEVER_RATED = "overdue", "never rated"


def refusal(s: ActionState) -> str | None:
    """Why `no change` may not re-confirm `s` (it needs a real answer), or None when it may."""
    if s.rag == NOT_RATED or s.latest is None:
        return NEVER_RATED
    if s.is_overdue:
        return OVERDUE
    return None


def command(turn: Turn, text: str) -> Reply | None:
    parsed = parse_no_change(text)
    if parsed is None:
        return None
    if parsed.bad:
        return Reply(
            [
                NoticeView(
                    f"Nothing was confirmed: {', '.join(f'`{b}`' for b in parsed.bad)} "
                    f"{'is' if len(parsed.bad) == 1 else 'are'} not action ids. "
                    f"Write e.g. `{typed('no change except 4.2.1, 4.3.2')}`.",
                    "warning",
                )
            ]
        )
    person = turn.actor.person
    if person is None:
        return Reply(
            [
                NoticeView(
                    "I don't know who you are yet, so I can't tell which actions are yours. Ask the SIT "
                    "to add you to the people directory.",
                    "warning",
                )
            ]
        )
    state, policy = turn.state, turn.policy
    r = current_round(policy, state.today)
    tz = state.plan.timezone or policy.default_timezone
    since = answers_from(policy, r, tz)
    people = directory(turn.session)
    mine = [
        s
        for s in state.actions
        if in_round(policy, s, r) and any(p.key == person.key for p in people.owners(s.action, state.today))
    ]
    if not mine:
        return Reply([NoticeView(f"You have no actions in the {r.label} round, so there is nothing to confirm.")])
    excepted = set(parsed.excepted)
    confirmed: list[ActionState] = []
    answered: list[str] = []
    overdue: list[str] = []
    never: list[str] = []
    for s in mine:
        if s.ref in excepted:
            continue
        why = refusal(s)
        if s.answered_since(since):
            answered.append(s.ref)
        elif why == NEVER_RATED:
            never.append(s.ref)
        elif why == OVERDUE:
            overdue.append(s.ref)
        else:
            confirmed.append(s)
    for s in confirmed:
        latest = s.latest
        assert latest is not None  # never-rated actions were refused above
        repo.add_audit(
            turn.session,
            at=turn.now,
            actor=turn.actor.label,
            kind=CONFIRMED,
            subject=s.ref,
            details={
                "plan": state.plan.key,
                "update_id": latest.id,
                "rag": latest.rag,
                "round": r.key,
                "channel": turn.request.identity.channel,
            },
        )
    unknown = sorted(excepted - {s.ref for s in mine})
    return Reply([NoticeView(_answer(r.label, confirmed, answered, overdue, never, parsed.excepted, unknown), _level(confirmed, overdue, never))])


def _level(confirmed: list[ActionState], overdue: list[str], never: list[str]) -> str:
    if overdue or never:
        return "warning"
    return "info"


def _ids(refs: list[str]) -> str:
    shown = ", ".join(refs[:SHOWN])
    return shown + (f" and {len(refs) - SHOWN} more" if len(refs) > SHOWN else "")


def _answer(
    label: str,
    confirmed: list[ActionState],
    answered: list[str],
    overdue: list[str],
    never: list[str],
    excepted: tuple[str, ...],
    unknown: list[str],
) -> str:
    lines = []
    if confirmed:
        by_rag: dict[str, list[str]] = {}
        for s in confirmed:
            by_rag.setdefault(s.rag, []).append(s.ref)
        parts = "; ".join(f"{RAG_LABELS.get(rag, rag)}: {_ids(refs)}" for rag, refs in by_rag.items())
        lines.append(
            f"Confirmed, unchanged for {label} ({len(confirmed)}): {parts}. "
            "Recorded as confirmations, not as new updates."
        )
    else:
        lines.append(f"Nothing was confirmed for {label}.")
    if overdue:
        lines.append(f"Not confirmed, overdue (give an update or propose a new date): {_ids(overdue)}.")
    if never:
        lines.append(f"Not confirmed, never rated (give a RAG status and one line): {_ids(never)}.")
    if excepted:
        left = [x for x in excepted if x not in unknown]
        if left:
            lines.append(f"Left for you to answer: {_ids(left)}.")
    if unknown:
        lines.append(f"Not in your {label} round: {_ids(unknown)}.")
    if answered:
        lines.append(f"Already answered this round: {len(answered)}.")
    if overdue or never:
        example = (overdue + never)[0]
        lines.append(f"For example `{example} amber - waiting on HR, new date end of Oct`.")
    return "\n".join(lines)
