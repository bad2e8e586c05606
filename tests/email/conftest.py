"""Email fixtures: a real local SMTP server (tests/fakes/smtp_server.py), the channel's
environment, a runtime on the reference plan, the real aiohttp app on port 0, and a nudge
sent by email through `bot.delivery` exactly as the scheduler sends one."""

from __future__ import annotations

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


@pytest.fixture
def email_env(monkeypatch, sink):
    values = {
        "SMTP_URL": sink.url,
        "ACTIONBOT_MAIL_FROM": f"actionbot <{BOT}>",
        "ACTIONBOT_SECRET_KEY": SECRET,
        "ACTIONBOT_INBOUND_SECRET": INBOUND,
        "ACTIONBOT_SIT_EMAIL": SIT,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def email_clock() -> FixedClock:
    return FixedClock(uk(2016, 9, 14, 10, 0))


@pytest.fixture
def rt(reference_engine, email_clock, email_env) -> Runtime:
    runtime = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=email_clock)
    channel = CHANNEL.outbound(runtime)
    assert channel is not None
    runtime.channels = {"email": channel}
    return runtime


@pytest.fixture
def channel(rt) -> EmailChannel:
    return rt.channels["email"]


@dataclass
class Served:
    url: str
    http: aiohttp.ClientSession


@pytest.fixture
async def served(rt):
    app: web.Application = create_app(rt)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as http:
        yield Served(f"http://127.0.0.1:{port}", http)
    await runner.cleanup()


def nudge_views(rt: Runtime, refs=REFS) -> list[Any]:
    with session_scope(rt.engine) as s:
        plan = repo.active_plan(s)
        items = tuple(
            NudgeItem(a.ref, a.text, a.due, None, "not_rated", "the monthly round")
            for a in (repo.action_by_ref(s, plan.id, r) for r in refs)
            if a is not None
        )
    return [NudgeView("Hello Hannah, please update these actions:", items)]


async def send_nudge(rt: Runtime, person: str = HANNAH, refs=REFS, key: str = "msg:hos-scp:2016-09-14"):
    return await delivery.send_to_person(
        rt.engine,
        rt.channels,
        person,
        nudge_views(rt, refs),
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


async def reply_to_nudge(rt, sink, served, text: str, sender: str = HANNAH_EMAIL):
    """Send Hannah a nudge about REFS, then post her reply `text` to /mail/inbound."""
    from email.utils import make_msgid

    await send_nudge(rt, key=f"msg:hos-scp:{make_msgid()}")
    nudge = sink.to(HANNAH_EMAIL)[-1]
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
