"""`actionbot nudge <action|role|person>`: the nudge card, now, through the scheduler's path."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import TextIO

from sqlmodel import Session

from bot import delivery
from bot.nudges import nudge_view
from bot.plan_state import ActionState, PlanState, load_state
from bot.recipients import directory
from bot.rounds import offers_no_change
from bot.runtime import Runtime
from bot.status import unknown_action
from storage import repo
from storage.db import session_scope


def targets(session: Session, state: PlanState, target: str) -> tuple[dict[str, list[ActionState]], str | None]:
    """person key → action states to ask about; or an error message naming valid targets."""
    today = state.today
    chosen = []
    person_filter = None
    one = state.action(target)
    if one is not None:
        chosen = [one]
    elif any(target in a.action.leads for a in state.actions):
        chosen = [a for a in state.actions if target in a.action.leads and a.is_open]
    elif repo.person_by_key(session, target):
        person_filter = target
        chosen = [a for a in state.actions if a.is_open]
    else:
        hint = (
            unknown_action(state, target).text
            if target[:1].isdigit()
            else f"{target!r} is not an action id, a role in the plan, or a person key"
        )
        return {}, hint
    people = directory(session)  # read once: a role or a person may have hundreds of actions
    by_person: dict[str, list[ActionState]] = defaultdict(list)
    for s in chosen:
        for person in people.owners(s.action, today):
            if person_filter is None or person.key == person_filter:
                by_person[person.key].append(s)
    return dict(by_person), None


async def nudge_now(rt: Runtime, target: str, out: TextIO) -> int:
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        state = load_state(session, repo.active_plan(session, rt.settings.actionbot_plan), now)
        groups, error = targets(session, state, target)
        if error:
            print(f"actionbot: {error}", file=out)
            return 1
        if not groups:
            print(
                f"actionbot: nobody to nudge for {target}: no person holds its lead role "
                "(see `actionbot people check`)",
                file=out,
            )
            return 1
        names = {k: repo.person_by_key(session, k).name for k in groups}
    failures = 0
    run = uuid.uuid4().hex[:8]
    for key, states in groups.items():
        view = nudge_view(names[key], states, no_change=offers_no_change(rt.core.policy, states))
        outcome = await delivery.send_to_person(
            rt.engine,
            rt.channels,
            key,
            [view],
            # one ledger row per run of the command: a run that found them out of reach (recorded
            # `unreachable`) never blocks the next, e.g. once they have been linked
            key=f"nudge:manual:{key}:{target}:{now:%Y%m%dT%H%M%S}:{run}",
            kind="nudge",
            now=now,
            meta={"refs": [s.ref for s in states], "rule": "manual"},
        )
        refs = ", ".join(s.ref for s in states)
        print(
            f"{outcome.status:<11} {names[key]} ({key}) via {outcome.channel or '-'}: {refs}"
            + (f" — {outcome.detail}" if outcome.status != "sent" and outcome.detail else ""),
            file=out,
        )
        failures += outcome.status not in ("sent",)
    return 1 if failures else 0
