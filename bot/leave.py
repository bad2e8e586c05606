"""Leave: while a person is away their delegate is asked instead; with no delegate, the lead
officer of the priority is told (scheduler.rules). Set in chat (`away until 12/09`, `back`) or
by the SIT (`actionbot people leave KEY --from … --until …`); every change is audited.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.dates import parse_date
from bot.requests import Reply
from bot.views import NoticeView
from storage import repo
from storage.models import Person

if TYPE_CHECKING:
    from bot.conversation import Turn
    from bot.runtime import Runtime

MAX_LEAVE_DAYS = 183  # a longer absence is a change of role: update the directory instead

_AWAY = re.compile(
    r"^(?:i\s*(?:am|'m)\s+)?away\s+(?:from\s+(?P<start>.+?)\s+)?(?:until|till|til|to)\s+(?P<until>.+)$", re.I
)
_BACK = re.compile(r"^(?:i\s*(?:am|'m)\s+)?back(?:\s+from\s+leave)?[.!]?$", re.I)


class LeaveError(ValueError):
    """A leave request that cannot be recorded; the message says why, for the person."""


def read_dates(start_text: str | None, until_text: str, today: date) -> tuple[date, date]:
    start = today
    if start_text:
        parsed = parse_date(start_text, today - timedelta(days=1))
        if parsed is None:
            raise LeaveError(f"I can't read the date {start_text!r}: try 05/09/2016 or 'next Monday'.")
        start = parsed
    until = parse_date(until_text, max(start, today) - timedelta(days=1))
    if until is None:
        raise LeaveError(f"I can't read the date {until_text!r}: try 12/09/2016, 'Friday' or 'end of month'.")
    if until < start or until < today:
        raise LeaveError(f"{until:%a %d %b %Y} is before the leave starts ({max(start, today):%a %d %b %Y}).")
    if (until - today).days > MAX_LEAVE_DAYS:
        raise LeaveError(f"{until:%a %d %b %Y} is more than six months away: write the full date, e.g. 12/09/2016.")
    return start, until


def set_leave(session: Session, person: Person, start: date, until: date, *, actor: str, now: datetime) -> None:
    person.away_from, person.away_until = start, until
    session.add(person)
    repo.add_audit(
        session,
        at=now,
        actor=actor,
        kind="leave.set",
        subject=person.key,
        details={"from": start.isoformat(), "until": until.isoformat(), "delegate": person.delegate_key},
    )


def clear_leave(session: Session, person: Person, *, actor: str, now: datetime) -> None:
    was = (person.away_from, person.away_until)
    person.away_from, person.away_until = None, None
    session.add(person)
    repo.add_audit(
        session,
        at=now,
        actor=actor,
        kind="leave.cleared",
        subject=person.key,
        details={"from": was[0].isoformat() if was[0] else None, "until": was[1].isoformat() if was[1] else None},
    )


def who_covers(session: Session, person: Person, *, to_them: bool = True) -> str:
    """What happens to their requests while they are away, said to them or about them."""
    your, you = ("Your", "You have") if to_them else ("Their", "They have")
    if person.delegate_key:
        delegate = repo.person_by_key(session, person.delegate_key)
        if delegate is not None:
            return f"{your} delegate {delegate.name} will be asked for {your.lower()} updates instead."
    return (
        f"{you} no delegate, so the lead officer of each priority will be told when {your.lower()} actions "
        "need an update. Ask the SIT to set a delegate in the people directory."
    )


def command(turn: Turn, text: str) -> Reply | None:
    """TEXT_COMMANDS entry: `away until 12/09`, `away from 05/09 until 12/09`, `back`."""
    t = " ".join(text.strip().split())
    away, back = _AWAY.match(t), _BACK.match(t)
    if not (away or back):
        return None
    person = turn.actor.person
    if person is None:
        return Reply([NoticeView("I don't know who you are yet, so I can't record your leave.", "warning")])
    session, now, today = turn.session, turn.now, turn.state.today
    if back:
        if person.away_until is None:
            return Reply([NoticeView("You are not recorded as away.")])
        clear_leave(session, person, actor=turn.actor.label, now=now)
        return Reply([NoticeView("Welcome back: you will be asked for your own updates again.")])
    try:
        start, until = read_dates(away.group("start"), away.group("until"), today)
    except LeaveError as exc:
        return Reply([NoticeView(f"Nothing was recorded. {exc}", "warning")])
    set_leave(session, person, start, until, actor=turn.actor.label, now=now)
    return Reply(
        [
            NoticeView(
                f"Recorded: you are away from {start:%a %d %b %Y} until {until:%a %d %b %Y}. {who_covers(session, person)}"
            )
        ]
    )


def leave_cli(rt: Runtime, key: str, start_text: str | None, until_text: str | None, *, clear: bool) -> int:
    """`actionbot people leave KEY --from … --until …` (or `--clear`), audited as the CLI."""
    from domain.clock import local_today
    from storage.db import session_scope

    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        person = repo.person_by_key(session, key)
        if person is None:
            print(f"actionbot: no person {key!r} (see `actionbot people list`)")
            return 1
        if clear:
            clear_leave(session, person, actor="cli", now=now)
            print(f"{person.name} ({key}) is no longer recorded as away.")
            return 0
        if not until_text:
            print("actionbot: give --until DATE (or --clear)")
            return 1
        try:
            start, until = read_dates(start_text, until_text, local_today(rt.clock, rt.settings.actionbot_timezone))
        except LeaveError as exc:
            print(f"actionbot: nothing was recorded. {exc}")
            return 1
        set_leave(session, person, start, until, actor="cli", now=now)
        cover = who_covers(session, person, to_them=False)
        print(f"{person.name} ({key}) is away from {start:%a %d %b %Y} until {until:%a %d %b %Y}. {cover}")
    return 0
