"""A Teams card submission is a payload like any other: every value in it is checked on the
server, by the same core path as Slack's modal (`Turn.submission` → `updates.check`).

Each test posts an `Action.Execute` invoke, as Teams would, carrying one value no card of ours
offers; the bot answers with the card and what is wrong, and records nothing (or records the
clean text)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from storage.db import session_scope
from storage.models import ActionUpdate
from tests.teams.conftest import HANNAH, card_texts
from tests.teams.test_e2e_cards_and_proactive import button, hannah_nudged_about_4_2_1


async def execute(world, data: dict[str, Any], verb: str) -> tuple[int, Any]:
    invoke = world.activity(
        HANNAH,
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    )
    return await world.post_json(invoke)


def recorded(world) -> list[tuple[str, str, str | None]]:
    with session_scope(world.rt.engine) as s:
        return [(u.rag, u.note, u.proposed_due and u.proposed_due.isoformat()) for u in s.exec(select(ActionUpdate))]


async def test_a_proposed_date_beyond_the_plans_horizon_is_refused_on_the_card(world, assert_valid_card):
    card, _ = await hannah_nudged_about_4_2_1(world)
    amber = button(card, "Amber")
    status, body = await execute(
        world, {**amber["data"], "note.4.2.1": "waiting on HR", "date.4.2.1": "31/12/9999"}, amber["verb"]
    )
    assert status == 200
    text = card_texts(assert_valid_card(body["value"]))
    assert "too far ahead" in text and "31 Oct 2022" in text  # the plan's last date (31 Oct 2017) + 5 years
    assert recorded(world) == []


async def test_an_action_the_card_was_not_about_is_refused(world):
    card, _ = await hannah_nudged_about_4_2_1(world)
    green = button(card, "Green")
    # 4.2.2 is Hannah's too, so only the card check can refuse it: the card named 4.2.1 alone
    status, body = await execute(world, {**green["data"], "ref": "4.2.2"}, green["verb"])
    assert status == 200
    assert "not about 4.2.2" in str(body) and recorded(world) == []


async def test_a_card_naming_actions_outside_the_grammar_is_refused(world):
    card, _ = await hannah_nudged_about_4_2_1(world)
    green = button(card, "Green")
    status, body = await execute(world, {**green["data"], "refs": ["4.2.1", "4.2.1; drop"]}, green["verb"])
    assert status == 200 and "names something that is not an action" in str(body) and recorded(world) == []


async def test_a_note_over_the_limit_is_refused_beside_the_note(world, assert_valid_card):
    card, _ = await hannah_nudged_about_4_2_1(world)
    red = button(card, "Red")
    status, body = await execute(world, {**red["data"], "note.4.2.1": "x" * 5000}, red["verb"])
    text = card_texts(assert_valid_card(body["value"]))
    assert status == 200 and "5000 characters; keep it to 280" in text and recorded(world) == []


async def test_control_characters_and_bidi_overrides_in_a_card_note_are_stored_clean(world):
    card, _ = await hannah_nudged_about_4_2_1(world)
    amber = button(card, "Amber")
    note = "waiting\x00 on \u202eRH\u202c sign-off\x07"
    status, _ = await execute(world, {**amber["data"], "note.4.2.1": note}, amber["verb"])
    assert status == 200
    assert recorded(world) == [("amber", "waiting on RH sign-off", None)]
