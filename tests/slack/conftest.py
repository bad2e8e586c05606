"""The Slack test bench: the real aiohttp app (`create_app`) on port 0 with the reference plan,
a fixed clock (15 Oct 2016, 10:00 UK), and a fake Slack Web API on port 0. Requests are signed
with the signing secret and POSTed to /slack/events as Slack would; what the bot sends back is
read from the fake's records."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from actionbot.app import create_app
from actionbot.nudge_now import nudge_now
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from domain.clock import FixedClock
from handlers import outbound_channels
from handlers.slack.settings import SlackSettings
from handlers.teams.settings import TeamsSettings
from tests.conftest import uk
from tests.fakes import slack_payloads as slack
from tests.fakes.slack_api import Call, FakeSlackApi

SECRET = "e2c1f9a0b7d64c35a8f1d2e3c4b5a697"
TOKEN = "xoxb-0000-test-token"

# Slack users of the fake workspace → the reference people directory (by email).
USERS = {
    "U0HOSSCP": ("hos-scp@example.invalid", "Sadie Carpenterly"),  # HOS S&CP: leads 4.2.1
    "U0DCS": ("dcs@example.invalid", "Dana Carver"),  # DCS
    "U0HOSQI": ("hos-qi@example.invalid", "Quentin Ivesworth"),  # HOS QI: leads much of priority 5
    "U0SIT": ("sit-manager@example.invalid", "Simone Impeyfield"),  # SIT admin
    "U0STRANGER": ("someone@elsewhere.invalid", "Not In Directory"),
}


@pytest.fixture
def slack_clock() -> FixedClock:
    return FixedClock(uk(2016, 10, 15, 10, 0))


@pytest.fixture
async def slack_api():
    fake = FakeSlackApi(TOKEN)
    await fake.start()
    for user_id, (email, name) in USERS.items():
        fake.add_user(user_id, email, name)
    yield fake
    await fake.close()


def slack_settings(api: FakeSlackApi, **extra: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": api.api_url,
        "slack_app_token": None,
        "slack_sit_channel": "C0SIT",
    }
    values.update(extra)
    return SlackSettings(_env_file=None, **values)


def slack_runtime(slack: SlackSettings, engine, clock) -> Runtime:
    """A runtime whose Slack is `slack` and whose Teams is unregistered (local development mode)."""
    return build_runtime(
        Settings(_env_file=None),
        engine=engine,
        clock=clock,
        channel_settings={"slack": slack, "teams": TeamsSettings(_env_file=None, microsoft_app_id=None)},
    )


async def settle(timeout: float = 20.0) -> None:
    """Wait until every Slack listener Bolt started after its ack has finished, so a test can
    assert that something did NOT happen (e.g. a retried event handled twice)."""
    pending = [
        t
        for t in asyncio.all_tasks()
        if "run_ack_function_asynchronously" in getattr(t.get_coro(), "__qualname__", "") and not t.done()
    ]
    if pending:
        await asyncio.wait(pending, timeout=timeout)


@dataclass
class SlackBench:
    """Drives the bot as Slack would and reads what it sent back."""

    http: TestClient
    api: FakeSlackApi
    rt: Runtime
    _n: int = 0

    def _name(self) -> str:
        self._n += 1
        return f"r{self._n}"

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        retry: int | None = None,
    ) -> tuple[int, str]:
        headers = slack.signed(secret, body, content_type, timestamp=timestamp, retry=retry)
        async with self.http.post("/slack/events", data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def settle(self, timeout: float = 20.0) -> None:
        await settle(timeout)

    async def status(self, text: str, user: str = "U0HOSSCP", *, raw: bool = False) -> dict[str, Any]:
        """`/status text`; returns what the bot posted to the command's response_url."""
        name = self._name()
        code, _ = await self.post(slack.slash_command(text, user, self.api.response_url(name), raw=raw), slack.FORM)
        assert code == 200
        return (await self.api.response_to(name)).body

    async def dm(
        self,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        raw: bool = False,
        event_id: str | None = None,
        retry: int | None = None,
    ) -> tuple[int, str]:
        event = slack.dm_event(user, text, thread_ts=thread_ts, raw=raw)
        return await self.post(slack.event_callback(event, event_id), slack.JSON, retry=retry)

    async def dm_reply(self, user: str, text: str, **kwargs: Any) -> Call:
        """Send a DM and wait for the bot's chat.postMessage answering it."""
        before = len(self.api.calls_to("chat.postMessage"))
        code, _ = await self.dm(user, text, **kwargs)
        assert code == 200
        return (await self.api.wait_for("chat.postMessage", before + 1))[before]

    async def nudge(self, target: str) -> tuple[str, dict[str, Any]]:
        """`actionbot nudge target` through the real send path; the DM channel and the card."""
        out = io.StringIO()
        before = len(self.api.calls)
        code = await nudge_now(self.rt, target, out)
        assert code == 0, out.getvalue()
        posted = next(
            c
            for c in reversed(self.api.calls[before:])
            if c.method == "chat.postMessage" and (c.body.get("metadata") or {}).get("event_type") == "actionbot_nudge"
        )
        channel, ts = posted.answer["channel"], posted.answer["ts"]
        return channel, self.api.messages[(channel, ts)]

    async def click(self, user: str, channel: str, message: dict, verb: str, ref: str) -> tuple[int, str]:
        body = slack.block_actions(
            user, message, channel, slack.button(message, verb, ref), self.api.response_url(self._name())
        )
        return await self.post(body, slack.FORM)

    async def submit(
        self, user: str, opened_view: dict, rag: str | None, note: str | None, date: str | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        code, text = await self.post(slack.view_submission(user, opened_view, rag, note, date), slack.FORM)
        return code, (json.loads(text) if text.strip() else None)


async def _serve_bench(engine, slack_api: FakeSlackApi, clock: FixedClock):
    rt = slack_runtime(slack_settings(slack_api), engine, clock)
    rt.channels = outbound_channels(rt)
    server = TestServer(create_app(rt))
    http = TestClient(server)
    await http.start_server()
    yield SlackBench(http, slack_api, rt)
    await http.close()  # the app's cleanup closes the core's quick lane on this loop


@pytest.fixture
async def slack_bench(reference_engine, slack_api, slack_clock):
    async for bench in _serve_bench(reference_engine, slack_api, slack_clock):
        yield bench


@pytest.fixture
async def slack_bench_any(reference_any_engine, slack_api, slack_clock):
    """`slack_bench` on SQLite and on PostgreSQL."""
    async for bench in _serve_bench(reference_any_engine, slack_api, slack_clock):
        yield bench


def section_texts(blocks: list[dict]) -> str:
    """All the words in a list of blocks, for asserting on what a person would read."""
    out = []
    for b in blocks:
        if b.get("text"):
            out.append(b["text"]["text"])
        for f in b.get("fields") or []:
            out.append(f["text"])
        for e in b.get("elements") or []:
            if e.get("type") in ("mrkdwn", "plain_text"):
                out.append(e["text"])
            elif e.get("type") == "button":
                out.append(e["text"]["text"])
    return "\n".join(out)
