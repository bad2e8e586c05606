"""Lists and the highlight report in Slack (issue 12): a DM answers `red` like the slash command
does, `status partner X` and `report p4` answer in both, through signed requests against the
fake Slack API; every answer passes Block Kit's own validation."""

from __future__ import annotations

import pytest

from tests.fakes.slack_api import block_problems
from tests.slack.conftest import section_texts
from tests.slack.test_command_and_mentions import run_command
from tests.teams.test_adaptive_cards import fill_with_long_ambers


async def dm_text(bench, text: str, user: str = "U0HOSSCP", **kwargs) -> str:
    reply = await bench.dm_reply(user, text, **kwargs)
    assert block_problems(reply.body["blocks"]) == []
    return section_texts(reply.body["blocks"])


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("red", "Red actions (1)"),
        ("status red", "Red actions (1)"),
        ("amber", "Amber actions (0)"),
        ("green", "Green actions (0)"),
        ("completed", "Completed actions (5)"),
        ("not rated", "Not yet rated actions (301)"),
        ("red and amber", "Red and amber actions (1)"),
    ],
)
async def test_rag_lists_answer_in_a_dm_as_after_the_slash_command(slack_bench, text, title):
    assert "Recorded" in await dm_text(slack_bench, "4.2.1 red - no trainer until November")
    assert title in await dm_text(slack_bench, text)
    assert title in await run_command(slack_bench, text)


async def test_a_bare_green_in_a_nudge_thread_still_answers_the_nudge(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")  # links U0HOSSCP to hos-scp by email
    _channel, card = await slack_bench.nudge("4.2.1")
    text = await dm_text(slack_bench, "green", thread_ts=card["ts"])
    assert "• *4.2.1*: 🟢 Green" in text


async def test_pending_is_not_a_priority_in_slack(slack_bench):
    text = await run_command(slack_bench, "pending")
    assert "I don't know `/actionbot status pending`" in text and "ending" not in text.replace("pending", "")
    assert "I didn't understand that" in await dm_text(slack_bench, "status pending")


async def test_status_partner_in_slack(slack_bench):
    text = await run_command(slack_bench, "partner police")
    assert "Actions involving Police (47)" in text
    assert "more: `/actionbot status partner police page 2`" in text
    assert "Actions involving Police in priority 4 (12)" in await dm_text(slack_bench, "status partner Police p4")
    assert "did you mean Police" in await run_command(slack_bench, "partner polise")


async def test_report_p4_in_slack(slack_bench):
    text = await run_command(slack_bench, "report p4")
    assert "Highlight report — October 2016" in text and "*Priority 4: Safeguarding" in text
    assert "`/actionbot status priority 4`" in text  # the rest of a cut list, typed the Slack way
    assert "*Priority 4: Safeguarding" in await dm_text(slack_bench, "report p4")


async def test_report_in_slack_is_the_headline_with_no_thread_to_point_to(slack_bench):
    text = await run_command(slack_bench, "report")
    assert "Whole plan: 307 actions" in text and "*By priority*" in text
    assert "in the thread" not in text
    assert "`/actionbot report p4` for a priority's detail" in text


async def test_report_for_the_largest_priority_with_long_notes_stays_inside_block_kit(slack_bench):
    fill_with_long_ambers(slack_bench.rt, 5)
    text = await run_command(slack_bench, "report p5")  # run_command checks Block Kit's limits
    assert "*Red and amber* (" in text and "more: `/actionbot status priority 5`" in text
