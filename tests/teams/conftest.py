"""Teams fixtures: the real aiohttp app on port 0, a fake Bot Connector, Activity builders,
and the Adaptive Card 1.5 schema validator every card the bot produces is checked against."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import adaptive_cards
import aiohttp
import jsonschema
import pytest
from aiohttp import web
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from actionbot.app import create_app
from bot.config import Settings
from bot.identity import link_identity
from bot.runtime import Runtime, build_runtime
from domain.clock import FixedClock
from handlers.slack.settings import SlackSettings
from handlers.teams import teams_outbound
from handlers.teams.sdk import sdk_bot
from handlers.teams.settings import TeamsSettings
from handlers.teams.turns import TeamsBot
from storage.db import session_scope
from tests.conftest import uk
from tests.fakes.bot_connector import FakeBotConnector

SCHEMA_PATH = Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json"
CARD = "application/vnd.microsoft.card.adaptive"
BOT = {"id": "28:actionbot", "name": "actionbot"}
TENANT = "tenant-0001"

# Fictional Teams users, some known to the reference people directory by email.
DANA = {"id": "29:dana", "name": "Dana Carver", "aadObjectId": "aad-dana", "email": "dcs@example.invalid"}
HANNAH = {"id": "29:hannah", "name": "Hannah S&CP", "aadObjectId": "aad-hannah", "email": "hos-scp@example.invalid"}
SAM = {"id": "29:sam", "name": "Sam SIT", "aadObjectId": "aad-sam", "email": "sit-manager@example.invalid"}
STRANGER = {
    "id": "29:stranger",
    "name": "Alex Visitor",
    "aadObjectId": "aad-stranger",
    "email": "alex@elsewhere.invalid",
}


@pytest.fixture(scope="session")
def card_validator() -> jsonschema.Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema)


@pytest.fixture
def assert_valid_card(card_validator):
    """Fail with every schema error of a card (the message names the failing path)."""

    def check(card: dict[str, Any]) -> dict[str, Any]:
        errors = sorted(card_validator.iter_errors(card), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:5])
        assert card["version"] == "1.5"
        return card

    return check


@pytest.fixture
def teams_clock() -> FixedClock:
    return FixedClock(uk(2016, 10, 15, 10, 0))


def teams_settings(**overrides: Any) -> TeamsSettings:
    values = {
        "microsoft_app_id": None,
        "microsoft_app_password": None,
        "microsoft_app_tenant_id": None,
        **overrides,
    }
    return TeamsSettings(_env_file=None, **values)


def teams_runtime(teams: TeamsSettings, engine, clock) -> Runtime:
    """A runtime whose Teams is `teams` and which has no Slack."""
    return build_runtime(
        Settings(_env_file=None, database_url="sqlite://"),
        engine=engine,
        clock=clock,
        channel_settings={"teams": teams, "slack": SlackSettings(_env_file=None, slack_bot_token=None)},
    )


@dataclass
class TeamsWorld:
    """The bot's real aiohttp app served on 127.0.0.1:0, a fake connector, and what they recorded."""

    rt: Runtime
    connector: FakeBotConnector
    base_url: str = ""
    sleeps: list[float] = field(default_factory=list)
    rt_app: web.Application | None = None
    _runner: web.AppRunner | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    async def serve(self, app: web.Application) -> None:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    def session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    def activity(self, user: dict[str, Any], text: str = "", **extra: Any) -> dict[str, Any]:
        """A Bot Framework Activity as Teams posts it from a personal chat."""
        sender = {k: v for k, v in user.items() if k != "email"}
        body: dict[str, Any] = {
            "type": "message",
            "id": f"incoming-{next(self._ids)}",
            "timestamp": "2016-10-15T09:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": sender,
            "conversation": {"id": f"a:personal-{user['id']}", "conversationType": "personal", "tenantId": TENANT},
            "recipient": BOT,
            "channelData": {"tenant": {"id": TENANT}},
            "locale": "en-GB",
        }
        if text:
            body["text"] = text
        body.update(extra)
        return body

    def channel_activity(self, user: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
        """An @mention in a team channel."""
        body = self.activity(user, f"<at>actionbot</at> {text}", **extra)
        body["conversation"] = {
            "id": "19:sit-room@thread.tacv2;messageid=1",
            "conversationType": "channel",
            "tenantId": TENANT,
            "isGroup": True,
        }
        body["channelData"] = {
            "tenant": {"id": TENANT},
            "team": {"id": "19:team@thread.tacv2", "name": "Children's Services"},
            "channel": {"id": "19:sit-room@thread.tacv2", "name": "SIT"},
        }
        body["entities"] = [{"type": "mention", "mentioned": BOT, "text": "<at>actionbot</at>"}]
        return body

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        async with aiohttp.ClientSession() as session:
            response = await session.post(f"{self.base_url}/api/messages", json=activity, headers=headers or {})
            await response.read()
            return response

    async def post_json(self, activity: dict[str, Any]) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.base_url}/api/messages", json=activity) as response,
        ):
            text = await response.text()
            return response.status, (json.loads(text) if text else None)

    def cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        return self.connector.sent_cards(conversation_id)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.connector.stop()


async def start_world(
    engine, clock, *, settings: TeamsSettings | None = None, app: web.Application | None = None, mount: bool = True
) -> TeamsWorld:
    """The runtime and fake connector; with `mount`, the app (default `create_app`) is served too."""
    connector = await FakeBotConnector().start()
    for user in (DANA, HANNAH, SAM, STRANGER):
        connector.members[user["id"]] = {
            "name": user["name"],
            "aadObjectId": user["aadObjectId"],
            "email": user["email"],
            "userPrincipalName": user["email"],
        }
    rt = teams_runtime(settings or teams_settings(), engine, clock)
    world = TeamsWorld(rt, connector)

    async def no_wait(seconds: float) -> None:
        world.sleeps.append(seconds)

    rt.channels = {"teams": teams_outbound(rt, sleep=no_wait, jitter=lambda: 0.5)}
    world.rt_app = app if app is not None else create_app(rt)
    if mount:
        await world.serve(world.rt_app)
    return world


@pytest.fixture
async def world(reference_engine, teams_clock):
    w = await start_world(reference_engine, teams_clock)
    yield w
    await w.stop()


def card_texts(card: dict[str, Any]) -> str:
    """Every piece of text a person would read on a card, in order (for assertions)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("TextBlock", "TextRun") and "text" in node:
                out.append(node["text"])
            if node.get("type") == "FactSet":
                out.extend(f"{f['title']}: {f['value']}" for f in node.get("facts", []))
            if node.get("type", "").startswith("Action.") and "title" in node:
                out.append(f"[{node['title']}]")
            if node.get("type", "").startswith("Input.") and node.get("label"):
                out.append(f"<{node['label']}>")
            for key, value in node.items():
                if key not in ("fallback", "fallbackText"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    return "\n".join(out)


def card_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("Action.Execute", "Action.Submit") and "data" in node:
                found.append(node)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    return found


@pytest.fixture
def rt(reference_engine, teams_clock) -> Runtime:
    """The reference plan with Hannah (HOS S&CP) linked to her Teams id already: the TestAdapter
    has no connector to ask who she is."""
    runtime = teams_runtime(teams_settings(), reference_engine, teams_clock)
    with session_scope(runtime.engine) as s:
        link_identity(s, "teams", HANNAH["id"], "hos-scp")
    return runtime


@pytest.fixture
def adapter(rt) -> TestAdapter:
    """botbuilder's TestAdapter in Hannah's personal chat, driving the real TeamsBot turn by turn."""
    template = Activity(
        channel_id="msteams",
        service_url="https://smba.example.invalid/uk/",
        from_property=ChannelAccount(id=HANNAH["id"], name=HANNAH["name"], aad_object_id=HANNAH["aadObjectId"]),
        recipient=ChannelAccount(id="28:actionbot", name="actionbot"),
        conversation=ConversationAccount(id="a:personal-hannah", conversation_type="personal", tenant_id="t1"),
    )
    return TestAdapter(sdk_bot(TeamsBot(rt).on_turn).on_turn, template)
