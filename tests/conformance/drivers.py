"""One small driver per channel, so the conformance suite can say the same thing through each
channel's real entry point and read back the words the person would read.

- terminal: the chat loop (`handlers.terminal.chat.run_chat`) reading a line from a stream;
- slack: a signed Events API callback (a DM) POSTed to the real app at /slack/events, the
  answer read from the fake Slack Web API's `chat.postMessage`;
- teams: an Activity POSTed to the real /api/messages endpoint and adapter, the answer read
  from the fake Bot Connector;
- email: a nudge sent to the person through the real email channel to a local SMTP server
  (aiosmtpd), then their reply, a raw RFC 822 message from their directory address with
  In-Reply-To naming that nudge, POSTed to the real /mail/inbound; the answer is the plain-text
  part of the acknowledgement the bot emails back to the same server.

Adding a channel to the suite: write a class with the four members below —
`name` (the registry's channel name, also what `action_update.channel` records), `renderer`
(the `singledispatch` function of its `cards/` module that every view type must be registered
with), `start(engine, clock)` and `say(person_key, text) -> str` (send `text` as that person
through the channel's real inbound path, return the words of the bot's answer), `stop()` — and
add it to `DRIVERS`. Every test in `tests/conformance/` then runs on it too.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Protocol

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from actionbot.app import create_app
from cards import adaptive, blockkit, email, text
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


class EmailDriver:
    """Every request is a reply to a fresh nudge (about the actions the person leads), as an
    emailed update is. The endpoint keeps only a reply's update-like lines when it has any
    (`handlers.email.quoting.update_lines`) and passes any other reply to the core whole, so a
    refused update and a status question reach the core too: every conformance test applies."""

    name = "email"
    renderer = staticmethod(email.html_part)

    async def start(self, engine: Engine, clock: Clock) -> None:
        from tests.email.conftest import email_runtime, email_values, serving
        from tests.fakes.smtp_server import SmtpSink

        self.engine = engine
        self.stack = AsyncExitStack()
        try:
            self.sink = await SmtpSink().start()
            self.stack.push_async_callback(self.sink.stop)
            # the channel reads its settings from the environment, as in production
            env = pytest.MonkeyPatch()
            self.stack.callback(env.undo)
            for variable, value in email_values(self.sink).items():
                env.setenv(variable, value)
            self.rt = email_runtime(engine, clock)
            self.served = await self.stack.enter_async_context(serving(self.rt))
        except BaseException:
            await self.stack.aclose()
            raise

    def _led_by(self, person_key: str) -> tuple[str, ...]:
        """The actions a nudge to this person names: those their roles lead."""
        with Session(self.engine) as session:
            person = repo.person_by_key(session, person_key)
            assert person is not None, person_key
            plan = repo.active_plan(session)
            refs = tuple(a.ref for a in repo.plan_actions(session, plan.id) if set(a.leads) & set(person.roles))
        assert refs, f"{person_key} leads no action, so is never nudged"
        return refs

    async def say(self, person_key: str, words: str) -> str:
        from tests.email.conftest import reply_to_nudge

        address = _email_of(self.engine, person_key)
        before = len(self.sink.to(address))
        status, body = await reply_to_nudge(
            self.rt, self.sink, self.served, words, address, person=person_key, refs=self._led_by(person_key)
        )
        assert (status, body.get("status")) == (200, "handled"), (status, body)
        # the nudge, then the acknowledgement: sent before /mail/inbound answers
        nudge, ack = self.sink.to(address)[before:]
        assert ack["In-Reply-To"] and ack["Message-ID"] != nudge["Message-ID"], ack
        plain = ack.get_body(preferencelist=("plain",))
        assert plain is not None, ack
        answer = "\n".join(str(plain.get_content()).splitlines())  # CRLF as it came over SMTP
        return answer.split("\n-- \n")[0]  # the answer, without the footer below the signature mark

    async def stop(self) -> None:
        await self.stack.aclose()


DRIVERS: dict[str, type[Driver]] = {
    "terminal": TerminalDriver,
    "slack": SlackDriver,
    "teams": TeamsDriver,
    "email": EmailDriver,
}
