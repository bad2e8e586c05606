"""Who answers for an action today: the holders of its lead role(s), a body's representative,
or — while the holder is on leave — their delegate. One rule for every sender.

The rule is written once, over a `Directory` (a snapshot of the people directory), so that the
scheduler's pure policy and the database-backed callers (`actionbot nudge`) cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlmodel import Session

from storage import repo
from storage.models import Action, Person


def on_leave(person: Person, today: date) -> bool:
    if person.away_until is None:
        return False
    start = person.away_from or date.min
    return start <= today <= person.away_until


@dataclass
class Directory:
    """The people directory as plain values: people by key and which role answers for a body."""

    people: dict[str, Person]
    represented_by: dict[str, str] = field(default_factory=dict)  # body role → representing role
    members: dict[str, list[str]] = field(default_factory=dict)  # group lead ("All HOS") → member roles
    _by_role: dict[str, list[Person]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for p in sorted(self.people.values(), key=lambda p: p.key):
            for role in p.roles or []:
                self._by_role.setdefault(role, []).append(p)

    @cached_property
    def timezones(self) -> frozenset[str]:
        """The time zones its people are in, as stored (a directory is never changed once
        built): the scheduler asks every tick, and 20,000 people share a handful of zones."""
        return frozenset(p.timezone for p in self.people.values())

    def person(self, key: str | None) -> Person | None:
        return self.people.get(key) if key else None

    def with_role(self, role: str) -> list[Person]:
        return list(self._by_role.get(role, []))

    def holders(self, role: str) -> list[Person]:
        """The role's holders; for a group lead ("All HOS") with nobody holding it by name, the
        holders of its member roles (each is asked, each may update); for a body with nobody in
        it, the holders of its representing role."""
        people = self.with_role(role)
        if people:
            return people
        found: dict[str, Person] = {}
        for member in self.members.get(role, []):
            for p in self.with_role(member):
                found.setdefault(p.key, p)
        if found:
            return list(found.values())
        if role not in self.represented_by:
            return people
        return self.with_role(self.represented_by[role])

    def stand_in(self, person: Person, today: date) -> Person:
        """The person to ask instead of `person` today: their delegate while they are on leave
        (if the delegate is not away too), otherwise themselves."""
        if on_leave(person, today) and person.delegate_key:
            delegate = self.person(person.delegate_key)
            if delegate is not None and not on_leave(delegate, today):
                return delegate
        return person

    def answerable(self, action: Action, today: date) -> list[tuple[Person, Person]]:
        """(holder, who is asked for them today) for each holder of the action's lead roles."""
        pairs: dict[str, tuple[Person, Person]] = {}
        for role in action.leads or []:
            for person in self.holders(role):
                pairs.setdefault(person.key, (person, self.stand_in(person, today)))
        return list(pairs.values())

    def owners(self, action: Action, today: date) -> list[Person]:
        """The people to ask about `action` today (delegates stand in for people on leave)."""
        found: dict[str, Person] = {}
        for _holder, target in self.answerable(action, today):
            found.setdefault(target.key, target)
        return list(found.values())


def directory(session: Session) -> Directory:
    roles = repo.roles(session)
    return Directory(
        people={p.key: p for p in repo.all_people(session)},
        represented_by={r.abbrev: r.represented_by for r in roles if r.represented_by},
        members={r.abbrev: list(r.members) for r in roles if r.members},
    )


class DirectoryCache:
    """The people directory, kept between the scheduler's ticks while it is unchanged.

    Reading 20,000 people into ORM objects is most of a tick that has nothing to send. Every
    change to a person or a role is written with an audit event (a people import, leave, a
    linked account), so the newest audit event's id, with the number of people and the newest
    one's id (`repo.people_fingerprint`, one statement), says whether the kept directory is
    still true; the `ActionMemo` of the scheduler rests on the same fact. The caller reads the
    audit id at the start of its transaction, before anything is written (as for `StateCache`).
    The kept `Person` objects are read-only: whoever changes a person loads it in their session.
    """

    def __init__(self) -> None:
        self._kept: tuple[object, Directory] | None = None

    def directory(self, session: Session, audit_version: int) -> Directory:
        key = (audit_version, repo.people_fingerprint(session))
        if self._kept is not None and self._kept[0] == key:
            return self._kept[1]
        found = directory(session)
        self._kept = (key, found)
        return found


def holders(session: Session, role: str) -> list[Person]:
    return directory(session).holders(role)


def unowned_roles(session: Session, used: set[str]) -> list[str]:
    d = directory(session)
    return sorted(r for r in used if not d.holders(r))
