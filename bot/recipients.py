"""Who answers for an action today: the holders of its lead role(s), a body's representative,
or — while the holder is on leave — their delegate. One rule for every sender."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from storage import repo
from storage.models import Action, Person


def on_leave(person: Person, today: date) -> bool:
    if person.away_until is None:
        return False
    start = person.away_from or date.min
    return start <= today <= person.away_until


def holders(session: Session, role: str) -> list[Person]:
    people = repo.people_with_role(session, role)
    if people:
        return people
    for r in repo.roles(session):
        if r.abbrev == role and r.represented_by:
            return repo.people_with_role(session, r.represented_by)
    return []


def owners_of(session: Session, action: Action, today: date) -> list[Person]:
    """The people to ask about `action` today (delegates stand in for people on leave)."""
    found: dict[str, Person] = {}
    for role in action.leads or []:
        for person in holders(session, role):
            target = person
            if on_leave(person, today) and person.delegate_key:
                delegate = repo.person_by_key(session, person.delegate_key)
                if delegate is not None and not on_leave(delegate, today):
                    target = delegate
            found.setdefault(target.key, target)
    return list(found.values())


def unowned_roles(session: Session, used: set[str]) -> list[str]:
    return sorted(r for r in used if not holders(session, r))
