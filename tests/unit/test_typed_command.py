"""The commands the bot tells people to type are written once, neutrally, in the core; each
channel shows them the way they must be typed there: `/actionbot status …` in Slack (or the
configured SLACK_COMMAND), `status …` in Teams and the terminal."""

from __future__ import annotations

import json

from bot.requests import ChatRequest, Identity
from bot.status import HELP, list_view
from bot.typed_command import MARK, shown, typed
from bot.views import NoticeView
from cards import adaptive, blockkit
from cards.text import render_all


def everything(views) -> dict[str, str]:
    """The same views as each channel would send them, as one string each."""
    return {
        "slack": json.dumps(blockkit.message(views), ensure_ascii=False),
        "slack-test-copy": json.dumps(blockkit.message(views, command="/actionbot-test "), ensure_ascii=False),
        "slack-home": json.dumps(blockkit.home(views), ensure_ascii=False),
        "teams": json.dumps(adaptive.message_activity(views), ensure_ascii=False),
        "teams-invoke": json.dumps(adaptive.invoke_card_response(views), ensure_ascii=False),
        "terminal": render_all(views),
    }


def test_help_shows_the_command_to_type_in_each_place():
    out = everything([HELP])
    assert "`/actionbot status priority 4`" in out["slack"] and "`/actionbot status mine`" in out["slack"]
    assert "`/actionbot-test status priority 4`" in out["slack-test-copy"]
    assert "/actionbot" not in out["teams"] and "/status" not in out["teams"]
    assert "status priority 4" in out["teams"]
    assert "  status priority 4 " in out["terminal"] and "/" not in out["terminal"].split("\n")[2]
    # An update is a message, not a command: never prefixed.
    assert "/actionbot 4.2.1 amber" not in out["slack"] and "`4.2.1 amber - waiting on HR" in out["slack"]


def test_no_channel_leaks_the_mark():
    views = [
        HELP,
        NoticeView(f"I don't know `{typed('status what')}`."),
        list_view("Overdue", [], "status overdue", "Nothing."),
    ]
    for where, text in everything(views).items():
        assert MARK not in text, where


def test_a_hint_for_the_rest_of_a_list_is_neutral_in_the_view():
    view = list_view("Overdue", [], "status overdue p4")
    assert view.more_hint == ""  # nothing cut, no hint
    assert shown(f"5 more: `{typed('status overdue p4')}`", "/actionbot ") == "5 more: `/actionbot status overdue p4`"
    assert shown({"a": [typed("status"), ("x", typed("help"))]}, "") == {"a": ["status", ("x", "help")]}


def test_what_a_person_types_can_never_pose_as_a_command():
    sneaky = f"4.2.1 amber - see {MARK}status red"
    request = ChatRequest(Identity("slack", "U1"), text=sneaky, note=sneaky)
    assert MARK not in request.text and MARK not in request.note
    assert request.text == "4.2.1 amber - see status red"
