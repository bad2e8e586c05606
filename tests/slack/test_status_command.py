"""/status in Slack: every form of the question, answered through response_url after the ack.

Each answer is also checked by the fake API the way Slack checks it (slack_sdk's block models,
50 blocks at most): a refused answer would arrive as HTTP 400 `invalid_blocks`.
"""

from __future__ import annotations

import time

import pytest

from tests.fakes.slack_api import block_problems
from tests.slack.conftest import section_texts


async def answer(bench, text: str, user: str = "U0HOSSCP") -> tuple[dict, str]:
    body = await bench.status(text, user)
    assert block_problems(body["blocks"]) == []
    return body, section_texts(body["blocks"])


async def test_priority_4_answers_within_3_seconds_with_its_rag_summary_privately(slack_bench):
    started = time.monotonic()
    body, text = await answer(slack_bench, "priority 4")
    assert time.monotonic() - started < 3
    assert body["response_type"] == "ephemeral"
    assert "*Priority 4: Safeguarding – better help and protection*" in text
    assert "Lead officer: Head of Service Safeguarding and Care Planning" in text
    assert "Red *0*" in text and "Amber *0*" in text and "Not yet rated *32*" in text and "Completed *1*" in text
    assert "*4.1.1* · ⚪ Not yet rated · All HOS · due 30 Sep 2016 — 15 days overdue" in text
    assert "Next deadlines (30 days)" in text
    assert body["text"].startswith("Priority 4: Safeguarding")


@pytest.mark.parametrize("spelling", ["p4", "priority four", "P4", "priority  4"])
async def test_other_spellings_of_priority_4_give_the_same_answer(slack_bench, spelling):
    _, expected = await answer(slack_bench, "priority 4")
    _, text = await answer(slack_bench, spelling)
    assert text == expected


async def test_priority_5_the_largest_fits_in_one_message_with_the_rest_summarised(slack_bench):
    body, text = await answer(slack_bench, "priority 5")
    assert len(body["blocks"]) <= 50
    assert "Not yet rated *59*" in text
    assert "more: `/actionbot status overdue p5`" in text


async def test_an_action_shows_lead_partners_due_date_rag_and_its_last_three_updates(slack_bench):
    for note in ("first", "second", "third", "fourth"):
        await slack_bench.dm_reply("U0HOSSCP", f"4.2.1 amber - {note}")
    _, text = await answer(slack_bench, "4.2.1")
    assert "*4.2.1* · 🟠 Amber · Priority 4" in text
    assert "Mandatory training on child protection procedures" in text
    assert "HOS S&amp;CP (Sadie Carpenterly (fictional))" in text
    assert "*Partners*\nnone" in text
    assert "due 28 Feb 2017 — 136 days left" in text
    assert "fourth" in text and "third" in text and "second" in text and "first" not in text


async def test_lists_overdue_red_amber_and_due(slack_bench):
    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 red - no trainer\n4.2.2 amber - venue late")
    _, overdue = await answer(slack_bench, "overdue")
    assert "Overdue actions" in overdue and "days overdue" in overdue
    _, red = await answer(slack_bench, "red")
    assert "*4.2.1*" in red and "no trainer" in red and "4.2.2" not in red
    _, amber = await answer(slack_bench, "amber")
    assert "*4.2.2*" in amber and "venue late" in amber
    _, due = await answer(slack_bench, "due 30d")
    assert "Due in the next 30 days" in due and "due 31 Oct 2016 — 16 days left" in due


async def test_mine_lists_the_callers_actions_and_a_stranger_is_told_who_to_ask(slack_bench):
    _, mine = await answer(slack_bench, "mine", "U0HOSSCP")
    assert "Your open actions as All HOS, HOS S&amp;CP" in mine and "*4.1.1* · ⚪ Not yet rated · All HOS" in mine
    _, stranger = await answer(slack_bench, "mine", "U0STRANGER")
    assert "I don't know who you are yet" in stranger


async def test_lead_takes_a_role_with_an_ampersand_as_slack_sends_it(slack_bench):
    _, text = await answer(slack_bench, "lead HOS S&CP")  # arrives as "HOS S&amp;CP"
    assert "*Actions led by HOS S&amp;CP (29)*" in text and "*2.4.1* · 🔵 Completed · HOS S&amp;CP" in text


async def test_summary_and_help(slack_bench):
    _, summary = await answer(slack_bench, "")
    assert "As of 15 Oct 2016" in summary and "*P5* Supporting children looked after" in summary
    _, helptext = await answer(slack_bench, "help")
    assert "`/actionbot status priority 4`" in helptext and "`/actionbot status … share`" in helptext
    assert "/status" not in helptext.replace("/actionbot status", "")


async def test_unknown_action_priority_and_role_get_the_closest_valid_ones(slack_bench):
    _, text = await answer(slack_bench, "4.2.9")
    assert "No action 4.2.9 — did you mean 4.2.3 or 4.2.2 or 4.2.1?" in text
    _, text = await answer(slack_bench, "priority 11")
    assert "There is no priority 11. Priorities are 1, 2, 3, 4, 5, 6, 7, 8, 9, 10." in text
    _, text = await answer(slack_bench, "lead HOS SCP")
    assert "did you mean HOS S&amp;CP" in text
    _, text = await answer(slack_bench, "what is this")
    assert "I don't know `/actionbot status what is this`" in text


async def test_share_posts_in_the_channel(slack_bench):
    body, text = await answer(slack_bench, "priority 4 share")
    assert body["response_type"] == "in_channel"
    assert "*Priority 4: Safeguarding" in text
