"""Only Slack gets in: forged or stale signatures are refused with 401 and do nothing."""

from __future__ import annotations

import time

from aiohttp.test_utils import TestClient, TestServer

from actionbot.app import create_app
from handlers import outbound_channels
from tests.fakes import slack_payloads as slack
from tests.slack.conftest import slack_runtime, slack_settings


async def test_a_bad_signature_gets_401_and_nothing_happens(slack_bench):
    body = slack.slash_command("priority 4", "U0HOSSCP", slack_bench.api.response_url("forged"))
    code, _ = await slack_bench.post(body, slack.FORM, secret="not-the-signing-secret")
    assert code == 401
    event = slack.event_callback(slack.dm_event("U0HOSSCP", "4.2.1 green"))
    code, _ = await slack_bench.post(event, slack.JSON, secret="not-the-signing-secret")
    assert code == 401
    await slack_bench.settle()
    assert slack_bench.api.calls == []


async def test_a_stale_timestamp_gets_401_even_when_signed_with_the_secret(slack_bench):
    body = slack.slash_command("priority 4", "U0HOSSCP", slack_bench.api.response_url("stale"))
    code, _ = await slack_bench.post(body, slack.FORM, timestamp=int(time.time()) - 6 * 60)
    assert code == 401
    code, _ = await slack_bench.post(body, slack.FORM)  # the same request, fresh: accepted
    assert code == 200
    assert (await slack_bench.api.response_to("stale")).body["response_type"] == "ephemeral"


async def test_a_tampered_body_gets_401(slack_bench):
    body = slack.slash_command("priority 4", "U0HOSSCP", slack_bench.api.response_url("t"))
    headers = slack.signed("e2c1f9a0b7d64c35a8f1d2e3c4b5a697", body, slack.FORM)
    tampered = body.replace("U0HOSSCP", "U0SIT")
    async with slack_bench.http.post("/slack/events", data=tampered.encode(), headers=headers) as response:
        assert response.status == 401


async def test_url_verification_challenge_is_answered(slack_bench):
    import json

    body = json.dumps(
        {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    )
    code, text = await slack_bench.post(body, slack.JSON)
    assert code == 200 and json.loads(text)["challenge"].startswith("3eZbrw1a")


async def test_without_slack_settings_there_is_no_slack_endpoint_and_no_client(
    reference_engine, slack_api, slack_clock
):
    settings = slack_settings(slack_api, slack_bot_token=None, slack_signing_secret=None)
    rt = slack_runtime(settings, reference_engine, slack_clock)
    rt.channels = outbound_channels(rt)
    assert "slack" not in rt.channels
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    try:
        body = slack.slash_command("priority 4", "U0HOSSCP", slack_api.response_url("off"))
        headers = slack.signed("anything", body, slack.FORM)
        async with http.post("/slack/events", data=body.encode(), headers=headers) as response:
            assert response.status in (404, 405)
        async with http.get("/healthz") as response:
            assert "slack" not in (await response.json())["channels"]
    finally:
        await http.close()
    assert slack_api.calls == []
