"""One action-id grammar, end to end: what the importer accepts, chat, snooze, status and
approve understand, on SQLite and PostgreSQL.

The defect this guards: a plan with `1.1.1` and `1.1.1a` imported, then `1.1.1a green - done`
typed, recorded Amber on 1.1.1 (the trailing `a` was read as the RAG word), and `4.2.100` was
refused in chat although the importer had taken it.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.requests import ChatRequest, Identity
from bot.views import ActionDetailView, ConfirmationView, NoticeView
from domain.clock import FixedClock
from storage.importers import import_plan_file
from storage.models import Action, ActionUpdate, Plan, Snooze
from storage.plan_store import PlanValidationError
from tests.conftest import uk
from tests.plan_files import write_csv

HEADER = ["ID", "Key Actions", "Timescale", "Lead"]
ROWS = [
    ["1.1.1", "The first action", "Dec 16", "DCS"],
    ["1.1.1a", "A sub-action added later", "Dec 16", "DCS"],
    ["4.2.100", "The hundredth action of finding 4.2", "Jan 17", "DCS"],
]


@pytest.fixture
def ids_plan(reference_any_engine, tmp_path):
    """The reference plan and people (DCS is `dcs`), plus plan `ids` with the awkward ids."""
    clock = FixedClock(uk(2016, 10, 14, 10, 0))
    import_plan_file(reference_any_engine, clock, write_csv(tmp_path / "ids.csv", HEADER, ROWS), plan_key="ids")
    return reference_any_engine, Core(reference_any_engine, clock, plan_key="ids")


def say(core: Core, text: str, who: str = "dcs"):
    return core.handle(ChatRequest(identity=Identity("terminal", who), text=text))


def updates_of(engine, ref: str) -> list[tuple[str, str]]:
    with Session(engine) as s:
        plan = s.exec(select(Plan).where(Plan.key == "ids")).one()
        action = s.exec(select(Action).where(Action.plan_id == plan.id, Action.ref == ref)).one()
        rows = s.exec(select(ActionUpdate).where(ActionUpdate.action_id == action.id)).all()
        return [(u.rag, u.note) for u in rows]


def test_an_update_to_1_1_1a_is_recorded_on_1_1_1a_not_as_amber_on_1_1_1(ids_plan):
    engine, core = ids_plan
    reply = say(core, "1.1.1a green - done")
    assert isinstance(reply.views[0], ConfirmationView), reply.views
    assert updates_of(engine, "1.1.1a") == [("green", "done")]
    assert updates_of(engine, "1.1.1") == []


def test_an_id_with_a_letter_and_no_rag_word_is_refused_not_read_as_amber(ids_plan):
    engine, core = ids_plan
    reply = say(core, "1.1.1a - waiting on HR")
    assert not isinstance(reply.views[0], ConfirmationView) and not reply.recorded
    assert "RAG word" in reply.views[0].text
    assert updates_of(engine, "1.1.1") == [] and updates_of(engine, "1.1.1a") == []


def test_a_single_letter_is_a_rag_word_as_a_whole_token(ids_plan):
    engine, core = ids_plan
    say(core, "1.1.1 a - waiting on HR\n1.1.1a g")
    assert updates_of(engine, "1.1.1") == [("amber", "waiting on HR")]
    assert updates_of(engine, "1.1.1a") == [("green", "")]


def test_three_digit_action_numbers_work_in_chat_status_snooze_and_approve(ids_plan):
    engine, core = ids_plan
    reply = say(core, "4.2.100 amber - waiting on HR, new date 28/02/2017")
    assert isinstance(reply.views[0], ConfirmationView), reply.views
    assert updates_of(engine, "4.2.100") == [("amber", "waiting on HR")]
    (detail,) = say(core, "status 4.2.100").views
    assert isinstance(detail, ActionDetailView) and detail.ref == "4.2.100"
    (detail,) = say(core, "status 1.1.1A").views  # case does not matter
    assert isinstance(detail, ActionDetailView) and detail.ref == "1.1.1a"
    (snoozed,) = say(core, "snooze 4.2.100 and 1.1.1a until 21/10/2016").views
    assert "Snoozed 4.2.100, 1.1.1a" in snoozed.text
    with Session(engine) as s:
        assert len(s.exec(select(Snooze)).all()) == 2
    (approved,) = say(core, "status approve 4.2.100", who="sit-manager").views
    assert approved.text.startswith("Approved: 4.2.100 is now due 28 Feb 2017")


def test_approve_names_an_id_outside_the_grammar_as_such(ids_plan):
    _, core = ids_plan
    (answer,) = say(core, "status approve 4.2.x", who="sit-manager").views
    assert isinstance(answer, NoticeView) and "not an action id" in answer.text


@pytest.mark.parametrize("bad_id", ["4.2.1000", "1.1.1ab", "1.1.1.1", "١.١.١"])
def test_the_importer_refuses_ids_outside_the_grammar_with_a_listed_problem(reference_any_engine, tmp_path, bad_id):
    rows = [["1.1.1", "Fine", "Dec 16", "DCS"], [bad_id, "Bad", "Dec 16", "DCS"]]
    path = write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(PlanValidationError) as caught:
        import_plan_file(reference_any_engine, FixedClock(datetime(2016, 10, 14)), path, plan_key="bad")
    (problem,) = caught.value.problems
    assert problem.row == 3 and problem.column == "ID" and "not an action id" in problem.reason


def test_the_importer_stores_ids_in_one_spelling_and_sees_duplicates_through_it(reference_any_engine, tmp_path):
    clock = FixedClock(uk(2016, 10, 14, 10, 0))
    path = write_csv(tmp_path / "case.csv", HEADER, [["1.1.1A", "Upper", "Dec 16", "DCS"]])
    import_plan_file(reference_any_engine, clock, path, plan_key="case")
    with Session(reference_any_engine) as s:
        plan = s.exec(select(Plan).where(Plan.key == "case")).one()
        assert [a.ref for a in s.exec(select(Action).where(Action.plan_id == plan.id))] == ["1.1.1a"]
    rows = [["1.1.1a", "One", "Dec 16", "DCS"], ["1.1.1A", "Two", "Dec 16", "DCS"]]
    dup = write_csv(tmp_path / "dup.csv", HEADER, rows)
    with pytest.raises(PlanValidationError) as caught:
        import_plan_file(reference_any_engine, clock, dup, plan_key="dup")
    assert "duplicate action id 1.1.1a" in caught.value.problems[0].reason
