"""Proactive Teams messages (nudges, chases, escalations, digests) through stored references.

A person is reachable when we hold a working reference to their personal chat with the bot
(they installed the app or wrote to it). A 403 (blocked / app uninstalled) or 404 (conversation
gone) marks that reference failed, so `actionbot people check` reports the person and the
delivery layer tells the SIT; a 429 (throttled) or a transient 412/502/503/504 is retried with
exponential backoff and jitter (exactly Teams' Retry-After when it gives one). Before each
request the sender waits until it fits Teams' throttling limits (`handlers.teams.rate_limits`:
per conversation 7/1 s, 8/2 s, 60/30 s, 1,800/h; about 30 a second per app), so a round of
thousands of nudges rarely meets a 429. The clock, the sleep and the random source are
injected, so tests never wait.

Each activity carries its send-ledger key in `channelData.actionbot.ledgerKey` (the Bot
Framework passes `channelData` through; Teams ignores keys it does not know), as Slack
messages carry it in their metadata: what the connector received can be checked against the
ledger, one message per key.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import Session

from bot.delivery import DeliveryError, rendered_ahead
from cards.adaptive import message_activity
from handlers.teams import addresses
from handlers.teams.deferred import DeferredAdapter
from handlers.teams.errors import ConnectorError
from handlers.teams.rate_limits import keys_for, teams_pacer
from storage.db import session_scope
from storage.models import Person

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 412, 502, 503, 504})
PERMANENT = {
    403: "Teams refused the message (403{code}): the person blocked the bot or removed the app",
    404: "Teams does not know the conversation any more (404{code}): the person must open the bot again",
}


class TeamsChannel:
    """The Teams `OutboundChannel` (see bot/delivery.py). Its adapter is built at the first send
    (`DeferredAdapter`): a process that never sends to Teams never loads the SDK."""

    name = "teams"

    def __init__(
        self,
        engine,
        clock,
        adapter: DeferredAdapter,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        max_retries: int = 4,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
    ):
        self.engine = engine
        self.clock = clock
        self.adapter = adapter
        self.sleep = sleep
        self.jitter = jitter
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.pacer = teams_pacer(lambda: self.clock.now().timestamp(), sleep)

    def prepare(self, views: list[Any]) -> asyncio.Future[dict[str, Any]]:
        """The message's activity rendered in a worker thread (`bot.delivery.PreparedViews`:
        a report's chart takes half a second), to be taken by its send."""
        return asyncio.ensure_future(asyncio.to_thread(message_activity, list(views)))

    def can_reach(self, session: Session, person: Person) -> bool:
        return addresses.reference_for(session, addresses.person_key(person.key)) is not None

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        return await self._send(addresses.person_key(person.key), views, who=person.name, meta=meta)

    async def send_to_sit(self, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        return await self._send(addresses.SIT, views, who="the SIT channel", meta=meta)

    async def _send(self, address_key: str, views: list[Any], *, who: str, meta: dict[str, Any]) -> str:
        with session_scope(self.engine) as session:
            reference = addresses.reference_for(session, address_key)
        if reference is None:
            if address_key == addresses.SIT:
                raise DeliveryError(
                    "no Teams SIT channel: type `set sit channel` in it, or run `actionbot teams set-sit-channel`",
                    permanent=True,
                )
            raise DeliveryError(f"no working Teams conversation with {who}", permanent=True)
        ahead = rendered_ahead(views, self.name)
        activity = dict(await ahead) if ahead is not None else message_activity(views)
        if meta.get("ledger_key"):
            data = activity.get("channelData") or {}
            activity["channelData"] = {**data, "actionbot": {"ledgerKey": str(meta["ledger_key"])}}
        conversation = str((reference.get("conversation") or {}).get("id") or address_key)
        for attempt in range(self.max_retries + 1):
            try:
                async with self.pacer.slot(*keys_for(self.pacer, conversation)):
                    return await (await self.adapter.get()).send_proactive(reference, activity)
            except ConnectorError as exc:
                if exc.status in PERMANENT:
                    reason = PERMANENT[exc.status].format(code=f" {exc.code}" if exc.code else "")
                    with session_scope(self.engine) as session:
                        addresses.mark_failed(session, address_key, reason, self.clock.now())
                    raise DeliveryError(reason, permanent=True) from exc
                if exc.status in RETRYABLE and attempt < self.max_retries:
                    delay = self.backoff(attempt, exc.retry_after)
                    log.info("Teams %s to %s: %s; retrying in %.1f s", exc.status, who, exc.code, delay)
                    await self.sleep(delay)
                    continue
                raise DeliveryError(f"Teams send to {who} failed: {exc}", permanent=False) from exc
        raise AssertionError("unreachable")  # the loop always returns or raises

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Teams' Retry-After when it gives one (the instant its window reopens: waiting longer
        only lengthens a round, and the pacer keeps the next requests within the limits);
        otherwise exponential backoff with jitter on top."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        delay = min(self.max_delay, self.base_delay * (2**attempt))
        delay += self.jitter() * self.base_delay
        return min(delay, self.max_delay)
