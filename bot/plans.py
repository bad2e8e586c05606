"""Several plans in one deployment, in chat: `plans`, `use plan KEY`, `status … in KEY`.

Which plan a request is about, in order: the plan named once with `in KEY` at the end of a
status query; else, for a button, form or update typed in a nudge's thread, the one live plan
that has its action (`plan_for`); else the person's own choice (`use plan KEY`, kept on their directory row while
that plan is live); else the deployment's default (ACTIONBOT_PLAN, else the oldest live plan).
People see live plans only: an archived plan is history, read on the command line by its key.
When more than one plan is live every answer names its plan (`plan_line`), so nobody mistakes
the SEND plan's priority 4 for the Children's plan's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.identity import Actor
from bot.parsing import parse_status
from bot.requests import Reply
from bot.typed_command import typed
from bot.views import NoticeView
from storage import plan_status, repo
from storage.models import Plan

if TYPE_CHECKING:
    from bot.conversation import Turn

_PLANS = re.compile(r"^(?:list\s+)?plans$", re.IGNORECASE)
_USE = re.compile(r"^use\s+plan\b\s*(?P<key>.*)$", re.IGNORECASE)
# `status priority 4 in yj`: one token after a final `in`. `in p4` / `in priority 4` already
# mean "only priority 4" to the status grammar, so a key shaped like those is never a plan.
_IN_PLAN = re.compile(r"^(?:(?P<head>.*?)\s+)?in\s+(?P<key>[A-Za-z0-9][A-Za-z0-9._-]{0,79})$", re.IGNORECASE)
_PRIORITY_SHAPED = re.compile(r"^(?:p|priority)?\d+$", re.IGNORECASE)
_OTHER_COMMANDS = ("kpi", "indicator", "snooze", "away", "use")


@dataclass(frozen=True)
class Addressed:
    """A status query asked of one named plan: the query's own words, and the plan's key."""

    text: str
    key: str


def addressed(text: str) -> Addressed | None:
    """`priority 4 in yj` → Addressed("priority 4", "yj"); None when the text names no plan."""
    m = _IN_PLAN.match(text.strip())
    if not m or _PRIORITY_SHAPED.match(m.group("key")):
        return None
    head = (m.group("head") or "").strip()
    if head.split(" ", 1)[0].lower() in _OTHER_COMMANDS or parse_status(head) is None:
        return None
    return Addressed(head, m.group("key"))


def address(session: Session, text: str) -> Addressed | None:
    """`addressed`, except that a query that reads whole without the suffix (`lead Head of
    Service in Schools`) keeps its words when the last one names no plan."""
    named = addressed(text)
    if named is None or parse_status(text) is None:
        return named
    known = {p.key.lower() for p in repo.all_plans(session)}
    return named if named.key.lower() in known else None


class KeptPlans:
    """The live plans, kept between chat requests while the trail version is unchanged.

    Every chat answer needs its plan and whether several are live (`plan_line`): two reads of
    a table that changes a few times a year. Every change to a plan row is audited in the
    transaction that makes it (an import `plan.import`, `plan.activated`, `plan.archived`), so
    `repo.trail_version`, which the core reads first in every request, says whether the kept
    list is still true, as it does for `bot.plan_state.StateCache`. The plans are detached
    rows, only read (never added back to a session)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[tuple[int, int], tuple[Plan, ...]] | None = None

    def clear(self) -> None:
        with self._lock:
            self._kept = None

    def live(self, session: Session, version: tuple[int, int]) -> tuple[Plan, ...]:
        with self._lock:
            kept = self._kept
        if kept is not None and kept[0] == version:
            return kept[1]
        plans = tuple(repo.live_plans(session))
        with self._lock:
            self._kept = (version, plans)
        return plans


def plan_for(
    session: Session,
    actor: Actor,
    default_key: str | None,
    named: str | None,
    refs: tuple[str, ...] = (),
    live: Sequence[Plan] | None = None,
) -> Plan:
    """The plan this request is about (see the module's docstring). Raises NoPlanError with
    the words to show when a named plan is unknown (with a suggestion) or not live.

    `refs` are the actions a button, form or nudge-thread reply is about. A card does not say
    which plan it came from, so with several plans live the action is looked up in all of
    them: the one live plan that has it is the plan; an id that several live plans share is
    refused rather than guessed (the update is typed instead, after `use plan KEY`).

    `live`, the live plans oldest first when the caller has them (`KeptPlans`), saves reading
    them again; the answer is the same either way."""
    if refs and named is None:
        holders = _live_plans_with(session, refs, live)
        if len(holders) == 1:
            return holders[0]
        if len(holders) > 1:
            keys = ", ".join(p.key for p in holders)
            raise repo.NoPlanError(
                f"{', '.join(refs)} is in more than one live plan ({keys}), so nothing was recorded. "
                f"Type the update instead: `{typed('use plan KEY')}`, then e.g. `{refs[0]} amber - why`."
            )
    if named is not None:
        try:
            plan = plan_status.find(session, named)
        except plan_status.PlanStatusError as exc:
            raise repo.NoPlanError(_sentence(str(exc))) from None
        if not plan.active:
            raise repo.NoPlanError(f"Plan {plan.key} is not live. {_choices(session)}")
        return plan
    chosen = actor.person.current_plan_key if actor.person is not None else None
    if chosen:
        plan = _live_by_key(live, chosen) if live is not None else repo.plan_by_key(session, chosen)
        if plan is not None and plan.active:
            return plan
    if live is not None:
        # what `repo.active_plan` answers, from the live plans: the configured plan when it is
        # live, else the oldest live one; anything else (a configured plan that is archived,
        # no plan live) is asked of the database, which also words the error
        plan = _live_by_key(live, default_key) if default_key else (live[0] if live else None)
        if plan is not None:
            return plan
    return repo.active_plan(session, default_key)


def _live_by_key(live: Sequence[Plan], key: str) -> Plan | None:
    return next((p for p in live if p.key == key), None)


def _live_plans_with(session: Session, refs: tuple[str, ...], live: Sequence[Plan] | None = None) -> list[Plan]:
    """The live plans that have any of these action ids (none looked up with one plan live)."""
    live = repo.live_plans(session) if live is None else live
    if len(live) < 2:
        return []
    return [p for p in live if any(repo.action_by_ref(session, p.id, r) is not None for r in refs)]


def plan_line(session: Session, plan: Plan, live: Sequence[Plan] | None = None) -> NoticeView | None:
    """`Plan: Youth Justice Plan (yj)` at the top of an answer, only when several plans are live
    (`live`: the live plans, when the caller has them)."""
    count = repo.live_plan_count(session) if live is None else len(live)
    if count < 2:
        return None
    return plan_heading(plan)


def plan_heading(plan: Plan) -> NoticeView:
    """The one line that names a plan, in chat answers and in a scheduler message about several."""
    return NoticeView(f"Plan: {plan.title} ({plan.key})", "info")


def is_plans_command(text: str) -> bool:
    """`plans` and `use plan …` answer about plans themselves: they need no plan line."""
    t = " ".join(text.split())
    return bool(_PLANS.match(t) or _USE.match(t))


def command(turn: Turn, text: str) -> Reply | None:
    """The TEXT_COMMANDS entry: `plans` and `use plan KEY`; None for anything else."""
    t = " ".join(text.split())
    if _PLANS.match(t):
        return Reply([NoticeView(_listing(turn))])
    m = _USE.match(t)
    if m:
        return _use(turn, m.group("key").strip())
    return None


def _listing(turn: Turn) -> str:
    lines = ["Plans:"]
    for plan in repo.live_plans(turn.session):
        mark = "  ← yours now" if plan.id == turn.state.plan.id else ""
        lines.append(f"• {plan.key}: {plan.title}{mark}")
    lines.append(f"Switch with `{typed('use plan KEY')}`, or ask one once: `{typed('status priority 4 in KEY')}`.")
    return "\n".join(lines)


def _use(turn: Turn, key: str) -> Reply:
    person = turn.actor.person
    if person is None:
        return Reply(
            [
                NoticeView(
                    "I don't know who you are yet, so I can't remember a plan for you. Ask the SIT to add you to the people directory.",
                    "warning",
                )
            ]
        )
    if not key:
        return Reply([NoticeView(f"Which plan? {_choices(turn.session)}", "warning")])
    try:
        plan = plan_for(turn.session, turn.actor, None, key)
    except repo.NoPlanError as exc:
        return Reply([NoticeView(str(exc), "warning")])
    person.current_plan_key = plan.key
    turn.session.add(person)
    repo.add_audit(
        turn.session, at=turn.now, actor=person.key, kind="person.plan", subject=person.key, details={"plan": plan.key}
    )
    return Reply([NoticeView(f"Your plan is now {plan.title} ({plan.key}): `{typed('status')}` answers about it.")])


def _choices(session: Session) -> str:
    keys = ", ".join(p.key for p in repo.live_plans(session))
    return f"Live plans: {keys}. See them with `{typed('plans')}`."


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]
