"""`snooze 4.2.1 until Monday`: hold reminders and chases about an action until a day.

A snooze never holds an escalation of an overdue or Red action (silence reaches a manager
anyway), lasts at most the policy's `snooze.max_days`, may be set only by someone who may
update the action, and is recorded in the audit trail. `snooze 4.2.1 off` ends it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot import action_ids
from bot.dates import parse_date
from bot.identity import refusal, update_rights
from bot.requests import Reply
from bot.status import unknown_action
from bot.views import NoticeView
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


def max_days() -> int:
    """The policy's limit (ACTIONBOT_POLICY), read when a snooze is asked for."""
    from bot.config import Settings
    from scheduler.policy import PolicyError, load_policy

    try:
        return load_policy(Settings().actionbot_policy).snooze_max_days
    except PolicyError:
        return load_policy(None).snooze_max_days


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: None unless the text starts with `snooze`."""
    t = " ".join(text.strip().split())
    if not t.lower().startswith("snooze"):
        return None
    m = _SNOOZE.match(t)
    if not m:
        return Reply([NoticeView(f"I didn't understand that snooze. {USAGE}", "warning")])
    if turn.actor.person is None:
        return Reply([NoticeView("I don't know who you are yet, so I can't snooze reminders for you.", "warning")])
    today = turn.state.today
    rights = update_rights(turn.session, turn.actor)
    states = []
    for ref in dict.fromkeys(action_ids.find_all(m.group("refs"))):
        s = turn.state.action(ref)
        if s is None:
            return Reply([unknown_action(turn.state, ref)])
        if not rights.allows(s.action):
            return Reply([NoticeView(refusal(turn.session, s.action, "snooze"), "warning")])
        states.append(s)
    if m.group("off"):
        until = today
    else:
        until = parse_date(m.group("until"), today)
        if until is None:
            return Reply([NoticeView(f"I can't read the date {m.group('until')!r}. {USAGE}", "warning")])
        if until <= today:
            return Reply([NoticeView(f"{until:%a %d %b %Y} is not in the future. {USAGE}", "warning")])
        limit = max_days()
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
            kind="snooze.cleared" if m.group("off") else "snooze.set",
            subject=s.ref,
            details={"until": until.isoformat(), "plan": turn.state.plan.key},
        )
    listed = ", ".join(refs)
    if m.group("off"):
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
