"""Issue 12 in Slack, through the real app and the fake Web API: `status proposals` with Block
Kit Approve and Reject buttons for the SIT, the click handled by the approve core path, and the
lead told in their own DM by the next scheduler tick (once); the risks and issues log and
`status trend` typed in Slack."""

from __future__ import annotations

import json

import pytest

from bot.policy import load_policy
from cards import blockkit_ids as ids
from scheduler.tick import Ticker
from tests.conftest import uk
from tests.fakes import slack_payloads as slack
from tests.fakes.slack_files import FakeSlackWithFiles
from tests.slack.conftest import TOKEN, USERS, section_texts


@pytest.fixture
async def slack_api():
    """The fake Web API with Slack's file upload flow (for the trend chart); the same users."""
    fake = FakeSlackWithFiles(TOKEN)
    await fake.start()
    for user_id, (email, name) in USERS.items():
        fake.add_user(user_id, email, name)
    yield fake
    await fake.close()


async def proposals_card(bench, user: str) -> dict:
    return await bench.status("proposals", user)


async def click(bench, user: str, answer: dict, verb: str, ref: str, name: str) -> dict:
    message = {"ts": "1476520199.000001", "type": "message", "blocks": answer["blocks"], "text": answer["text"]}
    body = slack.block_actions(
        user, message, "C0PLAN", slack.button(message, verb, ref), bench.api.response_url(name), ephemeral=True
    )
    assert (await bench.post(body, slack.FORM))[0] == 200
    return (await bench.api.wait_for("chat.postEphemeral"))[-1].body


async def test_the_sit_approves_with_the_button_and_the_lead_hears_in_their_dm(slack_bench):
    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 amber - trainer off sick, new date 30/11/2016")
    lead_view = await proposals_card(slack_bench, "U0HOSSCP")
    assert "4.2.1" in section_texts(lead_view["blocks"]) and ids.PROPOSAL_BLOCK not in json.dumps(lead_view)
    answer = await proposals_card(slack_bench, "U0SIT")
    assert "proposes *30 Oct 2016*" not in section_texts(answer["blocks"])
    assert "Sadie Carpenterly (fictional) proposes *30 Nov 2016*" in section_texts(answer["blocks"])
    done = await click(slack_bench, "U0SIT", answer, ids.APPROVE, "4.2.1", "approve")
    assert "Approved: 4.2.1 is now due 30 Nov 2016 (was 28 Feb 2017)" in json.dumps(done)

    before = len(slack_bench.api.calls_to("chat.postMessage"))
    slack_bench.rt.clock.set(uk(2016, 10, 17, 10, 0))  # the bench's day is a Saturday: the tick waits for Monday
    ticker = Ticker(slack_bench.rt.engine, slack_bench.rt.clock, load_policy(), slack_bench.rt.channels, include_sit=False)
    await ticker.tick()
    await ticker.tick()
    told = [
        c for c in slack_bench.api.calls_to("chat.postMessage")[before:]
        if "approved your proposed date" in json.dumps(c.body)
    ]
    assert len(told) == 1
    assert told[0].answer["channel"] == "D0HOSSCP"
    assert "it is now due 30 Nov 2016" in json.dumps(told[0].body)
    after = await proposals_card(slack_bench, "U0SIT")
    assert "No proposed dates are awaiting a decision." in section_texts(after["blocks"])


async def test_a_forged_approve_click_by_the_lead_is_refused(slack_bench):
    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 amber - trainer off sick, new date 30/11/2016")
    answer = await proposals_card(slack_bench, "U0SIT")
    refused = await click(slack_bench, "U0HOSSCP", answer, ids.REJECT, "4.2.1", "forged")
    assert "Only an SIT admin can approve or reject" in json.dumps(refused)
    still = await proposals_card(slack_bench, "U0SIT")
    assert "30 Nov 2016" in section_texts(still["blocks"])


async def test_the_risks_log_and_the_trend_answer_in_slack(slack_bench):
    answer = await slack_bench.dm_reply(
        "U0HOSSCP", 'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP'
    )
    assert "Logged R1 in priority 4" in json.dumps(answer.body)
    listed = await slack_bench.status("risks p4", "U0DCS")
    text = section_texts(listed["blocks"])
    assert "*R1* · P4 · Agency social workers leaving" in text and "impact high · likelihood medium" in text
    trend = await slack_bench.status("trend", "U0DCS")
    text = section_texts(trend["blocks"])
    assert "RAG trend, month by month" in text and "Oct 16" in text


async def test_status_trend_in_a_dm_brings_the_chart_as_a_file(slack_bench):
    answer = await slack_bench.dm_reply("U0DCS", "status trend")
    assert "RAG trend, month by month" in section_texts(answer.body["blocks"])
    await slack_bench.api.wait_for("files.completeUploadExternal")
    (chart,) = slack_bench.api.shared_files()
    assert chart.channel == answer.body["channel"] and chart.filename == "rag-trend-2016-10.png"
    assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"
