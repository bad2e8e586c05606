"""Email fixtures: a real local SMTP server (tests/fakes/smtp_server.py), the channel's
environment, a runtime on the reference plan, the real aiohttp app on port 0, and a nudge
sent by email through `bot.delivery` exactly as the scheduler sends one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from actionbot.app import create_app
from bot import delivery
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.views import NudgeItem, NudgeView
from domain.clock import FixedClock
from handlers.email import CHANNEL
from handlers.email.outbound import EmailChannel
from storage import repo
from storage.db import session_scope
from tests.conftest import uk
from tests.fakes.smtp_server import SmtpSink

SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
INBOUND = "inbound-shared-secret-42"
BOT = "actionbot@council.example"
SIT = "sit-team@council.example"
HANNAH, HANNAH_EMAIL = "hos-scp", "hos-scp@example.invalid"
REFS = ("4.2.1", "4.2.2")


@pytest.fixture
async def sink():
    server = await SmtpSink().start()
    yield server
    await server.stop()


def email_values(sink: SmtpSink) -> dict[str, str]:
    """The channel's environment for a run against `sink` (read by `EmailSettings`)."""
    return {
        "SMTP_URL": sink.url,
        "ACTIONBOT_MAIL_FROM": f"actionbot <{BOT}>",
        "ACTIONBOT_SECRET_KEY": SECRET,
        "ACTIONBOT_INBOUND_SECRET": INBOUND,
        "ACTIONBOT_SIT_EMAIL": SIT,
    }


@pytest.fixture
def email_env(monkeypatch, sink):
    values = email_values(sink)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def email_clock() -> FixedClock:
    return FixedClock(uk(2016, 9, 14, 10, 0))


def email_runtime(engine, clock) -> Runtime:
    """A runtime whose only sender is the email channel, configured from the environment."""
    runtime = build_runtime(Settings(database_url="sqlite://"), engine=engine, clock=clock)
    channel = CHANNEL.outbound(runtime)
    assert channel is not None
    runtime.channels = {"email": channel}
    return runtime


@pytest.fixture
def rt(reference_engine, email_clock, email_env) -> Runtime:
    return email_runtime(reference_engine, email_clock)


@pytest.fixture
def channel(rt) -> EmailChannel:
    return rt.channels["email"]


@dataclass
class Served:
    url: str
    http: aiohttp.ClientSession


@asynccontextmanager
async def serving(rt: Runtime) -> AsyncIterator[Served]:
    """The real app (`create_app`, every configured channel mounted) on 127.0.0.1, port 0."""
    app: web.Application = create_app(rt)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        async with aiohttp.ClientSession() as http:
            yield Served(f"http://127.0.0.1:{port}", http)
    finally:
        await runner.cleanup()


@pytest.fixture
async def served(rt):
    async with serving(rt) as s:
        yield s


def nudge_views(rt: Runtime, refs=REFS, greeting: str = "Hello Hannah") -> list[Any]:
    with session_scope(rt.engine) as s:
        plan = repo.active_plan(s)
        items = tuple(
            NudgeItem(a.ref, a.text, a.due, None, "not_rated", "the monthly round")
            for a in (repo.action_by_ref(s, plan.id, r) for r in refs)
            if a is not None
        )
    return [NudgeView(f"{greeting}, please update these actions:", items)]


async def send_nudge(
    rt: Runtime, person: str = HANNAH, refs=REFS, key: str = "msg:hos-scp:2016-09-14", greeting: str = "Hello Hannah"
):
    return await delivery.send_to_person(
        rt.engine,
        rt.channels,
        person,
        nudge_views(rt, refs, greeting),
        key=key,
        kind="nudge",
        now=rt.clock.now(),
        meta={"refs": list(refs), "ledger_key": key},
    )


def links_in(message: EmailMessage) -> dict[str, dict[str, str]]:
    """ref → choice → url, read back from the plain-text part of a nudge email."""
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    links: dict[str, dict[str, str]] = {}
    ref = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.endswith(":") and stripped[:-1].replace(".", "").isdigit():
            ref = stripped[:-1]
        elif ref and ": http" in stripped:
            label, url = stripped.split(": ", 1)
            choice = {"Add update": "update"}.get(label, label.lower())
            links.setdefault(ref, {})[choice] = url
    return links


async def reply_to_nudge(
    rt, sink, served, text: str, sender: str = HANNAH_EMAIL, *, person: str = HANNAH, refs=REFS
):
    """Send `person` (Hannah) a nudge about `refs` by email, then post the reply `text` from
    `sender` (her address) to /mail/inbound, as a reply to that nudge."""
    from email.utils import make_msgid

    with session_scope(rt.engine) as s:
        who = repo.person_by_key(s, person)
        assert who is not None and who.email, person
        address, name = who.email, who.name
    outcome = await send_nudge(rt, person, refs, key=f"msg:{person}:{make_msgid()}", greeting=f"Hello {name}")
    assert (outcome.status, outcome.channel) == ("sent", "email"), outcome
    nudge = sink.to(address)[-1]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = BOT
    msg["Subject"] = "Re: " + str(nudge["Subject"])
    msg["Message-ID"] = make_msgid(domain="example.invalid")
    msg["In-Reply-To"] = str(nudge["Message-ID"])
    msg.set_content(text + "\n")
    headers = {"X-Actionbot-Inbound-Secret": INBOUND}
    async with served.http.post(served.url + "/mail/inbound", data=bytes(msg), headers=headers) as resp:
        return resp.status, await resp.json()
