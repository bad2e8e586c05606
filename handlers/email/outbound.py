"""The email `OutboundChannel` (bot/delivery.py): nudges, chases, escalations, date decisions
and notices to a person's directory address, digests to the SIT's mailbox.

Who it reaches: people with an email address and no chat identity (no Slack or Teams id, no
working Teams conversation), and anyone whose `preferred_channel` is `email` (delivery puts the
preferred channel first). With the policy's `delivery.email_fallback: true` it is also the
fallback for a chat send refused for good (`fallback`, `can_fall_back`).

`send_to_person` returns the message's Message-ID, which the ledger stores as `message_ref`:
an emailed reply names it in In-Reply-To, and `POST /mail/inbound` finds the nudge by it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery import DeliveryError
from bot.identity import identities_of
from bot.views import NudgeView
from cards.email import render_email
from domain.clock import Clock
from handlers.email.links import issue_answer_links
from handlers.email.message import build_message
from handlers.email.settings import EmailSettings
from handlers.email.smtp import send_message
from storage import repo
from storage.db import session_scope
from storage.models import Person

log = logging.getLogger(__name__)

Sender = Callable[[EmailMessage], Awaitable[None]]


def has_chat_identity(session: Session, person: Person) -> bool:
    """An account on a chat channel in the directory, or a working chat conversation with the bot."""
    if any(channel != "email" for channel in identities_of(session, person.key)):
        return True
    return repo.has_working_address(session, f"person:{person.key}")


class EmailChannel:
    name = "email"

    def __init__(
        self,
        settings: EmailSettings,
        engine: Engine,
        clock: Clock,
        *,
        fallback: bool = False,
        sender: Sender | None = None,
    ):
        refusal = settings.refusal()
        if refusal:
            raise ValueError(refusal)
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.fallback = fallback
        target = settings.target
        self._send = sender or (lambda msg: send_message(target, msg, timeout=settings.actionbot_smtp_timeout))

    def can_reach(self, session: Session, person: Person) -> bool:
        if not person.email:
            return False
        return person.preferred_channel == "email" or not has_chat_identity(session, person)

    def can_fall_back(self, person: Person) -> bool:
        return bool(person.email)

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        if not person.email:
            raise DeliveryError(f"{person.name} has no email address in the directory", permanent=True)
        refs = [item.ref for v in views if isinstance(v, NudgeView) for item in v.items]
        links: dict[str, dict[str, str]] = {}
        if refs:
            with session_scope(self.engine) as session:
                links = issue_answer_links(
                    session,
                    secret=self.settings.actionbot_secret_key or "",
                    person_key=person.key,
                    refs=refs,
                    base_url=self.settings.actionbot_public_url,
                    now=self.clock.now(),
                    ttl=timedelta(days=self.settings.actionbot_link_days),
                    plan_key=meta.get("plan"),
                    plan_of=meta.get("plans") if isinstance(meta.get("plans"), dict) else None,
                )
        rendered = render_email(views, links=links)
        return await self.deliver(rendered, to=person.email, to_name=person.name, ledger_key=meta.get("ledger_key"))

    async def send_to_sit(self, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        address = self.settings.actionbot_sit_email
        if not address:
            raise DeliveryError("no SIT mailbox: set ACTIONBOT_SIT_EMAIL", permanent=True)
        rendered = render_email(views)
        return await self.deliver(rendered, to=address, ledger_key=meta.get("ledger_key"))

    async def deliver(
        self, rendered, *, to: str, to_name: str = "", in_reply_to: str | None = None, ledger_key: str | None = None
    ) -> str:
        """Build, send, and return the Message-ID (the ledger's message_ref)."""
        message = build_message(
            rendered,
            sender=self.settings.actionbot_mail_from or "",
            to=to,
            to_name=to_name,
            now=self.clock.now(),
            in_reply_to=in_reply_to,
            ledger_key=ledger_key,
        )
        await self._send(message)
        return str(message["Message-ID"])
