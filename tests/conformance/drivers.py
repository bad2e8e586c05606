"""One small driver per channel, so the conformance suite can say the same thing through each
channel's real entry point and read back the words the person would read.

- terminal: the chat loop (`handlers.terminal.chat.run_chat`) reading a line from a stream;
- slack: a signed Events API callback (a DM) POSTed to the real app at /slack/events, the
  answer read from the fake Slack Web API's `chat.postMessage`;
- teams: an Activity POSTed to the real /api/messages endpoint and adapter, the answer read
  from the fake Bot Connector.

Adding a channel (e.g. email) to the suite: write a class with the four members below —
`name` (the registry's channel name, also what `action_update.channel` records), `renderer`
(the `singledispatch` function of its `cards/` module that every view type must be registered
with), `start(engine, clock)` and `say(person_key, text) -> str` (send `text` as that person
through the channel's real inbound path, return the words of the bot's answer), `stop()` — and
add it to `DRIVERS`. Every test in `tests/conformance/` then runs on it too.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from actionbot.app import create_app
from cards import adaptive, blockkit, text
from domain.clock import Clock
from handlers.registry import outbound_all
from handlers.terminal.chat import run_chat
from storage import repo


class Driver(Protocol):
    name: str
    renderer: Callable[..., Any]

    async def start(self, engine: Engine, clock: Clock) -> None: ...

    async def say(self, person_key: str, words: str) -> str: ...

    async def stop(self) -> None: ...


def _email_of(engine: Engine, person_key: str) -> str:
    with Session(engine) as session:
        person = repo.person_by_key(session, person_key)
        assert person is not None and person.email, person_key
        return person.email


class TerminalDriver:
    name = "terminal"
    renderer = staticmethod(text.render)

    async def start(self, engine: Engine, clock: Clock) -> None:
        from bot.config import Settings
        from bot.runtime import build_runtime

        self.rt = build_runtime(Settings(_env_file=None), engine=engine, clock=clock)

    async def say(self, person_key: str, words: str) -> str:
        out = io.StringIO()
        assert await run_chat(self.rt, person_key, io.StringIO(f"{words}\nquit\n"), out) == 0
        lines = out.getvalue().splitlines()
        answer = [ln.removeprefix("you> ") for ln in lines[1:] if ln.removeprefix("you> ") != "bye"]
        return "\n".join(answer)

    async def stop(self) -> None:
        pass


class SlackDriver:
    name = "slack"
    renderer = staticmethod(blockkit.render)

    async def start(self, engine: Engine, clock: Clock) -> None:
        from tests.fakes.slack_api import FakeSlackApi
        from tests.slack.conftest import TOKEN, SlackBench, slack_runtime, slack_settings

        self.engine = engine
        self.api = FakeSlackApi(TOKEN)
        await self.api.start()
        rt = slack_runtime(slack_settings(self.api), engine, clock)
        rt.channels = outbound_all(rt)
        self.http = TestClient(TestServer(create_app(rt)))
        await self.http.start_server()
        self.bench = SlackBench(self.http, self.api, rt)
        self.users: dict[str, str] = {}

    def _user(self, person_key: str) -> str:
        """The person's account in the fake workspace, found by their directory email."""
        if person_key not in self.users:
            user_id = "U0" + person_key.upper().replace("-", "")
            self.api.add_user(user_id, _email_of(self.engine, person_key), person_key)
            self.users[person_key] = user_id
        return self.users[person_key]

    async def say(self, person_key: str, words: str) -> str:
        from tests.slack.conftest import section_texts

        call = await self.bench.dm_reply(self._user(person_key), words)
        return section_texts(call.body.get("blocks") or []) or str(call.body.get("text") or "")

    async def stop(self) -> None:
        await self.http.close()
        await self.api.close()


class TeamsDriver:
    name = "teams"
    renderer = staticmethod(adaptive.body)

    async def start(self, engine: Engine, clock: Clock) -> None:
        from tests.teams.conftest import start_world

        self.engine = engine
        self.world = await start_world(engine, clock)
        self.users: dict[str, dict[str, str]] = {}

    def _user(self, person_key: str) -> dict[str, str]:
        """The person's Teams account; the fake connector's member lookup gives their email."""
        if person_key not in self.users:
            email = _email_of(self.engine, person_key)
            user = {"id": f"29:{person_key}", "name": person_key, "aadObjectId": f"aad-{person_key}", "email": email}
            self.world.connector.members[user["id"]] = {
                "name": person_key,
                "aadObjectId": user["aadObjectId"],
                "email": email,
                "userPrincipalName": email,
            }
            self.users[person_key] = user
        return self.users[person_key]

    async def say(self, person_key: str, words: str) -> str:
        from tests.teams.conftest import card_texts

        before = len(self.world.cards())
        response = await self.world.post(self.world.activity(self._user(person_key), words))
        assert response.status in (200, 201, 202), response.status
        # the turn (and its reply to the connector) completes before /api/messages answers
        return "\n".join(card_texts(card) for card in self.world.cards()[before:])

    async def stop(self) -> None:
        await self.world.stop()


DRIVERS: dict[str, type[Driver]] = {
    "terminal": TerminalDriver,
    "slack": SlackDriver,
    "teams": TeamsDriver,
}
