"""The App Home tab: "My actions" by due date, with the nudge card's buttons."""

from __future__ import annotations

import json

from cards import blockkit_ids as ids
from tests.fakes import slack_payloads as slack
from tests.slack.conftest import section_texts


async def open_home(bench, user: str) -> dict:
    before = len(bench.api.calls_to("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"}
    code, _ = await bench.post(slack.event_callback(event), slack.JSON)
    assert code == 200
    published = (await bench.api.wait_for("views.publish", before + 1))[before]
    assert published.answer["ok"], published.answer
    assert published.body["user_id"] == user
    return published.answer["view"]


def home_refs(view: dict) -> list[str]:
    return [ref for b in view["blocks"] if (ref := ids.ref_of_block(b.get("block_id", ""), ids.HOME_BLOCK))]


async def test_home_lists_my_open_actions_by_due_date_with_buttons(slack_bench):
    view = await open_home(slack_bench, "U0HOSSCP")
    assert view["type"] == "home"
    text = section_texts(view["blocks"])
    assert "My actions" in text and "Your open actions as All HOS, HOS S&amp;CP" in text
    refs = home_refs(view)
    assert refs[:2] == ["10.1.1", "10.2.2"]  # due 31 Aug 2016, the earliest
    assert "4.2.1" not in refs[:2] and len(refs) == 20
    assert "… 11 more: `/actionbot status mine page 2`" in text  # what to type in Slack (4.1.1-4.1.4 as All HOS)
    assert "Ask anything with `/actionbot status help`" in text and "/status" not in text


async def test_a_green_click_on_home_records_and_refreshes_home(slack_bench):
    view = await open_home(slack_bench, "U0HOSSCP")
    action = slack.button(view, "green", "10.1.1")
    code, _ = await slack_bench.post(slack.home_click("U0HOSSCP", view["id"], action), slack.FORM)
    assert code == 200
    refreshed = (await slack_bench.api.wait_for("views.publish", 2))[1].answer["view"]
    text = section_texts(refreshed["blocks"])
    assert "• *10.1.1*: 🟢 Green" in text
    assert "*10.1.1* · 🟢 Green" in text


async def test_an_amber_click_on_home_goes_through_the_modal(slack_bench):
    view = await open_home(slack_bench, "U0HOSSCP")
    action = slack.button(view, "amber", "10.1.1")
    await slack_bench.post(slack.home_click("U0HOSSCP", view["id"], action), slack.FORM)
    opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]
    assert json.loads(opened["private_metadata"])["surface"] == "home"
    code, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "legal team short-staffed")
    assert code == 200 and ack is None
    refreshed = (await slack_bench.api.wait_for("views.publish", 2))[1].answer["view"]
    assert "• *10.1.1*: 🟠 Amber — legal team short-staffed" in section_texts(refreshed["blocks"])


async def test_someone_unknown_sees_why_they_have_no_actions(slack_bench):
    view = await open_home(slack_bench, "U0STRANGER")
    assert "I don't know who you are yet" in section_texts(view["blocks"])
    assert home_refs(view) == []
