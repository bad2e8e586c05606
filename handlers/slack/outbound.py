"""The Slack side of `bot.delivery.OutboundChannel`: nudges, chases and escalations by DM,
digests and reports to the SIT channel."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.delivery import DeliveryError, NotOnChannel
from bot.identity import chat_id
from bot.views import ReportDigestView
from cards import blockkit
from cards import blockkit_ids as ids
from domain.clock import Clock
from handlers.slack import dm_channels
from handlers.slack.client import Sleep, api_error, web_client
from handlers.slack.people import LinkResult, link_by_email
from handlers.slack.rate_limits import keys_for, slack_pacer
from handlers.slack.report_digest import post_digest
from handlers.slack.settings import SlackSettings
from handlers.slack.threads import message_ref
from storage.db import session_scope
from storage.models import Person

log = logging.getLogger(__name__)

# Errors that will not go away by trying again: the ledger marks the send failed, not retry.
PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_auth",
        "is_archived",
        "messages_tab_disabled",
        "missing_scope",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "user_disabled",
        "user_not_found",
    }
)


class SlackChannel:
    """Reaches people who have a Slack user id (set in the directory, linked when they first
    wrote to the bot, or found by their directory email before the first message) and the
    channel in `SLACK_SIT_CHANNEL`.

    Every Web API call first waits (on the injected clock) until it fits Slack's limits
    (`handlers.slack.rate_limits`), so a round of thousands of nudges paces itself instead of
    collecting 429s; each person's DM channel is opened once and remembered
    (`handlers.slack.dm_channels`)."""

    name = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        sleep: Sleep,
        client: AsyncWebClient | None = None,
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
    ):
        self.settings = settings
        self.client = client or web_client(settings, sleep)
        self.engine = engine  # where a Slack id found by email, and a DM channel, is remembered
        self.clock = clock
        self.pacer = slack_pacer(self._seconds, sleep)

    def _seconds(self) -> float:
        """Now, in seconds, on the runtime's clock (the pacer's time; real time without one)."""
        return self.clock.now().timestamp() if self.clock is not None else time.monotonic()

    @property
    def command_prefix(self) -> str:
        return self.settings.slack_command_prefix

    def can_reach(self, session: Session, person: Person) -> bool:
        """A linked Slack id, or an email to find it by (`users.lookupByEmail`) before sending."""
        if person.email and self.engine is not None:
            return True
        return chat_id(session, person.key, "slack") is not None

    async def link(self, person: Person, actor: str = "bot") -> LinkResult:
        """Find the person's Slack account by their directory email and remember it."""
        if self.engine is None:
            raise RuntimeError("SlackChannel needs the engine to remember links")
        now = self.clock.now() if self.clock else datetime.now(UTC)
        async with self.pacer.slot("users_lookupByEmail"):
            return await link_by_email(self.engine, self.client, person, now, actor)

    async def user_id_of(self, person: Person) -> str:
        """The person's Slack id; the first time, looked up by email (and remembered)."""
        known = await self._linked_id(person)
        if known:
            return known
        if not person.email or self.engine is None:
            raise DeliveryError(f"{person.key} has no Slack user id and no email to find it by", permanent=True)
        result = await self.link(person)
        user_id = result.lookup.user_id if result.lookup.found and not result.problem else None
        if not user_id and result.lookup.outcome == "not_found":
            raise NotOnChannel(f"{person.key} ({person.email}) not found on Slack: {result.problem}")
        if not user_id:
            raise DeliveryError(
                f"{person.key} ({person.email}) not found on Slack: {result.problem}",
                permanent=result.lookup.permanent,
            )
        return user_id

    async def _linked_id(self, person: Person) -> str | None:
        """The Slack id already linked to the person (`person_identity`), read in its own session."""
        if self.engine is None:
            return None
        return await asyncio.to_thread(self._read, lambda session: chat_id(session, person.key, "slack"))

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        user_id = await self.user_id_of(person)
        channel, kept = await self._dm_channel(person, user_id)
        try:
            return await self._post(channel, views, kind, meta)
        except DeliveryError as exc:
            if not (kept and "channel_not_found" in str(exc)):
                raise
        # the kept DM channel is gone (Slack said so before posting anything): open it again
        await asyncio.to_thread(self._write, lambda session: dm_channels.forget(session, person.key))
        channel, _ = await self._dm_channel(person, user_id)
        return await self._post(channel, views, kind, meta)

    async def _dm_channel(self, person: Person, user_id: str) -> tuple[str, bool]:
        """The person's DM channel with the bot, and whether it was kept from before: opened
        (`conversations.open`, tier 3) only the first time, then remembered."""
        if self.engine is not None:
            kept = await asyncio.to_thread(self._read, lambda s: dm_channels.dm_channel(s, person.key, user_id))
            if kept:
                return kept, True
        channel = (await self._call("conversations_open", users=user_id))["channel"]["id"]
        if self.engine is not None:
            now = self.clock.now() if self.clock else datetime.now(UTC)
            try:
                await asyncio.to_thread(
                    self._write, lambda session: dm_channels.remember(session, person.key, user_id, channel, now)
                )
            except SQLAlchemyError as exc:  # a cache: not remembering it must not stop this send
                log.warning("could not keep %s's Slack DM channel (opened again next time): %s", person.key, exc)
        return channel, False

    def _read(self, read):
        with session_scope(self.engine) as session:
            return read(session)

    def _write(self, write) -> None:
        with session_scope(self.engine) as session:
            write(session)

    async def send_to_sit(self, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        if not self.settings.slack_sit_channel:
            raise DeliveryError("SLACK_SIT_CHANNEL is not set", permanent=True)
        digest = next((v for v in views if isinstance(v, ReportDigestView)), None)
        if digest is not None:  # the highlight report: headline, then chart and detail in its thread
            posted = await post_digest(
                self._call,
                self.settings.slack_sit_channel,
                digest.report,
                metadata=ids.metadata(kind, [], str(meta.get("ledger_key") or "")),
                command=self.command_prefix,
            )
            return message_ref(*posted)
        return await self._post(self.settings.slack_sit_channel, views, kind, meta)

    async def _post(self, channel: str, views: list[Any], kind: str, meta: dict[str, Any]) -> str:
        refs = [str(r) for r in meta.get("refs") or []]
        metadata = ids.metadata(kind, refs, str(meta.get("ledger_key") or ""))
        posted = await self._call(
            "chat_postMessage", channel=channel, metadata=metadata, **blockkit.message(views, self.command_prefix)
        )
        return message_ref(posted["channel"], posted["ts"])

    async def already_sent(self, key: str, person: Person | None, meta: dict[str, Any]) -> str:
        """After a crash between claim and send: look for a message of ours carrying this ledger
        key in its metadata (the person's DM, or the SIT channel). Returns its ref, or "" if it
        never went out. Slack keeps message metadata; the recent history is enough, because the
        scheduler asks within minutes of the crash."""
        if person is not None:
            user_id = await self._linked_id(person)
            if not user_id:
                return ""
            channel, _ = await self._dm_channel(person, user_id)
        elif self.settings.slack_sit_channel:
            channel = self.settings.slack_sit_channel
        else:
            return ""
        history = await self._call("conversations_history", channel=channel, limit=100, include_all_metadata=True)
        for message in history.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("ledger_key") == key:
                return message_ref(channel, message["ts"])
        return ""

    async def _call(self, method: str, **kwargs: Any) -> Any:
        """One Web API call, paced to Slack's limits; Slack's errors become DeliveryErrors the
        ledger understands."""
        try:
            async with self.pacer.slot(*keys_for(self.pacer, method, kwargs)):
                return await getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            error = api_error(exc)
            raise DeliveryError(f"Slack {method}: {error}", permanent=error in PERMANENT_ERRORS) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"Slack {method}: {type(exc).__name__}: {exc}") from exc
