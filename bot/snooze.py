"""`snooze 4.2.1 until Monday`: hold reminders and chases about an action until a day.

A snooze never holds an escalation of an overdue or Red action (silence reaches a manager
anyway), lasts at most the policy's `snooze.max_days`, may be set only by someone who may
update the action, and is recorded in the audit trail. `snooze 4.2.1 off` ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.dates import parse_date
from bot.identity import refusal, update_rights
from bot.requests import Reply
from bot.status import unknown_action
from bot.views import NoticeView
from domain import action_ids
from storage import repo
from storage.models import Snooze

if TYPE_CHECKING:
    from bot.conversation import Turn

_SNOOZE = re.compile(
    rf"^snooze\s+(?P<refs>{action_ids.TOKEN}(?:[\s,]+(?:and\s+)?{action_ids.TOKEN})*)\s+"
    r"(?:(?:until|till|til|to)\s+(?P<until>.+)|(?P<off>off|cancel|stop))$",
    re.I,
)
USAGE = "Write e.g. `snooze 4.2.1 until Monday` (or `snooze 4.2.1 off`)."


@dataclass(frozen=True)
class SnoozeText:
    """What `snooze …` said: the actions (canonical ids, each once) and either the typed date or off."""

    refs: tuple[str, ...]
    until: str | None  # the date as typed; None with `off`
    off: bool


def parse_snooze(text: str) -> SnoozeText | str | None:
    """Pure: None unless the text starts with `snooze`; a SnoozeText, or what is wrong with it."""
    t = " ".join(text.strip().split())
    if not t.lower().startswith("snooze"):
        return None
    m = _SNOOZE.match(t)
    if not m:
        return f"I didn't understand that snooze. {USAGE}"
    refs = tuple(dict.fromkeys(action_ids.find_all(m.group("refs"))))
    return SnoozeText(refs, None if m.group("off") else m.group("until"), bool(m.group("off")))


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: None unless the text starts with `snooze`."""
    parsed = parse_snooze(text)
    if parsed is None:
        return None
    if isinstance(parsed, str):
        return Reply([NoticeView(parsed, "warning")])
    if turn.actor.person is None:
        return Reply([NoticeView("I don't know who you are yet, so I can't snooze reminders for you.", "warning")])
    today = turn.state.today
    rights = update_rights(turn.session, turn.actor)
    states = []
    for ref in parsed.refs:
        s = turn.state.action(ref)
        if s is None:
            return Reply([unknown_action(turn.state, ref)])
        if not rights.allows(s.action):
            return Reply([NoticeView(refusal(turn.session, s.action, "snooze"), "warning")])
        states.append(s)
    if parsed.off or parsed.until is None:
        until = today
    else:
        until = parse_date(parsed.until, today)
        if until is None:
            return Reply([NoticeView(f"I can't read the date {parsed.until!r}. {USAGE}", "warning")])
        if until <= today:
            return Reply([NoticeView(f"{until:%a %d %b %Y} is not in the future. {USAGE}", "warning")])
        limit = turn.policy.snooze_max_days
        if (until - today).days > limit:
            return Reply(
                [NoticeView(f"A snooze lasts at most {limit} days; {until:%a %d %b %Y} is further away.", "warning")]
            )
    refs = [s.ref for s in states]
    for s in states:
        turn.session.add(Snooze(action_id=s.action.id, person_key=turn.actor.key, until=until, at=turn.now))
        repo.add_audit(
            turn.session,
            at=turn.now,
            actor=turn.actor.label,
            kind="snooze.cleared" if parsed.off else "snooze.set",
            subject=s.ref,
            details={"until": until.isoformat(), "plan": turn.state.plan.key},
        )
    listed = ", ".join(refs)
    if parsed.off:
        return Reply([NoticeView(f"Snooze ended for {listed}: reminders and chases resume.")])
    return Reply(
        [
            NoticeView(
                f"Snoozed {listed} until {until:%a %d %b %Y}: no reminders or chases about "
                f"{'it' if len(refs) == 1 else 'them'} before then. Escalations of overdue or Red actions still go "
                "to managers."
            )
        ]
    )
