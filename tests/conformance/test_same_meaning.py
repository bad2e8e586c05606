"""The same request means the same thing on every registered channel: sent through each
channel's real entry point (`drivers.py`), it records the same update (or refuses with the same
reason and records nothing), and every view the core can answer with has a renderer in each
channel's card module."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from sqlmodel import Session, select

from bot import views
from domain.clock import FixedClock
from domain.vocabulary import RAG, note_problem
from handlers import registry
from storage import repo
from storage.models import Action, ActionUpdate
from tests.conformance.drivers import DRIVERS
from tests.conftest import uk

LEAD = "hos-scp"  # HOS S&CP: leads 4.2.1
OWN, NOT_OWN = "4.2.1", "5.1.1"


def test_every_registered_channel_has_a_driver():
    assert set(registry.names()) == set(DRIVERS)


@pytest.fixture(params=sorted(DRIVERS))
async def channel(request, reference_engine):
    driver = DRIVERS[request.param]()
    await driver.start(reference_engine, FixedClock(uk(2016, 10, 15, 10, 0)))
    driver.engine_ = reference_engine
    yield driver
    await driver.stop()


def updates(engine) -> list[tuple[str, str, str | None, str]]:
    with Session(engine) as s:
        rows = s.exec(select(ActionUpdate, Action).where(ActionUpdate.action_id == Action.id)).all()
        return [(a.ref, u.rag, u.author_key, u.channel) for u, a in rows]


def flat(words: str) -> str:
    """The answer's words without the channels' emphasis marks and escapes, for comparison."""
    return " ".join(words.replace("*", "").replace("_", "").replace("&amp;", "&").split())


async def test_an_update_by_the_lead_is_recorded_the_same(channel):
    before = updates(channel.engine_)
    answer = flat(await channel.say(LEAD, f"{OWN} green"))
    assert updates(channel.engine_) == [*before, (OWN, "green", LEAD, channel.name)]
    assert OWN in answer and "Recorded" in answer, answer


async def test_an_update_by_someone_else_is_refused_with_the_same_reason(channel):
    with Session(channel.engine_) as s:
        action = s.exec(select(Action).where(Action.ref == NOT_OWN)).first()
        assert action is not None and not {"HOS S&CP"} & set(action.leads)
        who = repo.person_by_key(s, LEAD)
        assert who is not None and not who.sit_admin
    before = updates(channel.engine_)
    answer = flat(await channel.say(LEAD, f"{NOT_OWN} green"))
    assert updates(channel.engine_) == before
    assert f"Only the lead for {NOT_OWN}" in answer, answer


async def test_red_without_a_note_is_refused_with_the_cores_words(channel):
    before = updates(channel.engine_)
    answer = flat(await channel.say(LEAD, f"{OWN} red"))
    assert updates(channel.engine_) == before
    problem = note_problem(RAG.RED, "")
    assert problem and flat(problem)[:40] in answer, (problem, answer)


async def test_a_status_question_records_nothing_and_names_the_action(channel):
    before = updates(channel.engine_)
    answer = flat(await channel.say(LEAD, f"status {OWN}"))
    assert updates(channel.engine_) == before
    assert OWN in answer, answer


VIEW_TYPES = sorted(
    (cls for name, cls in inspect.getmembers(views, inspect.isclass)
     if name.endswith("View") and dataclasses.is_dataclass(cls) and cls.__module__ == views.__name__),
    key=lambda cls: cls.__name__,
)


@pytest.mark.parametrize("name", sorted(DRIVERS))
@pytest.mark.parametrize("view_type", VIEW_TYPES, ids=lambda cls: cls.__name__)
def test_every_view_has_a_renderer_in_each_channel(name, view_type):
    render = DRIVERS[name].renderer
    assert render.dispatch(view_type) is not render.dispatch(object), f"{name} cannot render {view_type.__name__}"
