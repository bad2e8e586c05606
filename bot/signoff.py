"""`signoff 4.2.1` and `reopen 4.2.1 - reason`: the SIT verifies a completion claim, or returns it.

Completion is checked, not self-declared: an update saying Completed (with its evidence,
`domain.evidence`) leaves the action "Completed (awaiting sign-off)" until an SIT admin signs it
off or reopens it. Both are audit events naming the claim's update (`completion.signed_off`,
`completion.reopened`), so `bot.plan_state.load_state` reproduces any past month, and a reopened
action goes back to the lead with the reason shown on its next status. Text commands, so they
work the same in Slack, Teams and the terminal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.requests import Reply
from bot.status import unknown_action
from bot.views import NoticeView
from domain import action_ids
from domain.vocabulary import NOTE_MAX
from storage import repo

if TYPE_CHECKING:
    from bot.conversation import Turn

_SIGNOFF = re.compile(rf"^sign[\s-]?off\s+(?P<ref>{action_ids.TOKEN})\s*$", re.I)
_REOPEN = re.compile(rf"^reopen\s+(?P<ref>{action_ids.TOKEN})(?:\s*[-–—:,]?\s*(?P<reason>.*))?$", re.I)
USAGE = "Write `signoff 4.2.1` to verify a completion, or `reopen 4.2.1 - reason` to return it to the lead."


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: None unless the text starts with `signoff`/`sign off` or `reopen`."""
    t = " ".join(text.strip().split())
    low = t.lower()
    if not (low.startswith(("signoff", "sign off", "sign-off", "reopen"))):
        return None
    reopen = low.startswith("reopen")
    m = (_REOPEN if reopen else _SIGNOFF).match(t)
    if not m:
        return _warn(f"I didn't understand that. {USAGE}")
    person = turn.actor.person
    if person is None or not person.sit_admin:
        return _warn("Only an SIT admin can sign off or reopen a completion.")
    ref = action_ids.canonical(m.group("ref")) or m.group("ref")
    s = turn.state.action(ref)
    if s is None:
        return Reply([unknown_action(turn.state, ref)])
    if not s.awaiting_signoff or s.latest is None:
        return _warn(f"{s.ref} has no completion awaiting sign-off.")
    reason = (m.group("reason") or "").strip() if reopen else ""
    if reopen and not reason:
        return _warn(f"Say why {s.ref} is reopened: `reopen {s.ref} - reason`.")
    if len(reason) > NOTE_MAX:
        return _warn(f"The reason is {len(reason)} characters; keep it to {NOTE_MAX}.")
    details: dict[str, object] = {"update_id": s.latest.id, "plan": turn.state.plan.key}
    if reopen:
        details["reason"] = reason
    repo.add_audit(
        turn.session,
        at=turn.now,
        actor=turn.actor.label,
        kind="completion.reopened" if reopen else "completion.signed_off",
        subject=s.ref,
        details=details,
    )
    if reopen:
        return Reply([NoticeView(f"Reopened {s.ref}: it goes back to its lead with your reason: {reason}")])
    evidence = f" (evidence: {s.latest.evidence})" if s.latest.evidence else ""
    return Reply([NoticeView(f"Signed off: {s.ref} is verified as completed{evidence}.")])


def _warn(text: str) -> Reply:
    return Reply([NoticeView(text, "warning")])
