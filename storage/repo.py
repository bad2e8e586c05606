"""Queries the core needs, in one place, so handlers and the scheduler never write SQL."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, union
from sqlmodel import Session, col, func, select

from storage.bulk import ROW_ID, write_rows
from storage.models import (
    Action,
    ActionUpdate,
    AuditEvent,
    ChannelAddress,
    Escalation,
    Finding,
    Person,
    PersonIdentity,
    Plan,
    Priority,
    Role,
    SeenEvent,
    SendLedger,
)


class NoPlanError(LookupError):
    pass


def active_plan(session: Session, key: str | None = None) -> Plan:
    """The plan commands act on: the named one, else the oldest live one (the deployment's
    first plan stays the default when others are activated beside it), else the newest."""
    if key:
        plan = plan_by_key(session, key)
        if plan is None:
            keys = ", ".join(p.key for p in session.exec(select(Plan)).all()) or "none loaded"
            raise NoPlanError(f"no plan {key!r} (plans: {keys})")
        return plan
    plan = session.exec(select(Plan).where(Plan.active == True).order_by(col(Plan.id))).first()  # noqa: E712
    if plan is None:
        plan = session.exec(select(Plan).order_by(col(Plan.id).desc())).first()
    if plan is None:
        raise NoPlanError("no plan loaded: run `actionbot import --reference` or `actionbot import PLAN.csv`")
    return plan


def plan_by_key(session: Session, key: str) -> Plan | None:
    return session.exec(select(Plan).where(Plan.key == key)).first()


def all_plans(session: Session) -> list[Plan]:
    """Every plan, live or not, oldest first."""
    return list(session.exec(select(Plan).order_by(col(Plan.id))).all())


def live_plans(session: Session) -> list[Plan]:
    """The plans chat and the scheduler serve, oldest first."""
    return list(session.exec(select(Plan).where(Plan.active == True).order_by(col(Plan.id))).all())  # noqa: E712


def live_plan_count(session: Session) -> int:
    """How many plans are live: one aggregate, no rows loaded (asked on every chat answer)."""
    return session.exec(select(func.count()).select_from(Plan).where(Plan.active == True)).one()  # noqa: E712


def names_in(session: Session, column: Any, plan_id: int | None = None) -> set[str]:
    """Every name in a list column of actions (`Action.leads`, `Action.partners`), of one plan or
    of all: each distinct stored list read and decoded once, as a large plan repeats the same
    few thousand lists (no ORM object per action)."""
    query = select(cast(column, Text)).distinct()
    if plan_id is not None:
        query = query.where(Action.plan_id == plan_id)
    names: set[str] = set()
    for stored in session.exec(query).all():
        names.update((json.loads(stored) if stored else None) or [])
    return names


def plan_actions(session: Session, plan_id: int) -> list[Action]:
    return list(session.exec(select(Action).where(Action.plan_id == plan_id).order_by(Action.position)).all())


def action_ids(session: Session, plan_id: int, refs: Iterable[str]) -> dict[str, int]:
    """action ref → id for the named actions of a plan (a few: one message's escalations)."""
    wanted = sorted(set(refs))
    if not wanted:
        return {}
    query = select(Action.ref, Action.id).where(Action.plan_id == plan_id, col(Action.ref).in_(wanted))
    return {ref: id_ for ref, id_ in session.exec(query).all()}


def plan_priorities(session: Session, plan_id: int) -> list[Priority]:
    return list(session.exec(select(Priority).where(Priority.plan_id == plan_id).order_by(Priority.number)).all())


def plan_findings(session: Session, plan_id: int) -> list[Finding]:
    return list(session.exec(select(Finding).where(Finding.plan_id == plan_id).order_by(Finding.position)).all())


def action_by_ref(session: Session, plan_id: int, ref: str) -> Action | None:
    return session.exec(select(Action).where(Action.plan_id == plan_id, Action.ref == ref)).first()


def updates_for(
    session: Session, action_ids: Iterable[int], until: datetime | None = None
) -> dict[int, list[ActionUpdate]]:
    """Every update per action, oldest first, optionally only those made up to `until`."""
    ids = list(action_ids)
    out: dict[int, list[ActionUpdate]] = defaultdict(list)
    if not ids:
        return out
    query = select(ActionUpdate).where(col(ActionUpdate.action_id).in_(ids))
    if until is not None:
        query = query.where(ActionUpdate.at <= until)
    for u in session.exec(query.order_by(ActionUpdate.at, ActionUpdate.id)).all():
        out[u.action_id].append(u)
    return out


def plan_updates(
    session: Session, plan_id: int, until: datetime | None = None, after_id: int = 0
) -> dict[int, list[ActionUpdate]]:
    """Every update of a plan's actions per action, oldest first: `updates_for` in one join, not
    an IN list of every action id (100,000 of them in a large plan); optionally only those made
    up to `until`, or written after the update `after_id`."""
    query = select(ActionUpdate).join(Action, col(Action.id) == ActionUpdate.action_id).where(Action.plan_id == plan_id)
    if until is not None:
        query = query.where(ActionUpdate.at <= until)
    if after_id:
        query = query.where(col(ActionUpdate.id) > after_id)
    out: dict[int, list[ActionUpdate]] = defaultdict(list)
    for u in session.exec(query.order_by(ActionUpdate.at, ActionUpdate.id)).all():
        out[u.action_id].append(u)
    return out


def audit_events(session: Session, kinds: Iterable[str], until: datetime | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(col(AuditEvent.kind).in_(list(kinds)))
    if until is not None:
        query = query.where(AuditEvent.at <= until)
    return list(session.exec(query.order_by(AuditEvent.at, AuditEvent.id)).all())


def trail_version(session: Session) -> tuple[int, int]:
    """The newest update and audit event ids: they change whenever the plan's state can have
    (see `bot.plan_state.StateCache`). Two look-ups on primary keys, whatever the plan's size."""
    newest_update, newest_audit = session.exec(_TRAIL_VERSION).one()
    return _version(newest_update, newest_audit)


def _version(newest_update: int | None, newest_audit: int | None) -> tuple[int, int]:
    return (newest_update or 0, newest_audit or 0)


# The two ids of the trail version, written once: asked alone (`trail_version`) and beside the
# person asking (`version_and_person_by_chat_id`).
_NEWEST_UPDATE = select(func.max(ActionUpdate.id)).scalar_subquery()
_NEWEST_AUDIT = select(func.max(AuditEvent.id)).scalar_subquery()
_TRAIL_VERSION = select(_NEWEST_UPDATE, _NEWEST_AUDIT)


def add_audit(
    session: Session, *, at: datetime, actor: str, kind: str, subject: str, details: dict[str, Any] | None = None
) -> AuditEvent:
    event = AuditEvent(at=at, actor=actor, kind=kind, subject=subject, details=details or {})
    session.add(event)
    return event


def all_people(session: Session) -> list[Person]:
    return list(session.exec(select(Person).order_by(Person.key)).all())


def people_fingerprint(session: Session) -> tuple[int, int]:
    """How many people the directory holds and the newest one's id: with the newest audit event
    (every change to a person is audited), what says a kept directory is still the directory."""
    row = session.exec(select(func.count(col(Person.id)), func.max(Person.id))).one()
    return (row[0] or 0, row[1] or 0)


def timezones_in_use(session: Session) -> set[str]:
    """Every time zone a person or a plan is in, as stored (valid or not): one statement, not
    the whole directory, for "is anyone at work now?"."""
    return set(session.execute(union(select(Person.timezone), select(Plan.timezone))).scalars().all())


def person_by_key(session: Session, key: str) -> Person | None:
    return session.exec(select(Person).where(Person.key == key)).first()


def person_by_chat_id(session: Session, channel: str, user_id: str) -> Person | None:
    """The person whose `channel` account is `user_id` (a `person_identity` row), for any channel:
    one nobody registered simply has no rows."""
    if not user_id:
        return None
    return session.exec(_PERSON_BY_CHAT_ID, params={"channel": channel, "user_id": user_id}).first()


def version_and_person_by_chat_id(session: Session, channel: str, user_id: str) -> tuple[tuple[int, int], Person | None]:
    """`trail_version` and `person_by_chat_id` in one statement (one round trip to PostgreSQL
    instead of two, in every chat request). Someone nobody linked: the version alone, and None."""
    params = {"channel": channel, "user_id": user_id}
    row = session.execute(_VERSION_AND_PERSON, params).first() if user_id else None  # a row, not a scalar
    if row is None:
        return trail_version(session), None
    person, newest_update, newest_audit = row
    return _version(newest_update, newest_audit), person


# Built once (asked in every chat request): building a statement and its cache key anew costs
# more than running it.
_PERSON_BY_CHAT_ID = (
    select(Person)
    .join(PersonIdentity, col(PersonIdentity.person_key) == col(Person.key))
    .where(PersonIdentity.channel == bindparam("channel"), PersonIdentity.user_id == bindparam("user_id"))
)
_VERSION_AND_PERSON = _PERSON_BY_CHAT_ID.add_columns(_NEWEST_UPDATE, _NEWEST_AUDIT)


# Key in `session.info` of the index `reach_index` keeps while the scheduler asks, person by
# person, which channel can reach everyone in the directory.
_REACH_INDEX = "actionbot.reach_index"


@contextmanager
def reach_index(session: Session) -> Iterator[None]:
    """Inside the block, a person's chat accounts and the channels' stored addresses are answered
    from two reads of their whole tables, not one query a person: deciding who can be reached
    asks every channel about every person on every tick, which would be 20,000 statements a
    tick at a large council's size. Only for reading: nothing written inside the block is seen."""
    identities: dict[str, list[PersonIdentity]] = defaultdict(list)
    for row in session.exec(select(PersonIdentity).order_by(PersonIdentity.channel)).all():
        identities[row.person_key].append(row)
    addresses = {(row.channel, row.address_key): row for row in session.exec(select(ChannelAddress)).all()}
    working = {key for (_, key), row in addresses.items() if row.failed_at is None}
    session.info[_REACH_INDEX] = (identities, addresses, working)
    try:
        yield
    finally:
        session.info.pop(_REACH_INDEX, None)


def chat_id_owners(session: Session) -> dict[tuple[str, str], str]:
    """Every (channel, user id) linked to a person in the directory → that person's key: what
    `person_by_chat_id` answers, for a whole people file in one query."""
    rows = session.exec(
        select(PersonIdentity.channel, PersonIdentity.user_id, Person.key).join(
            Person, col(PersonIdentity.person_key) == col(Person.key)
        )
    ).all()
    return {(channel, user_id): key for channel, user_id, key in rows}


def identity_rows(session: Session, person_key: str) -> list[PersonIdentity]:
    """A person's chat accounts, by channel name."""
    if index := session.info.get(_REACH_INDEX):
        return list(index[0].get(person_key, ()))
    return list(
        session.exec(
            select(PersonIdentity).where(PersonIdentity.person_key == person_key).order_by(PersonIdentity.channel)
        ).all()
    )


def chat_id_of(session: Session, person_key: str, channel: str) -> str | None:
    """The person's account on `channel`, if linked."""
    if index := session.info.get(_REACH_INDEX):
        return next((r.user_id for r in index[0].get(person_key, ()) if r.channel == channel), None)
    row = session.exec(
        select(PersonIdentity).where(PersonIdentity.person_key == person_key, PersonIdentity.channel == channel)
    ).first()
    return row.user_id if row else None


def chat_ids_by_person(session: Session, channel: str) -> dict[str, str]:
    """person key → account on `channel`, for everyone linked there (one query for a list)."""
    rows = session.exec(select(PersonIdentity).where(PersonIdentity.channel == channel)).all()
    return {row.person_key: row.user_id for row in rows}


class IdentityTaken(ValueError):
    """The chat account already belongs to someone else."""

    def __init__(self, channel: str, user_id: str, owner: str):
        super().__init__(f"{channel} user {user_id} is already linked to {owner}")
        self.owner = owner


def put_identity(session: Session, channel: str, user_id: str, person_key: str) -> bool:
    """Make `user_id` the person's account on `channel` (replacing an earlier one there).
    Returns False when it already was; raises `IdentityTaken` if another person has it."""
    taken = session.exec(
        select(PersonIdentity).where(PersonIdentity.channel == channel, PersonIdentity.user_id == user_id)
    ).first()
    if taken is not None:
        if taken.person_key != person_key:
            raise IdentityTaken(channel, user_id, taken.person_key)
        return False
    current = session.exec(
        select(PersonIdentity).where(PersonIdentity.person_key == person_key, PersonIdentity.channel == channel)
    ).first()
    if current is not None:
        current.user_id = user_id
        session.add(current)
    else:
        session.add(PersonIdentity(channel=channel, user_id=user_id, person_key=person_key))
    session.flush()
    return True


def put_identities(session: Session, accounts: Iterable[tuple[str, str, str]]) -> set[str]:
    """`put_identity` for many (channel, user id, person key) at once, in three statements
    whatever their number (a directory of 20,000 people): the keys of the people whose account
    was added or replaced. Raises `IdentityTaken` as `put_identity` does."""
    by_account: dict[tuple[str, str], str] = {}
    by_person: dict[tuple[str, str], int] = {}
    for row_id, channel, user_id, person_key in session.exec(
        select(PersonIdentity.id, PersonIdentity.channel, PersonIdentity.user_id, PersonIdentity.person_key)
    ).all():
        by_account[(channel, user_id)] = person_key
        by_person.setdefault((person_key, channel), row_id)
    new: list[dict[str, Any]] = []
    replaced: list[dict[str, Any]] = []
    linked: set[str] = set()
    for channel, user_id, person_key in accounts:
        owner = by_account.get((channel, user_id))
        if owner is not None:
            if owner != person_key:
                raise IdentityTaken(channel, user_id, owner)
            continue
        row_id = by_person.get((person_key, channel))
        if row_id is None:
            new.append({"channel": channel, "user_id": user_id, "person_key": person_key})
        else:
            replaced.append({ROW_ID: row_id, "user_id": user_id})
        by_account[(channel, user_id)] = person_key
        linked.add(person_key)
    write_rows(session, PersonIdentity, new, replaced)
    return linked


def person_by_aad_object_id(session: Session, aad_object_id: str) -> Person | None:
    """Teams gives the sender's Entra (AAD) object id; the directory may hold it."""
    return session.exec(select(Person).where(Person.aad_object_id == aad_object_id).order_by(Person.key)).first()


def person_by_email(session: Session, email: str) -> Person | None:
    return session.exec(select(Person).where(col(Person.email).ilike(email.strip()))).first()


def people_with_role(session: Session, abbrev: str) -> list[Person]:
    return [p for p in all_people(session) if abbrev in (p.roles or [])]


def people_with_roles(session: Session, abbrevs: Iterable[str]) -> dict[str, list[Person]]:
    """The holders of each role, from one read of the directory (an action has several leads)."""
    people = all_people(session)
    return {abbrev: [p for p in people if abbrev in (p.roles or [])] for abbrev in abbrevs}


def roles(session: Session) -> list[Role]:
    return list(session.exec(select(Role).order_by(Role.abbrev)).all())


def mark_seen(session: Session, event_key: str, at: datetime) -> bool:
    """Record a platform event id; False if it was already handled (a retry)."""
    from storage.ledger_sql import insert_ignore

    return insert_ignore(session, SeenEvent, {"event_key": event_key, "at": at}, ["event_key"]) == 1


def forget_seen(session: Session, event_key: str, at: datetime) -> bool:
    """Undo `mark_seen` when handling the event failed, so the platform's retry is handled
    instead of dropped as a duplicate. Only the mark made `at` is removed. True if removed."""
    result = session.execute(delete(SeenEvent).where(SeenEvent.event_key == event_key, SeenEvent.at == at))  # type: ignore[arg-type]
    return bool(result.rowcount)  # type: ignore[attr-defined]


def channel_address(session: Session, channel: str, address_key: str) -> ChannelAddress | None:
    if index := session.info.get(_REACH_INDEX):
        return index[1].get((channel, address_key))
    return session.exec(
        select(ChannelAddress).where(ChannelAddress.channel == channel, ChannelAddress.address_key == address_key)
    ).first()


def has_working_address(session: Session, address_key: str) -> bool:
    """Whether any channel holds an address for `address_key` whose last send did not fail for good."""
    if index := session.info.get(_REACH_INDEX):
        return address_key in index[2]
    row = session.exec(
        select(ChannelAddress).where(
            ChannelAddress.address_key == address_key,
            ChannelAddress.failed_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()
    return row is not None


def save_channel_address(
    session: Session, channel: str, address_key: str, data: dict[str, Any], at: datetime
) -> ChannelAddress:
    row = channel_address(session, channel, address_key)
    if row is None:
        row = ChannelAddress(channel=channel, address_key=address_key, data=data, updated_at=at)
        session.add(row)
    else:
        row.data = data
        row.updated_at = at
        row.failed_at = None
        row.failure = ""
    return row


def sent_message(session: Session, channel: str, message_ref: str) -> SendLedger | None:
    """The send-ledger row of a message we posted (e.g. a nudge, by its Slack "C123:ts"), so a
    reply in its thread or a click on it finds the actions it asked about after any restart."""
    if not message_ref:
        return None
    return session.exec(
        select(SendLedger).where(SendLedger.channel == channel, SendLedger.message_ref == message_ref)
    ).first()


def open_escalated_action_ids(session: Session, person_key: str) -> set[int]:
    """The actions escalated to a person whose escalation is still open (`status escalated`)."""
    rows = session.exec(
        select(Escalation.action_id).where(
            Escalation.to_person_key == person_key, col(Escalation.resolved_at).is_(None)
        )
    ).all()
    return set(rows)
