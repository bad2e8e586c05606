"""Who is writing, and what they may change.

Resolution order: the platform user id we already linked; else the email the platform gives us
(Slack `users.info`, Teams/AAD) against the people directory, and the link is remembered.

A person's chat accounts are rows (`person_identity`: channel, user id, person key), so every
channel, including one added later, is recognised the same way: `person_for`, `link_identity`,
`identities_of`. A channel nobody has linked on simply finds nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.recipients import directory
from bot.requests import Identity
from storage import repo
from storage.models import Action, Person, Priority

IdentityTaken = repo.IdentityTaken


@dataclass(frozen=True)
class Actor:
    person: Person | None
    label: str  # for the audit trail: person key, or "slack:U123" for someone unknown
    acting_role: str | None = None

    @property
    def known(self) -> bool:
        return self.person is not None

    @property
    def key(self) -> str | None:
        return self.person.key if self.person else None


# `resolve`'s `linked` when the caller has not looked the account up
NOT_LOOKED_UP: Any = object()


def resolve(session: Session, identity: Identity, now: datetime, *, linked: Person | None = NOT_LOOKED_UP) -> Actor:
    """Who is asking. `linked`: the person the account is linked to (None: nobody), when the
    caller has already looked it up in the same transaction (`repo.version_and_person_by_chat_id`),
    so it is not looked up again."""
    person: Person | None = None
    if identity.channel == "terminal":
        person = repo.person_by_key(session, identity.user_id)
    else:
        if linked is NOT_LOOKED_UP:
            linked = repo.person_by_chat_id(session, identity.channel, identity.user_id)
        person = linked
        if person is None and identity.email:
            person = repo.person_by_email(session, identity.email)
            # an account that is the address itself (email) has nothing to remember
            if person is not None and identity.user_id.casefold() != identity.email.casefold():
                link_chat_id(session, person, identity.channel, identity.user_id, now, via="email")
    if person is None and identity.as_role:  # `chat --as ROLE`, or `iam ROLE` in development mode
        holders = repo.people_with_role(session, identity.as_role)
        person = holders[0] if holders else None
    label = person.key if person else f"{identity.channel}:{identity.user_id}"
    return Actor(person=person, label=label, acting_role=identity.as_role)


def person_for(session: Session, channel: str, user_id: str) -> Person | None:
    """Who `user_id` on `channel` is, or None (an unknown account, or a channel with no links)."""
    return repo.person_by_chat_id(session, channel, user_id)


def link_identity(session: Session, channel: str, user_id: str, person_key: str) -> bool:
    """Record `user_id` as the person's account on `channel` (replacing an earlier one there).
    False when it already was; `IdentityTaken` when it is someone else's. Not audited: callers
    that learn a link at run time use `link_chat_id`, imports audit the import."""
    return repo.put_identity(session, channel, user_id.strip(), person_key)


def identities_of(session: Session, person_key: str) -> dict[str, str]:
    """channel → the person's account there."""
    return {row.channel: row.user_id for row in repo.identity_rows(session, person_key)}


def chat_id(session: Session, person_key: str, channel: str) -> str | None:
    """The person's account on one channel, if linked."""
    return repo.chat_id_of(session, person_key, channel)


def link_chat_id(
    session: Session, person: Person, channel: str, user_id: str, now: datetime, *, via: str, actor: str | None = None
) -> None:
    """Remember a person's chat account and say so in the audit trail (`person.linked`): when
    they first write to the bot (`via="email"`), or when the bot finds them before their first
    message (`via="users.lookupByEmail"`)."""
    if not link_identity(session, channel, user_id, person.key):
        return
    repo.add_audit(
        session,
        at=now,
        actor=actor or person.key,
        kind="person.linked",
        subject=person.key,
        details={"channel": channel, "user_id": user_id, "via": via},
    )


def lead_roles_of(person: Person, session: Session) -> set[str]:
    """The roles a person answers for: their own, those of people who delegated to them, and
    bodies (e.g. a Task & Finish Group) represented by one of those roles."""
    mine = set(person.roles or [])
    for other in repo.all_people(session):
        if other.delegate_key == person.key:
            mine |= set(other.roles or [])
    for role in repo.roles(session):
        if role.represented_by and role.represented_by in mine:
            mine.add(role.abbrev)
        if set(role.members or []) & mine:  # a group lead ("All HOS"): each member answers for it
            mine.add(role.abbrev)
    return mine


@dataclass(frozen=True)
class UpdateRights:
    """What an actor may change: read from the directory once per request, then asked for each
    action (one message may update or snooze many)."""

    sit_admin: bool
    roles: frozenset[str]

    def allows(self, action: Action) -> bool:
        return self.sit_admin or bool(set(action.leads or []) & self.roles)


def update_rights(session: Session, actor: Actor) -> UpdateRights:
    if actor.person is None:
        return UpdateRights(False, frozenset())
    if actor.person.sit_admin:
        return UpdateRights(True, frozenset())
    return UpdateRights(False, frozenset(lead_roles_of(actor.person, session)))


def may_keep_log(session: Session, actor: Actor, priority: Priority) -> bool:
    """Who may add to or close a priority's risks and issues log: an SIT admin, or whoever
    answers for one of the priority's lead roles (themselves, as delegate, or as a member of a
    group lead). Everyone may read it."""
    rights = update_rights(session, actor)
    return actor.person is not None and (rights.sit_admin or bool(set(priority.lead_roles or []) & rights.roles))


def may_update(session: Session, actor: Actor, action: Action) -> bool:
    return update_rights(session, actor).allows(action)


def who_can_update(session: Session, action: Action) -> list[str]:
    """The people who answer for the action's lead roles (a group lead's members, a body's
    representative: `bot.recipients.Directory.holders`, the rule the scheduler asks by)."""
    people = directory(session)
    names = [f"{p.name} ({lead})" for lead in action.leads or [] for p in people.holders(lead)]
    return names or [f"the holder of {' / '.join(action.leads)}"]


def refusal(session: Session, action: Action, verb: str = "update") -> str:
    """Why someone may not change an action, naming who can: the same words wherever it is asked."""
    who = ", ".join(who_can_update(session, action))
    return f"Only the lead for {action.ref} ({who}), their delegate or the SIT can {verb} it."
