"""A real local SMTP server (aiosmtpd) on 127.0.0.1, port 0, in the test's own event loop: it
speaks the protocol aiosmtplib speaks to a council's mail server, keeps every message it
accepted (parsed), and can refuse chosen recipients with a permanent (5xx) or temporary (4xx)
reply."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → SMTP reply, e.g. "550 5.1.1 no such user"
    server: asyncio.AbstractServer | None = None
    port: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    async def start(self) -> SmtpSink:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(lambda: SMTP(self, hostname="sink.test"), "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    @property
    def url(self) -> str:
        return f"smtp+plain://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address.lower() in (a.lower() for a in r.rcpt_tos)]
