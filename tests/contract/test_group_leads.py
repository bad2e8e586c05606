"""Group leads (issue 12), on the reference plan, SQLite and PostgreSQL: 4.1.1 is led by "All
HOS", whose members the people directory lists (HOS S&CP, HOS QI, HOS EI&FS, HOS C&R). Each
member is asked and may update; an update by one counts for the action; someone outside the
group is refused, naming who can."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.conversation import Core
from bot.recipients import directory
from bot.requests import ChatRequest, Identity
from bot.views import ActionListView, ConfirmationView, NoticeView
from cards.text import render_all
from storage import repo
from storage.models import Role
from tests.conftest import uk

MEMBERS = ["hos-cr", "hos-eifs", "hos-qi", "hos-scp"]


@pytest.fixture
def core(reference_any_engine, clock):
    clock.set(uk(2016, 10, 14, 10, 0))
    return Core(reference_any_engine, clock)


def ask(core: Core, text: str, who: str):
    (view,) = [v for v in core.handle(ChatRequest(Identity("terminal", who), text=text)).views]
    return view


def test_the_reference_directory_gives_all_hos_its_members(reference_any_engine):
    with Session(reference_any_engine) as s:
        role = s.get(Role, next(r.id for r in repo.roles(s) if r.abbrev == "All HOS"))
        assert role.members == ["HOS S&CP", "HOS QI", "HOS EI&FS", "HOS C&R"]
        action = repo.action_by_ref(s, repo.active_plan(s).id, "4.1.1")
        assert action.leads == ["All HOS"]
        owners = directory(s).owners(action, uk(2016, 10, 14, 10, 0).date())
    assert sorted(p.key for p in owners) == MEMBERS  # each member is asked, not the DCS alone


@pytest.mark.parametrize("who", MEMBERS)
def test_every_member_of_the_group_may_update(core, who):
    view = ask(core, "4.1.1 green - protocol drafted", who)
    assert isinstance(view, ConfirmationView), render_all([view])


def test_an_update_by_one_member_counts_for_the_action_and_others_see_it(core):
    ask(core, "4.1.1 amber - waiting on legal", "hos-qi")
    detail = ask(core, "status 4.1.1", "hos-cr")
    assert detail.rag == "amber" and detail.can_update
    mine = ask(core, "status mine p4", "hos-eifs")
    assert isinstance(mine, ActionListView) and mine.items[0].ref == "4.1.1" and mine.items[0].rag == "amber"


def test_someone_outside_the_group_is_refused(core):
    view = ask(core, "4.1.1 green - done", "pm")
    assert isinstance(view, NoticeView) and "Only the lead for 4.1.1" in view.text


def test_the_refusal_names_the_groups_members(core):
    view = ask(core, "4.1.1 green - done", "pm")
    for name in ("(All HOS)", "Sadie Carpenterly (fictional)"):
        assert name in view.text
