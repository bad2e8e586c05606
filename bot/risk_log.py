"""The risks and issues log in chat: `risk p4 add …`, `issue p4 add …`, `risks p4`, `issues`,
`risk R12 close - reason`. A text command, so it works the same in Slack, Teams and the terminal.

The grammar is `bot.log_parsing`; who may write is `bot.identity.may_keep_log` (priority leads
and SIT admins; everyone may read); the rows and their audit events are `storage.log_repo`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import status
from bot.dates import parse_date
from bot.identity import may_keep_log
from bot.log_parsing import LogAdd, LogClose, LogList, LogUsage, parse_log
from bot.requests import Reply
from bot.views import LogLine, LogView, NoticeView
from storage import log_repo, repo
from storage.models import LogEntry

if TYPE_CHECKING:
    from bot.conversation import Turn

KIND_WORDS = {"risk": "risks", "issue": "issues"}


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: None unless the text starts with risk(s)/issue(s)."""
    cmd = parse_log(text)
    if cmd is None:
        return None
    if isinstance(cmd, LogUsage):
        return _warn(cmd.text)
    if isinstance(cmd, LogList):
        return _list(turn, cmd)
    if isinstance(cmd, LogAdd):
        return _add(turn, cmd)
    return _close(turn, cmd)


def line_of(e: LogEntry, until: datetime | None = None) -> LogLine:
    """A stored entry as the views show it; with `until`, as it stood then (open if it was
    closed later)."""
    closed = e.status == "closed" and (until is None or e.closed_at is None or _before(e.closed_at, until))
    return LogLine(
        ref=log_repo.ref_of(e),
        kind=e.kind,
        priority=e.priority_number,
        title=e.title,
        owner=e.owner,
        status="closed" if closed else "open",
        impact=e.impact,
        likelihood=e.likelihood,
        mitigation=e.mitigation,
        review=e.review,
        action=e.action,
        due=e.due,
        close_reason=e.close_reason if closed else "",
    )


def _before(a: datetime, b: datetime) -> bool:
    from storage.db import utc_aware

    return utc_aware(a) <= utc_aware(b)


def _list(turn: Turn, cmd: LogList) -> Reply:
    state = turn.state
    if cmd.priority is not None and state.priority(cmd.priority) is None:
        return Reply([status.unknown_priority(state, cmd.priority)])
    kind = cmd.kind
    rows = log_repo.entries(turn.session, state.plan.id, kind=kind, priority=cmd.priority, open_only=True)
    scope = f" for priority {cmd.priority}" if cmd.priority is not None else ""
    title = f"Open {KIND_WORDS[kind]}{scope} ({len(rows)})"
    empty = f"No open {KIND_WORDS[kind]}{scope}."
    return Reply([LogView(title, tuple(line_of(e) for e in rows), empty)], private=True)


def _add(turn: Turn, cmd: LogAdd) -> Reply:
    state = turn.state
    p = state.priority(cmd.priority)
    if p is None:
        return Reply([status.unknown_priority(state, cmd.priority)])
    refused = _refusal(turn, p.priority)
    if refused:
        return refused
    owner = known_owner(turn.session, cmd.fields["owner"])
    if owner is None:
        return _warn(
            f"I don't know the owner {cmd.fields['owner']!r}: name a role (e.g. HOS S&CP) or a person in the directory."
        )
    dates: dict[str, date | None] = {}
    for name in ("review", "date"):
        typed_date = cmd.fields.get(name)
        if typed_date:
            parsed = parse_date(typed_date, state.today)
            if parsed is None:
                return _warn(f"I can't read the {name} date {typed_date!r}: try 31/12/2016, 'Dec 16' or 'end of Dec'.")
            dates[name] = parsed
    entry = LogEntry(
        plan_id=state.plan.id,
        kind=cmd.kind,
        number=0,
        priority_number=cmd.priority,
        title=cmd.title,
        impact=cmd.fields.get("impact", ""),
        likelihood=cmd.fields.get("likelihood", ""),
        owner=owner,
        mitigation=cmd.fields.get("mitigation", ""),
        review=dates.get("review"),
        action=cmd.fields.get("action", ""),
        due=dates.get("date"),
        created_at=turn.now,
        created_by=turn.actor.label,
    )
    log_repo.add(turn.session, entry, plan_key=state.plan.key)
    line = line_of(entry)
    return Reply([NoticeView(f"Logged {line.ref} in priority {cmd.priority}: {line.title} ({line.details()}).")])


def _close(turn: Turn, cmd: LogClose) -> Reply:
    state = turn.state
    ref = f"{'R' if cmd.kind == 'risk' else 'I'}{cmd.number}"
    entry = log_repo.entry(turn.session, state.plan.id, cmd.kind, cmd.number)
    if entry is None:
        return _warn(f"There is no {cmd.kind} {ref} in this plan: `{KIND_WORDS[cmd.kind]}` lists them.")
    p = state.priority(entry.priority_number)
    if p is None:
        return Reply([status.unknown_priority(state, entry.priority_number)])
    refused = _refusal(turn, p.priority)
    if refused:
        return refused
    if entry.status == "closed":
        return _warn(f"{ref} is already closed ({entry.close_reason}).")
    log_repo.close(turn.session, entry, reason=cmd.reason, actor=turn.actor.label, now=turn.now, plan_key=state.plan.key)
    return Reply([NoticeView(f"Closed {ref}: {entry.title} — {cmd.reason}")])


def _refusal(turn: Turn, priority) -> Reply | None:
    if may_keep_log(turn.session, turn.actor, priority):
        return None
    leads = " / ".join(priority.lead_roles or []) or "its lead"
    return _warn(
        f"Only priority {priority.number}'s lead ({leads}) or the SIT can change its risks and issues; "
        f"everyone can read them (`{KIND_WORDS['risk']} p{priority.number}`)."
    )


def known_owner(session: Session, typed: str) -> str | None:
    """The owner as the directory spells it: a role's abbreviation, or a person's name or key
    (case-insensitive); None when it names neither."""
    low = typed.strip().lower()
    for role in repo.roles(session):
        if role.abbrev.lower() == low:
            return role.abbrev
    for person in repo.all_people(session):
        if low in (person.name.lower(), person.key.lower()):
            return person.name
    return None


def _warn(text: str) -> Reply:
    return Reply([NoticeView(text, "warning")])
