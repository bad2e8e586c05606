"""The nudge card's buttons and the update modal, clicked and submitted as Slack would."""

from __future__ import annotations

import json

from cards import blockkit_ids as ids
from tests.slack.conftest import section_texts


async def linked_nudge(bench, user: str, target: str):
    """The person writes to the bot once (linking their Slack id by email), then is nudged."""
    await bench.status("mine", user)
    return await bench.nudge(target)


async def test_green_records_directly_and_updates_the_card_in_place(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    assert card["metadata"] == {"event_type": "actionbot_nudge", "event_payload": {"refs": "4.2.1"}}
    code, _ = await slack_bench.click("U0HOSSCP", channel, card, "green", "4.2.1")
    assert code == 200
    update = (await slack_bench.api.wait_for("chat.update"))[0]
    assert (update.body["channel"], update.body["ts"]) == (channel, card["ts"])
    text = section_texts(update.body["blocks"])
    assert "✅ Recorded: Green" in text
    assert not slack_bench.api.calls_to("views.open")
    detail = section_texts((await slack_bench.status("4.2.1"))["blocks"])
    assert "🟢 Green" in detail and "Sadie Carpenterly (fictional)" in detail


async def test_amber_opens_the_modal_and_its_submission_is_recorded(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    await slack_bench.click("U0HOSSCP", channel, card, "amber", "4.2.1")
    opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]
    assert opened["callback_id"] == ids.UPDATE_MODAL
    rag_block = next(b for b in opened["blocks"] if b.get("block_id") == ids.RAG_BLOCK)
    assert rag_block["element"]["initial_option"]["value"] == "amber"
    origin = json.loads(opened["private_metadata"])
    assert origin["ref"] == "4.2.1" and origin["channel"] == channel and origin["ts"] == card["ts"]
    assert not slack_bench.api.calls_to("chat.update")

    code, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "waiting on HR sign-off", "end of Nov")
    assert code == 200 and ack is None  # the modal closes
    update = (await slack_bench.api.wait_for("chat.update"))[0].body
    assert update["ts"] == card["ts"]
    assert "✅ Recorded: Amber: waiting on HR sign-off" in section_texts(update["blocks"])
    detail = section_texts((await slack_bench.status("4.2.1"))["blocks"])
    assert "🟠 Amber" in detail and "waiting on HR sign-off" in detail
    assert "Proposed new date awaiting SIT approval: 30 Nov 2016" in detail


async def test_modal_errors_stay_in_the_modal_and_record_nothing(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    await slack_bench.click("U0HOSSCP", channel, card, "amber", "4.2.1")
    opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]

    code, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "x" * 281)
    assert code == 200
    assert ack["response_action"] == "errors"
    assert "281 characters" in ack["errors"][ids.NOTE_BLOCK]

    _, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "")
    assert ack["errors"] == {ids.NOTE_BLOCK: "Amber needs a one-line reason."}

    _, ack = await slack_bench.submit("U0HOSSCP", opened, "red", "no budget", "the twelfth of never")
    assert ids.DATE_BLOCK in ack["errors"]

    _, ack = await slack_bench.submit("U0HOSSCP", opened, None, "something")
    assert ack["errors"] == {ids.RAG_BLOCK: "Choose a RAG status."}

    assert not slack_bench.api.calls_to("chat.update")
    assert "No updates yet." in section_texts((await slack_bench.status("4.2.1"))["blocks"])


async def test_add_update_opens_an_empty_modal_and_completed_asks_for_evidence(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    await slack_bench.click("U0HOSSCP", channel, card, "update", "4.2.1")
    opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]
    rag_block = next(b for b in opened["blocks"] if b.get("block_id") == ids.RAG_BLOCK)
    assert "initial_option" not in rag_block["element"]

    # Completed needs evidence (issue 12): the button opens the modal instead of recording
    await slack_bench.click("U0HOSSCP", channel, card, "completed", "4.2.1")
    opened = (await slack_bench.api.wait_for("views.open", 2))[1].body["view"]
    rag_block = next(b for b in opened["blocks"] if b.get("block_id") == ids.RAG_BLOCK)
    assert rag_block["element"]["initial_option"]["value"] == "completed"
    assert not slack_bench.api.calls_to("chat.update")
    _, ack = await slack_bench.submit("U0HOSSCP", opened, "completed", "all trained")
    assert "needs evidence" in ack["errors"][ids.NOTE_BLOCK]
    _, ack = await slack_bench.submit("U0HOSSCP", opened, "completed", "evidence: audit report Oct 16")
    assert ack is None
    update = (await slack_bench.api.wait_for("chat.update"))[0].body
    assert "✅ Recorded: Completed" in section_texts(update["blocks"])
    detail = (await slack_bench.status("4.2.1"))["blocks"]
    assert "🔵 Completed" in section_texts(detail)
    assert "Completed (awaiting sign-off) · evidence: audit report Oct 16" in json.dumps(detail, ensure_ascii=False)


async def test_someone_else_clicking_is_refused_politely_and_nothing_changes(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    await slack_bench.click("U0DCS", channel, card, "green", "4.2.1")
    refusal = (await slack_bench.api.wait_for("chat.postEphemeral"))[0].body
    assert refusal["user"] == "U0DCS"
    assert "Only the lead for 4.2.1 (Sadie Carpenterly (fictional) (HOS S&amp;CP))" in section_texts(refusal["blocks"])
    assert not slack_bench.api.calls_to("chat.update")
    assert "No updates yet." in section_texts((await slack_bench.status("4.2.1"))["blocks"])


async def test_a_card_for_several_actions_keeps_the_others_buttons_after_one_click(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "hos-scp")
    refs = card["metadata"]["event_payload"]["refs"].split(",")
    assert len(refs) > 5
    # the card shows the most urgent first: the first two with buttons
    rows = [ref for b in card["blocks"] if (ref := ids.ref_of_block(b.get("block_id") or "", ids.NUDGE_BLOCK))]
    first, second = rows[0], rows[1]
    await slack_bench.click("U0HOSSCP", channel, card, "green", first)
    update = (await slack_bench.api.wait_for("chat.update"))[0].body
    block_ids = [b.get("block_id") for b in update["blocks"]]
    assert f"{ids.NUDGE_BLOCK}:{first}" not in block_ids
    assert f"{ids.NUDGE_BLOCK}:{second}" in block_ids
    assert update["metadata"]["event_payload"]["refs"].split(",") == refs


async def test_buttons_on_an_ephemeral_status_answer_replace_it_through_response_url(slack_bench):
    from tests.fakes import slack_payloads as slack

    answer = await slack_bench.status("4.2.1", "U0HOSSCP")
    message = {"ts": "1476520099.000001", "type": "message", "blocks": answer["blocks"], "text": answer["text"]}
    click = slack.block_actions(
        "U0HOSSCP",
        message,
        "C0PLAN",
        slack.button(message, "amber", "4.2.1"),
        slack_bench.api.response_url("ephemeral-card"),
        ephemeral=True,
    )
    assert (await slack_bench.post(click, slack.FORM))[0] == 200
    opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]
    assert json.loads(opened["private_metadata"])["surface"] == "ephemeral"
    code, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "trainer booked for November")
    assert code == 200 and ack is None
    replaced = (await slack_bench.api.response_to("ephemeral-card")).body
    assert replaced["replace_original"] is True
    assert "• *4.2.1*: 🟠 Amber — trainer booked for November" in section_texts(replaced["blocks"])
    assert not slack_bench.api.calls_to("chat.update")


async def test_a_linked_person_costs_no_users_info_call(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")
    await slack_bench.status("4.2.1", "U0HOSSCP")
    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 green")
    assert len(slack_bench.api.calls_to("users.info")) == 1


async def test_red_opens_the_modal_with_red_chosen(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    await slack_bench.click("U0HOSSCP", channel, card, "red", "4.2.1")
    opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]
    rag_block = next(b for b in opened["blocks"] if b.get("block_id") == ids.RAG_BLOCK)
    assert rag_block["element"]["initial_option"]["value"] == "red"
    code, ack = await slack_bench.submit("U0HOSSCP", opened, "red", "no trainer available")
    assert code == 200 and ack is None
    update = (await slack_bench.api.wait_for("chat.update"))[0].body
    assert "✅ Recorded: Red: no trainer available" in section_texts(update["blocks"])


async def test_an_sit_admin_signs_a_completion_off_with_the_detail_cards_button(slack_bench):
    from tests.fakes import slack_payloads as slack

    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 completed - evidence: audit report Oct 16")
    lead_view = await slack_bench.status("4.2.1", "U0HOSSCP")
    assert "Completed (awaiting sign-off) · evidence: audit report Oct 16" in json.dumps(lead_view, ensure_ascii=False)
    assert ids.SIGNOFF_BLOCK not in json.dumps(lead_view)  # only the SIT sees Sign off
    answer = await slack_bench.status("4.2.1", "U0SIT")
    assert "/actionbot reopen 4.2.1 - reason" in json.dumps(answer, ensure_ascii=False)
    message = {"ts": "1476520099.000002", "type": "message", "blocks": answer["blocks"], "text": answer["text"]}
    click = slack.block_actions(
        "U0SIT",
        message,
        "C0PLAN",
        slack.button(message, ids.SIGNOFF, "4.2.1"),
        slack_bench.api.response_url("signoff-card"),
        ephemeral=True,
    )
    assert (await slack_bench.post(click, slack.FORM))[0] == 200
    done = (await slack_bench.api.wait_for("chat.postEphemeral"))[-1].body  # a note only the clicker sees
    assert "Signed off: 4.2.1 is verified as completed (evidence: audit report Oct 16)" in json.dumps(
        done, ensure_ascii=False
    )
    after = await slack_bench.status("4.2.1", "U0SIT")
    assert "awaiting sign-off" not in json.dumps(after) and ids.SIGNOFF_BLOCK not in json.dumps(after)


async def test_a_forged_sign_off_click_by_a_lead_is_refused(slack_bench):
    from tests.fakes import slack_payloads as slack

    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 completed - evidence: audit report Oct 16")
    answer = await slack_bench.status("4.2.1", "U0SIT")
    message = {"ts": "1476520099.000003", "type": "message", "blocks": answer["blocks"], "text": answer["text"]}
    click = slack.block_actions(
        "U0HOSSCP",
        message,
        "C0PLAN",
        slack.button(message, ids.SIGNOFF, "4.2.1"),
        slack_bench.api.response_url("forged"),
        ephemeral=True,
    )
    assert (await slack_bench.post(click, slack.FORM))[0] == 200
    refused = (await slack_bench.api.wait_for("chat.postEphemeral"))[-1].body
    assert "Only an SIT admin can sign off" in json.dumps(refused)
    assert "awaiting sign-off" in json.dumps(await slack_bench.status("4.2.1", "U0SIT"))


async def test_no_change_on_the_rest_confirms_the_round_from_the_nudge_card(slack_bench, slack_clock):
    """HOS S&CP rated 4.2.1 in September; the October card's No change on the rest button
    re-confirms it (an audit event, not an update) and answers only her."""
    from bot.plan_state import CONFIRMED
    from storage import repo
    from storage.db import session_scope
    from tests.conftest import uk
    from tests.fakes import slack_payloads as slack

    slack_clock.set(uk(2016, 9, 20, 10, 0))
    await slack_bench.dm_reply("U0HOSSCP", "4.2.1 green - on track")
    slack_clock.set(uk(2016, 10, 15, 10, 0))
    channel, card = await slack_bench.nudge("4.2.1")
    block = next(b for b in card["blocks"] if b.get("block_id") == ids.NO_CHANGE_BLOCK)
    element = block["elements"][0]
    assert element["text"]["text"] == "No change on the rest"
    action = {"type": "button", "action_id": element["action_id"], "block_id": block["block_id"]}
    action |= {"text": element["text"], "value": element["value"]}
    before = len(slack_bench.api.calls_to("chat.postEphemeral"))
    click = slack.block_actions("U0HOSSCP", card, channel, action, slack_bench.api.response_url("nochange"))
    assert (await slack_bench.post(click, slack.FORM))[0] == 200
    answer = (await slack_bench.api.wait_for("chat.postEphemeral", before + 1))[-1].body
    assert "Confirmed, unchanged for October 2016 (1): Green: 4.2.1" in json.dumps(answer, ensure_ascii=False)
    with session_scope(slack_bench.rt.engine) as s:
        [event] = repo.audit_events(s, [CONFIRMED])
        assert (event.subject, event.actor, event.details["channel"]) == ("4.2.1", "hos-scp", "slack")


async def test_no_change_typed_in_a_dm_and_a_bad_list(slack_bench):
    reply = await slack_bench.dm_reply("U0HOSSCP", "no change except 4.2.1, soon")
    assert "Nothing was confirmed: `soon` is not action ids." in json.dumps(reply.body, ensure_ascii=False)
    reply = await slack_bench.dm_reply("U0HOSSCP", "no change")
    assert "never rated" in json.dumps(reply.body, ensure_ascii=False)
