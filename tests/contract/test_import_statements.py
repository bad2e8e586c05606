"""Importing writes in bulk (issue #14): the SQL statements a plan or people import runs do not
grow with its rows, on SQLite and PostgreSQL, and what it writes behind the ORM's back is what
the same session reads afterwards.

The figures (10,000 and 100,000 actions) are `python -m bench import`; this guards the shape
that makes them: no statement per row (a per-row INSERT, UPDATE or look-up would make the
larger file run ten times the statements of the smaller)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from bench.scale import counted as statements
from domain.clock import FixedClock
from storage import repo
from storage.db import session_scope
from storage.importers import import_plan_file
from storage.models import Action, Person
from storage.plan_data import ActionRow, FindingRow, PersonRow, PlanData, PriorityRow
from storage.plan_store import save_people, save_plan
from tests.plan_files import write_csv

NOW = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)
COLUMNS = ["action_id", "title", "timescale", "lead", "partners"]


def plan_rows(actions: int, title: str = "Review the plan", lead: str = "Lead") -> list[list[str]]:
    """`actions` actions in priority 1 (a plan has a handful of priorities, written one by one),
    over findings of ten, each led by one of 20 roles."""
    return [
        [f"1.{1 + n // 10}.{1 + n % 10}", f"{title} {n}", "Sep 16", f"{lead} {n % 20}", "Police"]
        for n in range(actions)
    ]


def import_counted(engine, path, key: str) -> tuple[int, object]:
    with statements(engine) as box:
        summary, _ = import_plan_file(engine, FixedClock(NOW), path, plan_key=key)
    return box[0], summary


def test_a_plan_import_runs_as_many_statements_for_300_actions_as_for_30(any_engine, tmp_path):
    small = write_csv(tmp_path / "small.csv", COLUMNS, plan_rows(30, lead="Small lead"))
    large = write_csv(tmp_path / "large.csv", COLUMNS, plan_rows(300, lead="Large lead"))  # new roles too
    first_small, summary = import_counted(any_engine, small, "small")
    assert summary.created["action"] == 30
    first_large, summary = import_counted(any_engine, large, "large")
    assert summary.created["action"] == 300 and summary.created["finding"] == 30
    assert first_large == first_small

    # again, unchanged: nothing written, the same few reads
    again, summary = import_counted(any_engine, large, "large")
    assert (summary.created["action"], summary.updated["action"], summary.unchanged["action"]) == (0, 0, 300)
    edited = write_csv(tmp_path / "edited.csv", COLUMNS, plan_rows(300, title="Audit the plan", lead="Large lead"))
    changed, summary = import_counted(any_engine, edited, "large")
    assert (summary.updated["action"], summary.unchanged["action"]) == (300, 0)
    assert again <= changed <= again + 1  # one executemany UPDATE for every changed row
    with session_scope(any_engine) as s:
        assert s.exec(select(Action.text).where(Action.ref == "1.30.10")).all() == ["Audit the plan 299"]


def test_a_people_import_runs_as_many_statements_for_200_people_as_for_20(any_engine):
    def people(n: int, start: int = 0) -> list[PersonRow]:
        return [
            PersonRow(key=f"p{i}", name=f"Person {i}", roles=["HOS"], chat_ids={"slack": f"U{i}", "teams": f"t{i}"})
            for i in range(start, start + n)
        ]

    counted = []
    for rows in (people(20), people(200, start=20)):
        with statements(any_engine) as box, session_scope(any_engine) as s:
            summary = save_people(s, rows, actor="test", now=NOW)
        counted.append(box[0])
        assert summary.created["person"] == len(rows)
    assert counted[0] == counted[1]
    with session_scope(any_engine) as s:
        assert repo.person_by_chat_id(s, "teams", "t219").key == "p219"


def test_a_new_chat_id_replaces_the_old_one_and_only_that_counts_as_an_update(any_engine):
    row = PersonRow(key="lead", name="A Lead", roles=["HOS"], chat_ids={"slack": "U1"})
    with session_scope(any_engine) as s:
        save_people(s, [row], actor="test", now=NOW)
    row.chat_ids = {"slack": "U2"}
    with session_scope(any_engine) as s:
        summary = save_people(s, [row, PersonRow(key="other", name="Other")], actor="test", now=NOW)
    assert (summary.created["person"], summary.updated["person"], summary.unchanged["person"]) == (1, 1, 0)
    with session_scope(any_engine) as s:
        assert repo.person_by_chat_id(s, "slack", "U2").key == "lead"
        assert repo.person_by_chat_id(s, "slack", "U1") is None
        assert s.exec(select(Person.key).order_by(Person.key)).all() == ["lead", "other"]


def test_the_session_that_saved_a_plan_reads_what_it_wrote(any_engine):
    """Rows are written with executemany, not through the ORM: an Action the session had already
    loaded must not be served stale afterwards."""

    def plan(text: str, due: date) -> PlanData:
        return PlanData(
            key="p",
            title="P",
            priorities=[PriorityRow(number=1, title="One")],
            findings=[FindingRow(ref="1.1", priority_number=1)],
            actions=[ActionRow(ref="1.1.1", finding_ref="1.1", priority_number=1, text=text, due=due, leads=["DCS"])],
        )

    with session_scope(any_engine) as s:
        save_plan(s, plan("first", date(2016, 9, 30)), actor="test", now=NOW)
    with session_scope(any_engine) as s:
        loaded = s.exec(select(Action).where(Action.ref == "1.1.1")).one()
        assert loaded.text == "first"
        summary = save_plan(s, plan("second", date(2016, 10, 31)), actor="test", now=NOW)
        assert summary.updated["action"] == 1
        again = s.exec(select(Action).where(Action.ref == "1.1.1")).one()
        assert (again.text, again.due) == ("second", date(2016, 10, 31))
