"""Socket Mode (SLACK_APP_TOKEN): the bot connects out to Slack's websocket, acks envelopes
and answers through the same listeners; no inbound URL is needed."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from aiohttp.test_utils import TestClient, TestServer

from actionbot.app import create_app
from handlers import outbound_channels
from tests.fakes import slack_payloads as slack
from tests.slack.conftest import section_texts, settle, slack_runtime, slack_settings


async def test_socket_mode_answers_status_and_handles_a_retried_event_once(reference_engine, slack_api, slack_clock):
    settings = slack_settings(slack_api, slack_signing_secret=None, slack_app_token=slack_api.app_token)
    rt = slack_runtime(settings, reference_engine, slack_clock)
    rt.channels = outbound_channels(rt)
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    try:
        await slack_api.wait_for("socket.connect")
        (opened,) = slack_api.calls_to("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {slack_api.app_token}"

        command = dict(parse_qsl(slack.slash_command("priority 4", "U0HOSSCP", slack_api.response_url("sm"))))
        await slack_api.socket_send(
            {"envelope_id": "env-1", "type": "slash_commands", "payload": command, "accepts_response_payload": True}
        )
        answer = await slack_api.response_to("sm")
        assert "*Priority 4: Safeguarding" in section_texts(answer.body["blocks"])
        acks = [c.body for c in slack_api.calls_to("socket.ack")]
        assert {"envelope_id": "env-1"} in [{k: v for k, v in a.items() if k == "envelope_id"} for a in acks]

        event = json.loads(slack.event_callback(slack.dm_event("U0HOSSCP", "4.2.1 green"), "Ev0SOCKET"))
        for attempt in (0, 1):
            await slack_api.socket_send(
                {
                    "envelope_id": f"env-ev-{attempt}",
                    "type": "events_api",
                    "payload": event,
                    "retry_attempt": attempt,
                    "retry_reason": "timeout" if attempt else "",
                    "accepts_response_payload": False,
                }
            )
        await slack_api.wait_until(
            lambda: {c.body.get("envelope_id") for c in slack_api.calls_to("socket.ack")} >= {"env-ev-0", "env-ev-1"},
            "both event envelopes acked",
        )
        (reply,) = await slack_api.wait_for("chat.postMessage")
        await settle()
        assert "• *4.2.1*: 🟢 Green" in section_texts(reply.body["blocks"])

        async with http.post("/slack/events", data=b"{}") as response:  # no signing secret: no HTTP route
            assert response.status in (404, 405)
    finally:
        await http.close()
    assert len(slack_api.calls_to("chat.postMessage")) == 1


async def test_a_wrong_app_token_does_not_keep_the_server_from_starting(reference_engine, slack_api, slack_clock):
    settings = slack_settings(slack_api, slack_signing_secret=None, slack_app_token="xapp-1-wrong")
    rt = slack_runtime(settings, reference_engine, slack_clock)
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    try:
        async with http.get("/healthz") as response:
            assert response.status == 200
        (opened,) = await slack_api.wait_for("apps.connections.open")
        assert opened.answer == {"ok": False, "error": "invalid_auth"}
        assert not slack_api.calls_to("socket.connect")
    finally:
        await http.close()
