"""The embedded reference plan as the product loads it: complete, consistent with the timescale
parser, and with somebody behind every lead role."""

from collections import Counter

from sqlmodel import Session, func, select

from domain.timescale import parse_timescale
from storage.models import Action, Finding, Person, Plan, Priority
from storage.reference import load_reference_people, load_reference_plan

EXPECTED_ACTIONS = {1: 31, 2: 39, 3: 24, 4: 33, 5: 59, 6: 32, 7: 10, 8: 38, 9: 22, 10: 19}


def test_every_priority_and_action_is_there():
    data = load_reference_plan()
    assert [p.number for p in data.priorities] == list(range(1, 11))
    assert Counter(a.priority_number for a in data.actions) == EXPECTED_ACTIONS
    assert len(data.actions) == 307
    assert len({a.ref for a in data.actions}) == 307
    assert all(p.lead_officer and p.lead_roles for p in data.priorities)


def test_dates_in_the_file_agree_with_the_timescale_parser():
    mismatches = []
    for a in load_reference_plan().actions:
        ts = parse_timescale(a.timescale)
        got = (ts.start, ts.due, ts.recurrence.value if ts.recurrence else None)
        if got != (a.start, a.due, a.recurrence):
            mismatches.append((a.ref, a.timescale, got, (a.start, a.due, a.recurrence)))
    assert mismatches == []


def test_every_lead_is_a_known_role_with_a_person_behind_it():
    data = load_reference_plan()
    roles = {r.abbrev: r for r in data.roles}
    people = load_reference_people()
    held = {role for p in people for role in p.roles}
    leads = {lead for a in data.actions for lead in a.leads} | {r for p in data.priorities for r in p.lead_roles}
    assert leads - set(roles) == set()
    nobody = [lead for lead in leads if lead not in held and roles[lead].represented_by not in held]
    assert nobody == []


def test_example_people_are_fictional_and_managers_reach_the_chief_executive():
    people = {p.key: p for p in load_reference_people()}
    assert all(p.email.endswith(".invalid") for p in people.values())
    for p in people.values():
        seen, cur = set(), p
        while cur.manager:
            assert cur.key not in seen, f"manager cycle at {cur.key}"
            seen.add(cur.key)
            cur = people[cur.manager]
        assert "CEX" in cur.roles, f"{p.key}'s chain ends at {cur.key}, not the Chief Executive"
    assert sum(p.sit_admin for p in people.values()) >= 1


def test_import_reference_loads_everything(reference_any_engine):
    with Session(reference_any_engine) as s:
        assert s.exec(select(func.count()).select_from(Plan)).one() == 1
        assert s.exec(select(func.count()).select_from(Priority)).one() == 10
        assert s.exec(select(func.count()).select_from(Finding)).one() == 74
        assert s.exec(select(func.count()).select_from(Action)).one() == 307
        assert s.exec(select(func.count()).select_from(Person)).one() == len(load_reference_people())
        a = s.exec(select(Action).where(Action.ref == "1.1.1")).one()
        assert a.completed and a.leads == ["CEX"] and str(a.due) == "2016-09-30"
