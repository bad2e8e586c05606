"""Which actions a nudge card (or a reply in its thread) is about.

The answer is kept where a restart cannot lose it: the send ledger row of the card (its
`message_ref` is "<channel>:<ts>", its payload the refs), and the card's own Slack message
metadata (`actionbot_nudge`, refs) for a card whose ledger row was never marked sent (a crash
between posting and recording). Nothing is remembered in memory.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.outage import is_database_outage
from cards import blockkit_ids as ids
from handlers.slack.client import api_error
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def _ledger_refs(engine: Engine, channel: str, ts: str) -> tuple[str, ...]:
    with session_scope(engine) as session:
        row = repo.sent_message(session, "slack", message_ref(channel, ts))
        refs = (row.payload or {}).get("refs") if row else None
    return tuple(refs or ())


def _block_refs(message: dict[str, Any]) -> tuple[str, ...]:
    found = (ids.ref_of_block(b.get("block_id", ""), ids.NUDGE_BLOCK) for b in message.get("blocks") or [])
    return tuple(r for r in found if r)


async def card_refs(
    engine: Engine,
    client: AsyncWebClient,
    channel: str | None,
    ts: str | None,
    message: dict[str, Any] | None = None,
) -> tuple[str, ...]:
    """The refs of the card at channel/ts: ledger, else metadata, else the card's own rows."""
    if not channel or not ts:
        return ()
    try:
        refs = await asyncio.to_thread(_ledger_refs, engine, channel, ts)
    except Exception as exc:
        if not is_database_outage(exc):
            raise
        refs = ()  # the database is down: the card itself (metadata, rows) still says
    if refs:
        return refs
    if message is not None:
        refs = ids.refs_from_metadata(message.get("metadata"))
        return refs or _block_refs(message)
    try:
        found = await client.conversations_replies(channel=channel, ts=ts, limit=1, include_all_metadata=True)
    except SlackApiError as exc:
        log.warning("conversations.replies %s/%s failed: %s", channel, ts, api_error(exc))
        return ()
    messages = found.get("messages") or []
    if not messages or messages[0].get("ts") != ts:
        return ()
    return ids.refs_from_metadata(messages[0].get("metadata")) or _block_refs(messages[0])
