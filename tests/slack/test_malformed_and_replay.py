"""Integrity at the Slack door (issue #9): correctly signed but malformed requests get a 4xx
(or, for the modal, a clean error in the modal), never a 500; replayed interactions that change
state are no-ops; and no route ever answers with a traceback."""

from __future__ import annotations

import copy
import json
from urllib.parse import urlencode

from sqlmodel import func, select

from cards import blockkit_ids as ids
from storage.db import session_scope
from storage.models import ActionUpdate, AuditEvent, SeenEvent
from tests.fakes import slack_payloads as slack
from tests.slack.conftest import section_texts
from tests.slack.test_buttons_and_modal import linked_nudge


def _counts(engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        updates = s.exec(select(func.count()).select_from(ActionUpdate)).one()
        events = s.exec(select(func.count()).select_from(AuditEvent)).one()
    return updates, events


# ---------------------------------------------------------------- malformed, but signed


async def test_malformed_json_in_the_interactivity_payload_is_400(slack_bench):
    body = urlencode({"payload": '{"type": "block_actions", "user": '})
    code, text = await slack_bench.post(body, slack.FORM)
    assert code == 400, text
    assert "Traceback" not in text and "payload" in text
    await slack_bench.settle()
    assert slack_bench.api.calls == []


async def test_an_interactivity_payload_that_is_not_an_object_is_400(slack_bench):
    for payload in ("[1, 2, 3]", '"just a string"', "null"):
        code, text = await slack_bench.post(urlencode({"payload": payload}), slack.FORM)
        assert code == 400, (payload, code, text)
    await slack_bench.settle()
    assert slack_bench.api.calls == []


async def test_malformed_json_in_an_events_api_body_is_400(slack_bench):
    code, text = await slack_bench.post('{"type": "event_callback", "event": {', slack.JSON)
    assert code == 400, text
    assert "Traceback" not in text
    code, text = await slack_bench.post("[]", slack.JSON)
    assert code == 400, text
    await slack_bench.settle()
    assert slack_bench.api.calls == []


async def test_a_malformed_body_with_a_bad_signature_is_still_401(slack_bench):
    code, _ = await slack_bench.post('{"type": ', slack.JSON, secret="not-the-signing-secret")
    assert code == 401
    code, _ = await slack_bench.post(urlencode({"payload": "{"}), slack.FORM, secret="not-the-signing-secret")
    assert code == 401
    for headers in ({}, {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}):
        async with slack_bench.http.post(
            "/slack/events", data=b'{"type": ', headers={"Content-Type": slack.JSON, **headers}
        ) as response:
            assert response.status == 401, headers
    async with slack_bench.http.post(
        "/slack/events", data=b"\xff\xfe{", headers={"Content-Type": slack.JSON}
    ) as response:
        assert response.status in (400, 401)
    event = slack.event_callback(slack.dm_event("U0HOSSCP", "4.2.1 green")).encode()
    for headers in ({}, {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}):
        async with slack_bench.http.post(
            "/slack/events", data=event, headers={"Content-Type": slack.JSON, **headers}
        ) as response:
            assert response.status == 401, headers  # a readable body: Bolt's own check
    await slack_bench.settle()
    assert slack_bench.api.calls == []


async def _opened_modal(bench) -> dict:
    channel, card = await linked_nudge(bench, "U0HOSSCP", "4.2.1")
    await bench.click("U0HOSSCP", channel, card, "amber", "4.2.1")
    return (await bench.api.wait_for("views.open"))[0].body["view"]


async def test_a_view_submission_whose_private_metadata_is_not_json_gets_a_clean_error(slack_bench):
    opened = await _opened_modal(slack_bench)
    before = _counts(slack_bench.rt.engine)
    for metadata in ("not json {", "[1, 2]", '{"ref": 5}', '{"ref": "4.2.1", "refs": "4.2.1"}', '{"surface": 3}'):
        forged = {**opened, "private_metadata": metadata}
        code, ack = await slack_bench.submit("U0HOSSCP", forged, "amber", "waiting on HR")
        assert code == 200, (metadata, code, ack)
        assert ack["response_action"] == "errors", metadata
        assert "close this form" in ack["errors"][ids.RAG_BLOCK]
    await slack_bench.settle()
    assert _counts(slack_bench.rt.engine) == before
    assert not slack_bench.api.calls_to("chat.update")


# ---------------------------------------------------------------- replays


async def test_a_replayed_button_click_is_a_no_op(slack_bench):
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    card = copy.deepcopy(card)  # the card as first posted (the fake updates its copy in place)
    before = _counts(slack_bench.rt.engine)
    click = slack.block_actions(
        "U0HOSSCP", card, channel, slack.button(card, "green", "4.2.1"), slack_bench.api.response_url("c1")
    )
    assert (await slack_bench.post(click, slack.FORM))[0] == 200
    await slack_bench.api.wait_for("chat.update")
    code, text = await slack_bench.post(click, slack.FORM)  # the same signed request, again
    assert code == 200 and text == ""
    await slack_bench.settle()
    # one update (the audit trail of RAG updates), and no other audit event
    assert _counts(slack_bench.rt.engine) == (before[0] + 1, before[1])
    assert len(slack_bench.api.calls_to("chat.update")) == 1

    # another click (a new invocation: its own trigger_id) on the same card still works
    code, _ = await slack_bench.click("U0HOSSCP", channel, card, "green", "4.2.1")
    assert code == 200
    await slack_bench.api.wait_for("chat.update", 2)
    assert _counts(slack_bench.rt.engine) == (before[0] + 2, before[1])


async def test_a_replayed_modal_submission_records_one_update(slack_bench):
    opened = await _opened_modal(slack_bench)
    before = _counts(slack_bench.rt.engine)
    submission = slack.view_submission("U0HOSSCP", opened, "amber", "waiting on HR sign-off")
    code, text = await slack_bench.post(submission, slack.FORM)
    assert code == 200 and text == ""
    await slack_bench.api.wait_for("chat.update")
    code, text = await slack_bench.post(submission, slack.FORM)  # replayed within the 5 minutes
    assert code == 200 and text == ""
    await slack_bench.settle()
    assert _counts(slack_bench.rt.engine) == (before[0] + 1, before[1])
    assert len(slack_bench.api.calls_to("chat.update")) == 1
    with session_scope(slack_bench.rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert (update.rag, update.note) == ("amber", "waiting on HR sign-off")

    # a new submission of the same modal (Slack gives it a new trigger_id) is handled
    code, _ = await slack_bench.submit("U0HOSSCP", opened, "green", "signed off")
    assert code == 200
    await slack_bench.api.wait_for("chat.update", 2)
    assert _counts(slack_bench.rt.engine) == (before[0] + 2, before[1])


async def test_a_replayed_slash_command_is_answered_once(slack_bench):
    body = slack.slash_command("approve 4.2.1", "U0SIT", slack_bench.api.response_url("approve"))
    assert (await slack_bench.post(body, slack.FORM))[0] == 200
    await slack_bench.api.response_to("approve")
    assert (await slack_bench.post(body, slack.FORM))[0] == 200
    await slack_bench.settle()
    assert len([c for c in slack_bench.api.calls if c.path == "/response/approve"]) == 1
    with session_scope(slack_bench.rt.engine) as s:
        keys = [e.event_key for e in s.exec(select(SeenEvent)).all()]
    assert any(k.startswith("slack:trigger:") for k in keys)


async def test_two_clicks_alike_but_for_their_trigger_id_are_both_handled(slack_bench):
    """Replays are recognised by trigger_id only: two different clicks are two invocations even
    when everything else in them is the same."""
    channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
    for _ in range(2):
        code, _ = await slack_bench.click("U0HOSSCP", channel, card, "green", "4.2.1")
        assert code == 200
    await slack_bench.api.wait_for("chat.update", 2)
    detail = section_texts((await slack_bench.status("4.2.1"))["blocks"])
    assert "🟢 Green" in detail
    assert _counts(slack_bench.rt.engine)[0] == 2


ODD_PAYLOADS = [
    {"type": "block_actions"},
    {"type": "block_actions", "actions": "x", "user": "x", "trigger_id": 5},
    {"type": "block_actions", "actions": [{"action_id": "actionbot_btn:x", "value": 7}], "user": {"id": 3}},
    {"type": "view_submission"},
    {"type": "view_submission", "view": "x", "user": {"id": "U0HOSSCP"}},
    {"type": "view_submission", "view": {"callback_id": ids.UPDATE_MODAL, "state": "x"}, "user": {"id": "U0HOSSCP"}},
    {
        "type": "view_submission",
        "view": {"type": "modal", "callback_id": ids.UPDATE_MODAL, "private_metadata": 5, "state": "x"},
        "user": {"id": "U0HOSSCP"},
        "trigger_id": "odd.1",
    },
    {"type": 5},
    {"type": "shortcut", "callback_id": ["x"]},
]


async def test_odd_but_readable_interactivity_payloads_never_get_a_500(slack_bench):
    for payload in ODD_PAYLOADS:
        code, text = await slack_bench.post(urlencode({"payload": json.dumps(payload)}), slack.FORM)
        assert code < 500, (payload, code, text)
    for body in ({"type": "event_callback", "event": "x"}, {"type": "event_callback", "event": {"type": 5}}):
        code, text = await slack_bench.post(json.dumps(body), slack.JSON)
        assert code < 500, (body, code, text)
    code, text = await slack_bench.post(urlencode({"command": "/status", "text": ["x"]}), slack.FORM)
    assert code < 500, text
    await slack_bench.settle()
