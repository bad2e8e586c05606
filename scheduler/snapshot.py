"""Read what the pure policy needs from the database: the plan as of an instant, the people
directory, the snoozes, the indicators and their readings, who the channels cannot reach, and
the ledger's history. The only impure half of the policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from bot.delivery import unreachable_people
from bot.plan_state import StateCache, load_state
from bot.recipients import Directory, DirectoryCache, directory
from scheduler.action_memo import Handled
from scheduler.plan_scopes import prefix_of
from scheduler.planned import History, IndicatorInput, Inputs
from storage import indicator_repo, repo
from storage.db import utc_aware
from storage.models import Plan, SendLedger, Snooze


@dataclass(frozen=True)
class People:
    """The people directory and who the channels cannot reach (person key → why): the same
    for every live plan, so a tick reads them once for all its plans."""

    directory: Directory
    unreachable: dict[str, str]


def load_people(
    session: Session, channels: Mapping[str, Any] | None = None, kept: DirectoryCache | None = None, audit_version: int = 0
) -> People:
    """With `channels`, the people none of them can reach are marked, so their messages are
    planned as undelivered (without: everyone counts as reachable). With `kept` (the ticker's)
    and the newest audit event's id, the directory is reused while it is unchanged."""
    people = kept.directory(session, audit_version) if kept is not None else directory(session)
    unreachable = {} if channels is None else unreachable_people(session, channels, people.people.values())
    return People(people, unreachable)


def load_inputs(
    session: Session,
    plan: Plan,
    now: datetime,
    channels: Mapping[str, Any] | None = None,
    states: StateCache | None = None,
    version: tuple[int, int] | None = None,
    people: People | None = None,
) -> Inputs:
    """The policy's inputs at `now`; `channels` and `people` as for `load_people` (`people`
    already read for this tick, or None to read them here). With `states` and the trail's
    `version`, a state kept from the last tick is reused while the trail is unchanged (the
    ticker's; the preview reads the plan once)."""
    if states is not None and version is not None:
        state = states.state(session, plan, now, version)
    else:
        state = load_state(session, plan, now)
    people = people or load_people(session, channels)
    return Inputs(
        state=state,
        directory=people.directory,
        snoozes=active_snoozes(session, state, now),
        indicators=indicator_inputs(session, plan, now),
        unreachable=people.unreachable,
    )


def indicator_inputs(session: Session, plan: Plan, now: datetime) -> tuple[IndicatorInput, ...]:
    """Each indicator with the months that have a reading recorded by `now`."""
    indicators = indicator_repo.plan_indicators(session, plan.id)
    readings = indicator_repo.readings_for(session, [i.id for i in indicators])
    return tuple(
        IndicatorInput(
            code=i.code,
            owner_role=i.owner_role,
            read=frozenset(f"{r.period:%Y-%m}" for r in readings.get(i.id, []) if utc_aware(r.at) <= now),
        )
        for i in indicators
    )


def active_snoozes(session: Session, state, now: datetime) -> dict[str, date]:
    """action ref → the day reminders resume (the latest snooze set up to `now` wins)."""
    out: dict[str, date] = {}
    rows = session.exec(select(Snooze).order_by(Snooze.at, Snooze.id)).all()
    for row in rows:  # the state's own index of its actions: no walk over every action a tick
        s = state.by_action_id.get(row.action_id)
        if s is not None and utc_aware(row.at) <= now:
            out[s.ref] = row.until
    return out


def load_history(session: Session) -> History:
    """Every ledger row counts, whatever its status: sent, being sent, retrying, failed (the SIT
    was told) or unreachable (no channel reaches the person: the step counts as taken, and the
    SIT is told). Only the message key matters for digests, so the per-channel suffix of SIT
    posts (`report:2016-09|slack`) is dropped."""
    history = History()
    for row in session.exec(select(SendLedger)).all():
        add_row(history, row)
    return history


class HistoryReader:
    """The ledger's history for one scheduler process, read incrementally from tick to tick.

    `load_history` reads every ledger row ever written on every tick, which grows with the plan's
    life. A ticker keeps one `History` and reads only rows newer than those it has seen, plus a
    margin (`overlap`) below: on PostgreSQL ids are handed out at insert and rows commit in any
    order, so a claim made just before the last read can become visible after it. Reading a row
    twice changes nothing (every `History` method is idempotent), and a claim commits in its own
    short transaction, so a thousand ids of margin is far more than can be in flight.
    """

    def __init__(self, overlap: int = 1000) -> None:
        self.history = History()
        self.seen_up_to = 0
        self.overlap = overlap
        self._seen: set[int] = set()  # ids read within the overlap: not decoded again
        # (plan prefix, the item) for every action item in the rows the last `read` saw for the
        # first time: what `scheduler.action_memo` must take into account
        self.handled: list[tuple[str, Handled]] = []

    def read(self, session: Session) -> History:
        """Rows past the newest seen, then any row of the overlap not seen yet (a late commit):
        the overlap's ids are read, not its rows, so a tick decodes each payload once."""
        since = max(0, self.seen_up_to - self.overlap)
        self.handled = []
        late = [
            i
            for i in session.exec(
                select(SendLedger.id).where(SendLedger.id > since, SendLedger.id <= self.seen_up_to)
            ).all()
            if i not in self._seen
        ]
        query = select(SendLedger).where(SendLedger.id > self.seen_up_to)
        if late:
            query = select(SendLedger).where(or_(SendLedger.id > self.seen_up_to, col(SendLedger.id).in_(late)))
        for row in session.exec(query.order_by(SendLedger.id)).all():
            add_row(self.history, row)
            self.seen_up_to = max(self.seen_up_to, row.id or 0)
            self._seen.add(row.id or 0)
            self.handled += handled_items(row)
        self._seen = {i for i in self._seen if i > max(0, self.seen_up_to - self.overlap)}
        return self.history


def handled_items(row: SendLedger) -> list[tuple[str, Handled]]:
    """(plan prefix, item) for each action item a row holds (see `scheduler.action_memo`)."""
    if row.kind in ("manual", "failure_report") or row.key.startswith("nudge:manual:"):
        return []  # not read into the rules' history (see `add_row`)
    out = []
    for item in (row.payload or {}).get("items", []):
        key, ref = item.get("key", ""), item.get("ref", "")
        if key and ref:
            prefix = prefix_of(key)
            out.append((prefix, Handled(ref, key[len(prefix) :], row.status == "unreachable")))
    return out


def add_row(history: History, row: SendLedger) -> None:
    day = utc_aware(row.claimed_at).date()
    unreachable = (row.last_error or "no channel can reach them") if row.status == "unreachable" else ""
    if row.kind in ("manual", "failure_report") or row.key.startswith("nudge:manual:"):
        if unreachable:  # `actionbot nudge` to someone out of reach: the SIT hears of it too
            refs = ", ".join((row.payload or {}).get("refs") or [])
            history.add_unreached(row.recipient, day, unreachable, f"`actionbot nudge` {refs}".strip())
        return
    history.add_payload(row.key.split("|", 1)[0], row.payload or {}, day, unreachable=unreachable)


def active_plan(session: Session, plan_key: str | None) -> Plan:
    return repo.active_plan(session, plan_key)
