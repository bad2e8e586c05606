"""Thematic audits: `audit 4.2.1 due Mar 17` and `status audits`.

The plan checks completion by thematic audits. An SIT admin gives an action an audit date
(`audit 4.2.1 off` clears it); each is an audit event (`audit.scheduled`, `audit.cleared`), so
`bot.plan_state.load_state` knows every action's audit date at any instant. `status audits`
(or `audits`) is the SIT's list of those coming round: due within AUDIT_WINDOW_DAYS, or overdue.
Text commands, so they work the same in Slack, Teams and the terminal.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.dates import parse_date
from bot.requests import Reply
from bot.status import action_line, unknown_action
from bot.typed_command import typed
from bot.updates import proposal_horizon
from bot.views import LIST_LIMIT, ActionListView, NoticeView
from domain import action_ids
from storage import repo

if TYPE_CHECKING:
    from bot.conversation import Turn
    from bot.plan_state import ActionState, PlanState

AUDIT_WINDOW_DAYS = 30
_SET = re.compile(
    rf"^audit\s+(?P<ref>{action_ids.TOKEN})\s+(?:(?:due|on|by)\s+(?P<when>.+)|(?P<off>off|cancel|none))$", re.I
)
_LIST = re.compile(r"^audits(?:\s+due)?$", re.I)
USAGE = "Write e.g. `audit 4.2.1 due Mar 17` (or `audit 4.2.1 off`); `status audits` lists those coming round."


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: None unless the text is `audits` or starts with `audit `."""
    t = " ".join(text.strip().split())
    if _LIST.match(t):
        return Reply([audits_view(turn.state)])
    if not re.match(r"^audit(?:\s|$)", t, re.I):
        return None
    m = _SET.match(t)
    if not m:
        return _warn(f"I didn't understand that audit. {USAGE}")
    if turn.actor.person is None or not turn.actor.person.sit_admin:
        return _warn("Only an SIT admin can set an action's audit date.")
    s = turn.state.action(m.group("ref"))
    if s is None:
        return Reply([unknown_action(turn.state, m.group("ref"))])
    if m.group("off"):
        if s.audit_due is None:
            return _warn(f"{s.ref} has no audit date to clear.")
        _audit(turn, s, "audit.cleared", {"was": s.audit_due.isoformat()})
        return Reply([NoticeView(f"Cleared the audit date of {s.ref}.")])
    when = parse_date(m.group("when"), turn.state.today)
    if when is None:
        return _warn(f"I can't read the date {m.group('when')[:40]!r}. {USAGE}")
    if when < turn.state.today:
        return _warn(f"The audit date {when:%d %b %Y} is in the past.")
    horizon = proposal_horizon(turn.state)
    if when > horizon:
        return _warn(f"The audit date {when:%d %b %Y} is too far ahead: choose a date by {horizon:%d %b %Y}.")
    _audit(turn, s, "audit.scheduled", {"due": when.isoformat()})
    return Reply(
        [
            NoticeView(
                f"{s.ref} is due a thematic audit on {when:%a %d %b %Y}; it joins `{typed('status audits')}` {AUDIT_WINDOW_DAYS} days before."
            )
        ]
    )


def coming_round(state: PlanState) -> list[ActionState]:
    """Actions whose audit is due within AUDIT_WINDOW_DAYS or overdue, soonest (most overdue) first."""
    horizon = state.today + timedelta(days=AUDIT_WINDOW_DAYS)
    due = [a for a in state.actions if a.audit_due is not None and a.audit_due <= horizon]
    return sorted(due, key=lambda a: (a.audit_due, a.action.position))


def due_now(state: PlanState) -> list[ActionState]:
    """Actions whose audit date has come (on or before today) and was not cleared since: the
    audits the SIT should be doing now, most overdue first."""
    return [a for a in coming_round(state) if a.audit_due is not None and a.audit_due <= state.today]


def due_now_phrase(state: PlanState, limit: int = LIST_LIMIT) -> str:
    """The line the SIT's daily message carries ("" when no audit has come round), e.g.
    "Thematic audits due: 4.2.1 (due 17 Mar)": the audit date is set weeks ahead, so on the day
    it has to reach the SIT without anyone asking `status audits`."""
    found = due_now(state)
    if not found:
        return ""
    shown = ", ".join(f"{a.ref} (due {a.audit_due.day} {a.audit_due:%b})" for a in found[:limit] if a.audit_due)
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    how = f"`{typed('status audits')}` lists them; `{typed(f'audit {found[0].ref} off')}` clears one done."
    return f"Thematic audits due: {shown}{more}. {how}"


def audits_view(state: PlanState) -> ActionListView:
    """The SIT's audit list: each line says when the audit is due (or how late it is)."""
    found = coming_round(state)
    items = []
    for a in found[:LIST_LIMIT]:
        days = (a.audit_due - state.today).days
        when = f"audit due {a.audit_due:%d %b %Y}" + (f" ({-days} days overdue)" if days < 0 else "")
        items.append(replace(action_line(a), note=when, note_author=""))
    more = (
        f"{len(found) - len(items)} more after these (the soonest are shown first)" if len(found) > len(items) else ""
    )
    return ActionListView(
        title=f"Thematic audits due within {AUDIT_WINDOW_DAYS} days or overdue ({len(found)})",
        items=tuple(items),
        total=len(found),
        more_hint=more,
        empty_text=f"No thematic audits due within {AUDIT_WINDOW_DAYS} days. {USAGE}",
    )


def _audit(turn: Turn, s: ActionState, kind: str, details: dict[str, object]) -> None:
    repo.add_audit(
        turn.session,
        at=turn.now,
        actor=turn.actor.label,
        kind=kind,
        subject=s.ref,
        details={**details, "plan": turn.state.plan.key},
    )


def _warn(text: str) -> Reply:
    return Reply([NoticeView(text, "warning")])
