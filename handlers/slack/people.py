"""Who is writing on Slack: their user id, and — the first time — their email from users.info.

The core (`bot.identity.resolve`) matches the id or the email against the people directory and
remembers the link; this module only asks Slack for the email when the id is not linked yet, so
a known person costs no API call.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.outage import is_database_outage
from bot.requests import Identity
from handlers.slack.client import api_error
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)


def _linked_name(engine: Engine, user_id: str) -> str | None:
    with session_scope(engine) as session:
        person = repo.person_by_chat_id(session, "slack", user_id)
        return person.name if person else None


async def identity_of(engine: Engine, client: AsyncWebClient, user_id: str) -> Identity:
    try:
        name = await asyncio.to_thread(_linked_name, engine, user_id)
    except Exception as exc:
        if not is_database_outage(exc):
            raise
        # the core will answer "temporarily unavailable": no need to ask Slack who this is
        return Identity("slack", user_id)
    if name is not None:
        return Identity("slack", user_id, display_name=name)
    try:
        info = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user_id, api_error(exc))
        return Identity("slack", user_id)
    except (aiohttp.ClientError, TimeoutError) as exc:  # Slack unreachable: still answer, as a stranger
        log.warning("users.info for %s failed: %s", user_id, exc)
        return Identity("slack", user_id)
    user = info.get("user") or {}
    profile = user.get("profile") or {}
    return Identity(
        "slack",
        user_id,
        email=profile.get("email") or None,
        display_name=profile.get("real_name") or user.get("real_name") or user.get("name"),
    )
