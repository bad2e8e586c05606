"""Reopen with a button (issue 12): the SIT's detail card has "Reopen" beside "Sign off
completion"; it opens a modal asking for the reason, and the submission is the same
`reopen <ref> - <reason>` as typed, so the core decides who may and what reason will do. A
refusal (no reason, not an SIT admin) stays in the modal; a reopen closes it, is an audit
event, and reaches the lead through the usual decision notices."""

from __future__ import annotations

import json

from sqlmodel import Session

from bot.decisions import due_notices
from cards import blockkit_ids as ids
from cards.text import render_all
from storage import repo
from tests.fakes import slack_payloads as slack
from tests.slack.conftest import SlackBench

CLAIM = "4.2.1 completed - evidence: audit report Oct 16"


async def sit_card(bench: SlackBench) -> dict:
    """The lead claims 4.2.1 complete; the SIT looks at 4.2.1 (an ephemeral answer with buttons)."""
    await bench.dm_reply("U0HOSSCP", CLAIM)
    answer = await bench.status("4.2.1", "U0SIT")
    return {"ts": "1476520099.000007", "type": "message", "blocks": answer["blocks"], "text": answer["text"]}


async def open_reopen_modal(bench: SlackBench, user: str, message: dict) -> dict:
    before = len(bench.api.calls_to("views.open"))
    click = slack.block_actions(
        user,
        message,
        "C0PLAN",
        slack.button(message, ids.REOPEN, "4.2.1"),
        bench.api.response_url("reopen"),
        ephemeral=True,
    )
    assert (await bench.post(click, slack.FORM))[0] == 200
    return (await bench.api.wait_for("views.open", before + 1))[before].body["view"]


async def submit(bench: SlackBench, user: str, opened: dict, reason: str | None) -> dict | None:
    code, text = await bench.post(slack.reopen_submission(user, opened, reason), slack.FORM)
    assert code == 200
    return json.loads(text) if text.strip() else None


def reopened_events(bench: SlackBench) -> list:
    with Session(bench.rt.engine) as s:
        return repo.audit_events(s, ["completion.reopened"])


async def test_reopen_sits_beside_sign_off_only_for_the_sit(slack_bench):
    message = await sit_card(slack_bench)
    (row,) = [b for b in message["blocks"] if b.get("block_id") == ids.row_block_id(ids.SIGNOFF_BLOCK, "4.2.1")]
    assert [e["text"]["text"] for e in row["elements"]] == ["Sign off completion", "Reopen"]
    lead_view = json.dumps(await slack_bench.status("4.2.1", "U0HOSSCP"))
    assert ids.SIGNOFF_BLOCK not in lead_view and "reopen|4.2.1" not in lead_view


async def test_reopen_opens_the_reason_modal_and_its_submission_reopens(slack_bench):
    message = await sit_card(slack_bench)
    opened = await open_reopen_modal(slack_bench, "U0SIT", message)
    assert opened["callback_id"] == ids.REOPEN_MODAL and opened["title"]["text"] == "Reopen 4.2.1"
    (reason_block,) = [b for b in opened["blocks"] if b.get("block_id") == ids.REASON_BLOCK]
    assert reason_block["element"] == {**reason_block["element"], "type": "plain_text_input", "max_length": 280}
    assert json.loads(opened["private_metadata"])["ref"] == "4.2.1"
    assert reopened_events(slack_bench) == []  # nothing happens until the reason is given

    ack = await submit(slack_bench, "U0SIT", opened, "the audit found two teams untrained")
    assert ack is None  # the modal closes
    done = (await slack_bench.api.wait_for("chat.postEphemeral"))[-1].body
    assert "Reopened 4.2.1: it goes back to its lead with your reason" in json.dumps(done)
    (event,) = reopened_events(slack_bench)
    assert (event.subject, event.details["reason"]) == ("4.2.1", "the audit found two teams untrained")
    assert "awaiting sign-off" not in json.dumps(await slack_bench.status("4.2.1", "U0SIT"))
    with Session(slack_bench.rt.engine) as s:
        (told,) = due_notices(s, slack_bench.rt.clock.now())
    assert told.person_key == "hos-scp" and "The SIT reopened 4.2.1" in render_all([told.view])
    assert "Reason: the audit found two teams untrained" in render_all([told.view])


async def test_an_empty_reason_keeps_the_modal_open_with_the_cores_error(slack_bench):
    message = await sit_card(slack_bench)
    opened = await open_reopen_modal(slack_bench, "U0SIT", message)
    for reason in (None, "   "):
        ack = await submit(slack_bench, "U0SIT", opened, reason)
        assert ack["response_action"] == "errors"
        assert ack["errors"][ids.REASON_BLOCK].startswith("Say why 4.2.1 is reopened")
    ack = await submit(slack_bench, "U0SIT", opened, "x" * 281)
    assert "keep it to 280" in ack["errors"][ids.REASON_BLOCK]
    assert reopened_events(slack_bench) == []
    assert "awaiting sign-off" in json.dumps(await slack_bench.status("4.2.1", "U0SIT"))


async def test_a_forged_reopen_by_the_lead_is_refused_in_the_modal(slack_bench):
    message = await sit_card(slack_bench)
    opened = await open_reopen_modal(slack_bench, "U0HOSSCP", message)
    ack = await submit(slack_bench, "U0HOSSCP", opened, "I changed my mind")
    assert "Only an SIT admin" in ack["errors"][ids.REASON_BLOCK]
    assert reopened_events(slack_bench) == []


async def test_a_tampered_modal_is_refused_as_stale(slack_bench):
    message = await sit_card(slack_bench)
    opened = await open_reopen_modal(slack_bench, "U0SIT", message)
    for metadata in ("not json", json.dumps({"ref": "4.2.1; drop"})):
        ack = await submit(slack_bench, "U0SIT", {**opened, "private_metadata": metadata}, "a reason")
        assert ack["response_action"] == "errors" and ids.REASON_BLOCK in ack["errors"]
    assert reopened_events(slack_bench) == []


async def test_when_the_modal_cannot_open_the_sit_is_told_what_to_type(slack_bench):
    message = await sit_card(slack_bench)
    slack_bench.api.fail("views.open", error="expired_trigger_id")
    click = slack.block_actions(
        "U0SIT",
        message,
        "C0PLAN",
        slack.button(message, ids.REOPEN, "4.2.1"),
        slack_bench.api.response_url("x"),
        ephemeral=True,
    )
    assert (await slack_bench.post(click, slack.FORM))[0] == 200
    told = (await slack_bench.api.wait_for("chat.postEphemeral"))[-1].body
    assert "Say why 4.2.1 is reopened" in json.dumps(told) and "reopen 4.2.1 - reason" in json.dumps(told)
    assert reopened_events(slack_bench) == []
