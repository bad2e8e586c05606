"""A fourth channel that exists only in the tests: registered by adding its module path to
`handlers.registry.CHANNELS` and nothing else, to show that the registry is the one line a new
channel needs outside its own folder. It answers `POST /echo/messages` through the core and
records what the scheduler sends it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlmodel import Session

from bot.config import settings_from
from bot.config_lines import ConfigLine, mask
from bot.requests import ChatRequest, Identity
from bot.runtime import Runtime
from cards.text import render_all
from storage.models import Person


class EchoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    echo_token: str | None = None


class EchoSender:
    name = "echo"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def can_reach(self, session: Session, person: Person) -> bool:
        return True

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        self.sent.append((person.key, render_all(views)))
        return f"echo:{len(self.sent)}"

    async def send_to_sit(self, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        self.sent.append(("sit", render_all(views)))
        return f"echo:{len(self.sent)}"


class EchoPlugin:
    name = "echo"

    def settings(self, env: Mapping[str, str]) -> EchoSettings:
        return settings_from(EchoSettings, env)

    def mount(self, app: web.Application, rt: Runtime) -> bool:
        async def messages(request: web.Request) -> web.Response:
            body = await request.json()
            who = Identity("terminal", str(body["person"]))
            reply = await asyncio.to_thread(rt.core.handle, ChatRequest(identity=who, text=str(body["text"])))
            return web.Response(text=render_all(reply.views))

        app.router.add_post("/echo/messages", messages)
        return True

    def outbound(self, rt: Runtime) -> EchoSender:
        return EchoSender()

    def config_lines(self, env: Mapping[str, str]) -> list[ConfigLine]:
        token = self.settings(env).echo_token
        return [ConfigLine("echo", "ECHO_TOKEN", mask(token), bool(token), "" if token else "any value")]

    def banner(self, rt: Runtime, url: str) -> list[str]:
        return [f"Echo:    {url}/echo/messages"]


CHANNEL = EchoPlugin()
