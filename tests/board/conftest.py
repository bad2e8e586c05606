"""The board's web view served by the real app (`create_app`), on the reference plan.

Cookies are carried by hand (read from Set-Cookie, sent as a Cookie header): aiohttp's client
jar keeps no cookie for a bare IP address, and the board's cookie is `Secure`, which a client
may refuse to send over http. What a browser does with it is tested in tests/browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from aiohttp.test_utils import TestClient, TestServer

from actionbot.app import create_app
from bot import signed_links
from bot.board_access import CHAT_LINK_TTL, COOKIE, PURPOSE
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from storage.db import session_scope

SECRET_KEY = "board-test-secret-key-0123456789abcdef"


@dataclass
class Board:
    client: TestClient
    rt: Runtime

    def issue(self, *, person: str = "dcs", single_use: bool = True, ttl: timedelta = CHAT_LINK_TTL,
              plan: str | None = None, name: str | None = None) -> str:
        with session_scope(self.rt.engine) as s:
            token, _ = signed_links.issue(
                s,
                secret=SECRET_KEY,
                purpose=PURPOSE,
                person_key=person,
                subject={"plan": plan} if plan else {},
                ttl=ttl,
                now=self.rt.clock.now(),
                single_use=single_use,
                name=name or "",
                plan_key=plan if not single_use else None,
            )
            return token

    async def sign_in(self, token: str) -> str:
        """Open a link as a browser would (the page, then its button); the session cookie's value."""
        page = await self.client.get(f"/board/link/{token}")
        assert page.status == 200, await page.text()
        opened = await self.client.post("/board/link", data={"token": token}, allow_redirects=False)
        assert opened.status == 303, await opened.text()
        return cookie_of(opened)

    async def get(self, path: str, cookie: str | None = None, **headers: str):
        if cookie is not None:
            headers["Cookie"] = f"{COOKIE}={cookie}"
        return await self.client.get(path, headers=headers, allow_redirects=False)


def cookie_of(response) -> str:
    jar = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        jar.load(header)
    return jar[COOKIE].value


def board_settings(**env) -> Settings:
    return Settings(**{"_env_file": None, "database_url": "sqlite://", "actionbot_secret_key": SECRET_KEY, **env})


async def start_board(engine, clock, **env) -> Board:
    rt = build_runtime(board_settings(**env), engine=engine, clock=clock)
    client = TestClient(TestServer(create_app(rt)))
    await client.start_server()
    return Board(client, rt)


@pytest.fixture
async def board(reference_engine, clock) -> AsyncIterator[Board]:
    b = await start_board(reference_engine, clock)
    yield b
    await b.client.close()
