"""End to end: the real `actionbot serve` process, a temporary SQLite database and a local fake
Slack Web API. Slack is played by this test: it signs requests with the signing secret and
POSTs them to /slack/events exactly as Slack would.

Done when (issue 3): a signed `/status priority 4` is answered within 3 s with Priority 4's RAG
summary; a signed click on a nudge's Amber button followed by the modal submission records an
update that `/status <id>` then shows; a bad signature gets 401.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.fakes import slack_payloads as slack
from tests.fakes.slack_api import FakeSlackApi

SECRET = "0b7e5c1d9a2f4e6b8c3d5f7a9e1b2c4d"
TOKEN = "xoxb-e2e-token"
ACTIONBOT = Path(sys.executable).with_name("actionbot")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def section_texts(blocks: list[dict]) -> str:
    """The words a person reads in a list of blocks (sections, fields and context lines)."""
    out = []
    for b in blocks:
        if b.get("text"):
            out.append(b["text"]["text"])
        out += [f["text"] for f in b.get("fields") or []]
        out += [e["text"] for e in b.get("elements") or [] if e.get("type") == "mrkdwn"]
    return "\n".join(out)


@pytest.fixture
async def fake_slack():
    fake = FakeSlackApi(TOKEN)
    await fake.start()
    fake.add_user("U0HOSSCP", "hos-scp@example.invalid", "Sadie Carpenterly")
    yield fake
    await fake.close()


@pytest.fixture
def bot_env(tmp_path, fake_slack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'actionbot.db'}",
            "ACTIONBOT_NOW": "2016-10-15",
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake_slack.api_url,
        }
    )
    return env


@pytest.fixture
async def served(tmp_path, bot_env):
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(ACTIONBOT),
        "serve",
        "--bootstrap",
        "--no-scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        cwd=tmp_path,
        env=bot_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + 60
        while True:
            if process.returncode is not None or time.monotonic() > deadline:
                output = (await process.stdout.read()).decode() if process.stdout else ""
                pytest.fail(f"actionbot serve did not come up on {url}:\n{output}")
            try:
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        health = await response.json()
                        break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)  # waiting for another process to start, not for time to pass
        assert "slack" in health["channels"]
        try:
            yield url, http
        finally:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def post_signed(http, url: str, body: str, content_type: str, secret: str = SECRET) -> tuple[int, str, float]:
    started = time.monotonic()
    headers = slack.signed(secret, body, content_type)
    async with http.post(f"{url}/slack/events", data=body.encode(), headers=headers) as response:
        return response.status, await response.text(), time.monotonic() - started


async def status(http, url: str, fake: FakeSlackApi, text: str, name: str) -> tuple[dict, float]:
    started = time.monotonic()
    code, _, _ = await post_signed(
        http, url, slack.slash_command(text, "U0HOSSCP", fake.response_url(name)), slack.FORM
    )
    assert code == 200
    answer = await fake.response_to(name, timeout=3)
    return answer.body, time.monotonic() - started


async def test_actionbot_serve_with_slack(served, fake_slack, bot_env, tmp_path):
    url, http = served

    # 1. /status priority 4, signed, answered within 3 s with Priority 4's RAG summary.
    answer, elapsed = await status(http, url, fake_slack, "priority 4", "p4")
    assert elapsed < 3
    text = section_texts(answer["blocks"])
    assert "*Priority 4: Safeguarding – better help and protection*" in text
    assert "Red *0*   🟠 Amber *0*   🟢 Green *0*   ⚪ Not yet rated *32*   🔵 Completed *1*" in text
    assert answer["response_type"] == "ephemeral"

    # 2. `actionbot nudge 4.2.1` sends the card; Amber opens the modal; the submission records.
    nudge = await asyncio.create_subprocess_exec(
        str(ACTIONBOT), "nudge", "4.2.1", cwd=tmp_path, env=bot_env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await nudge.communicate()
    assert nudge.returncode == 0, out.decode()
    assert "sent" in out.decode() and "via slack" in out.decode()
    post = next(c for c in fake_slack.calls_to("chat.postMessage") if c.body.get("metadata"))
    channel, ts = post.answer["channel"], post.answer["ts"]
    card = fake_slack.messages[(channel, ts)]

    click = slack.block_actions(
        "U0HOSSCP", card, channel, slack.button(card, "amber", "4.2.1"), fake_slack.response_url("click")
    )
    code, _, elapsed = await post_signed(http, url, click, slack.FORM)
    assert code == 200 and elapsed < 3
    opened = (await fake_slack.wait_for("views.open", timeout=3))[0].body["view"]
    assert json.loads(opened["private_metadata"])["ref"] == "4.2.1"

    submission = slack.view_submission("U0HOSSCP", opened, "amber", "waiting on HR sign-off", "end of Nov")
    code, body, elapsed = await post_signed(http, url, submission, slack.FORM)
    assert code == 200 and body.strip() == "" and elapsed < 3
    update = (await fake_slack.wait_for("chat.update", timeout=3))[0].body
    assert update["ts"] == ts and "✅ Recorded: Amber: waiting on HR sign-off" in section_texts(update["blocks"])

    detail, _ = await status(http, url, fake_slack, "4.2.1", "detail")
    text = section_texts(detail["blocks"])
    assert "🟠 Amber" in text and "waiting on HR sign-off" in text
    assert "Proposed new date awaiting SIT approval: 30 Nov 2016" in text

    # 3. A bad signature is refused.
    forged = slack.slash_command("priority 4", "U0HOSSCP", fake_slack.response_url("forged"))
    code, _, _ = await post_signed(http, url, forged, slack.FORM, secret="guessed-secret")
    assert code == 401
    assert not [c for c in fake_slack.calls if c.path == "/response/forged"]
