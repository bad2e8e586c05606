"""Every Block Kit payload the bot produces, checked with slack_sdk's block and view models and
Slack's limits — including the largest priority and a nudge for many actions."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

import bot.views as views_module
from bot.config import Settings
from bot.nudges import nudge_view
from bot.plan_state import load_state
from bot.requests import ChatRequest, Identity
from bot.runtime import build_runtime
from bot.typed_command import typed
from bot.views import (
    ConfirmationView,
    EscalationItem,
    EscalationView,
    NoticeView,
    RecordedLine,
    UpdateFormView,
)
from cards import blockkit
from cards import blockkit_ids as ids
from cards.slack_escape import escape, unescape
from domain.clock import FixedClock
from handlers.slack.listeners import Origin
from handlers.slack.settings import SlackSettings
from storage import repo
from storage.db import session_scope
from tests.conftest import uk

NASTY = "<!channel> & <@U0DCS> <https://evil.example|HR> @here " * 80  # ~4,000 characters


def assert_valid_blocks(blocks: list[dict], limit: int = 50) -> None:
    assert 0 < len(blocks) <= limit
    block_ids, action_ids = set(), set()
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        assert parsed.to_dict() == raw  # nothing Slack would not understand
        if raw.get("type") == "section" and raw.get("text"):
            assert len(raw["text"]["text"]) <= 3000
            assert not re.search(r"&[a-z]{0,3}…?$", raw["text"]["text"])  # no entity cut in half
        if raw.get("block_id"):
            assert raw["block_id"] not in block_ids
            block_ids.add(raw["block_id"])
        for element in raw.get("elements") or []:
            if "action_id" in element:
                assert element["action_id"] not in action_ids and len(element["action_id"]) <= 255
                action_ids.add(element["action_id"])
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
    text = json.dumps(blocks)
    for forbidden in ("<!channel>", "<@U0DCS>", "<https://evil"):
        assert forbidden not in text


def assert_valid_message(message: dict) -> None:
    assert message["text"] and len(message["text"]) <= 300
    assert_valid_blocks(message["blocks"])


@pytest.fixture
def rt(reference_engine):
    slack = SlackSettings(_env_file=None, slack_bot_token=None, slack_signing_secret=None)
    return build_runtime(
        Settings(_env_file=None),
        engine=reference_engine,
        clock=FixedClock(uk(2016, 10, 15, 10, 0)),
        channel_settings={"slack": slack},
    )


def ask(rt, text: str, who: str = "hos-qi") -> list:
    return rt.core.handle(ChatRequest(Identity("terminal", who), text=text)).views


def states(rt, refs_prefix: str = "5."):
    with session_scope(rt.engine) as session:
        state = load_state(session, repo.active_plan(session), rt.clock.now())
    return [a for a in state.actions if a.ref.startswith(refs_prefix)]


@pytest.mark.parametrize(
    "question",
    [
        "status",
        "status help",
        "status priority 5",
        "status priority 4",
        "status 5.2.2",
        "status overdue",
        "status not rated",
        "status due 90d",
        "status mine",
        "status lead HOS QI",
        "status 5.2.99",
        "status lead nobody",
        "4.2.1 amber",
    ],
)
def test_every_status_answer_is_valid_block_kit(rt, question):
    assert_valid_message(blockkit.message(ask(rt, question)))


def test_priority_5_the_largest_is_summarised_within_the_limits(rt):
    (view,) = ask(rt, "status priority 5")
    assert view.counts.total == 59
    message = blockkit.message([view])
    assert_valid_message(message)
    assert len(message["blocks"]) <= 40


def test_a_nudge_for_all_59_actions_of_priority_5(rt):
    view = nudge_view("Quentin Ivesworth", states(rt))
    assert len(view.items) == 59
    message = blockkit.message([view])
    assert_valid_message(message)
    rows = [b for b in message["blocks"] if b["type"] == "actions"]
    assert len(rows) == blockkit.NUDGE_BUTTON_ITEMS
    labels = [e["text"]["text"] for e in rows[0]["elements"]]
    assert labels == ["Green", "Amber", "Red", "Completed", "Add update"]
    # the most urgent get the buttons: the card's first actions in its urgency order
    assert [r["block_id"] for r in rows] == [
        ids.row_block_id(ids.NUDGE_BLOCK, i.ref) for i in view.items[: blockkit.NUDGE_BUTTON_ITEMS]
    ]
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert all(f"*{i.ref}*" in text for i in view.items)  # every action is on the card, none dropped


def test_a_round_of_a_hundred_actions_with_an_escalation_fits_one_message_grouped_by_urgency(rt):
    """The DCS's September: a hundred actions in four urgency groups, the No change button, and
    an escalation cut to its ten worst, in one message of at most 50 blocks."""
    everything = [s for s in states(rt, "") if s.is_open][:100]
    view = nudge_view("Dana Carver", everything, no_change=True)
    groups = [key for key, _heading, _items in view.groups()]
    assert groups == ["overdue", "due_soon", "in_progress", "not_started"]
    assert [i.group for i in view.items] == sorted(
        (i.group for i in view.items), key=[k for k, _ in views_module.URGENCY_GROUPS].index
    )
    escalation = EscalationView(
        "Dana Carver",
        tuple(
            EscalationItem(f"5.1.{n}", "text", "Quentin Ivesworth", "no update", date(2016, 9, 30), 15, "red")
            for n in range(views_module.ESCALATION_LIMIT)
        ),
        "Please talk to the leads.",
        total=149,
        more_hint=f"139 more, worst first: `{typed('status escalated')}`",
    )
    message = blockkit.message([view, escalation, NoticeView("readings")])
    assert_valid_message(message)
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert all(f"*{i.ref}*" in text for i in view.items)
    for _key, heading, items in view.groups():
        assert f"*{heading}* ({len(items)})" in text
    no_change = [b for b in message["blocks"] if b.get("block_id") == ids.NO_CHANGE_BLOCK]
    assert len(no_change) == 1
    button = no_change[0]["elements"][0]
    assert button["text"]["text"] == "No change on the rest"
    assert ids.parse_button_value(button["value"]) == (ids.NO_CHANGE, "")
    assert "149 action(s) need your attention" in text and "139 more, worst first: `/actionbot status escalated`" in text


def test_a_nudge_after_a_click_shows_what_was_recorded_instead_of_buttons(rt):
    view = nudge_view("Q", states(rt)[:3], recorded={"5.1.1": "Amber: " + NASTY[:200]})
    blocks = blockkit.message([view])["blocks"]
    assert_valid_blocks(blocks)
    assert ids.row_block_id(ids.NUDGE_BLOCK, "5.1.1") not in [b.get("block_id") for b in blocks]
    assert "✅ Recorded: Amber: &lt;!channel&gt;" in json.dumps(blocks, ensure_ascii=False)


def test_views_that_carry_user_text_stay_valid_and_escaped_at_any_length(rt):
    line = RecordedLine("4.2.1", "amber", NASTY[:280], date(2016, 11, 30))
    escalation = EscalationView(
        "Dana Carver",
        tuple(
            EscalationItem(
                f"5.1.{n}", NASTY, "Quentin Ivesworth", "red for 2 weeks", date(2016, 9, 30), 15, "red", NASTY
            )
            for n in range(30)
        ),
        "Please talk to the leads.",
    )
    for views in (
        [ConfirmationView(tuple([line] * 40))],
        [NoticeView(NASTY, "warning")],
        [UpdateFormView("4.2.1", NASTY, "amber", error=NASTY)],
        [escalation],
        [NoticeView("a"), *ask(rt, "status priority 5"), ConfirmationView((line,))],
    ):
        assert_valid_message(blockkit.message(views))


def test_the_update_modal_is_a_valid_view_even_for_a_card_of_59_actions(rt):
    refs = [s.ref for s in states(rt)]
    origin = Origin("5.1.1", refs, "message", "D0HOSQI", "1476520000.000001", "https://hooks.slack.invalid/x")
    modal = blockkit.update_modal(UpdateFormView("5.1.1", NASTY, "red"), origin.dump())
    View(**modal).validate_json()
    assert_valid_blocks(modal["blocks"], limit=100)
    assert len(modal["private_metadata"]) <= 3000 and Origin.load(modal["private_metadata"]) == origin
    assert modal["title"]["text"] == "Update 5.1.1"
    note = next(b for b in modal["blocks"] if b.get("block_id") == ids.NOTE_BLOCK)
    assert note["element"]["max_length"] == 280 and note["optional"] is True


def test_form_errors_point_at_the_input_they_are_about():
    """The core names the input; the wording of the message does not decide where it goes."""
    note = UpdateFormView("1.1.1", "", "amber", "Amber needs a one-line reason.", error_field="note")
    assert blockkit.form_errors(note) == {ids.NOTE_BLOCK: "Amber needs a one-line reason."}
    date = UpdateFormView("1.1.1", "", "red", "The proposed date is in the past.", error_field="date")
    assert list(blockkit.form_errors(date)) == [ids.DATE_BLOCK]
    rag = UpdateFormView("1.1.1", "", None, "Choose a RAG status.", error_field="rag")
    assert list(blockkit.form_errors(rag)) == [ids.RAG_BLOCK]


def test_the_home_tab_is_a_valid_view_for_someone_with_many_actions(rt):
    home = blockkit.home(ask(rt, "status mine"), banner=[ConfirmationView((RecordedLine("5.1.1", "green", "", None),))])
    View(**home).validate_json()
    assert_valid_blocks(home["blocks"], limit=100)
    assert sum(1 for b in home["blocks"] if b["type"] == "actions") == 20


def test_every_view_in_bot_views_has_a_block_kit_rendering(rt):
    """A view added to bot/views.py without a Slack layout still renders (as escaped text)."""
    renderable = {
        cls
        for name, cls in vars(views_module).items()
        if name.endswith("View") and dataclasses.is_dataclass(cls) and cls.__module__ == "bot.views"
    }
    own = set(blockkit.render.registry) - {object}
    assert {v for v in renderable if v.__name__ not in ("RagCountsView", "ReportDigestView")} <= own


def test_escape_neutralises_every_slack_control_sequence():
    assert escape("<!channel>") == "&lt;!channel&gt;"
    assert escape("<@U123> & <#C1>") == "&lt;@U123&gt; &amp; &lt;#C1&gt;"
    assert escape("<https://evil.example|HR portal>") == "&lt;https://evil.example|HR portal&gt;"
    assert escape("@here and @channel, @everyone") == "@\u2060here and @\u2060channel, @\u2060everyone"
    assert escape("S&CP: 5 > 3") == "S&amp;CP: 5 &gt; 3"
    assert unescape("HOS S&amp;CP &lt;3") == "HOS S&CP <3"
    assert unescape(escape("a & <b> c")) == "a & <b> c"


def test_a_view_without_a_block_kit_layout_falls_back_to_escaped_text(rt):
    """The fallback (singledispatch's default) shows the plain-text rendering in sections; the
    digest is used as the example because it is the longest text the bot has."""
    import cards.report_text  # noqa: F401 - registers the digest's text rendering
    from bot.report import build_report, digest_views

    with session_scope(rt.engine) as session:
        report = build_report(session, repo.active_plan(session), "2016-09")
    (digest,) = digest_views(report)
    fallback = blockkit.render.registry[object](digest)
    assert_valid_blocks(fallback)
    text = json.dumps(fallback, ensure_ascii=False)
    assert "```Highlight report — September 2016" in text and "Whole plan (307 actions)" in text
    assert_valid_message(blockkit.message([digest]))  # whichever renderer is registered for it
