"""The Slack side of `bot.delivery.OutboundChannel`: nudges, chases and escalations by DM,
digests and reports to the SIT channel."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.config import Settings
from bot.delivery import DeliveryError
from bot.views import ReportDigestView
from cards import blockkit
from cards import blockkit_ids as ids
from handlers.slack.client import Sleep, api_error, web_client
from handlers.slack.report_digest import post_digest
from handlers.slack.threads import message_ref
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
    """Reaches people who have a Slack user id (set in the directory, or linked when they first
    wrote to the bot) and the channel in `SLACK_SIT_CHANNEL`."""

    name = "slack"

    def __init__(self, settings: Settings, sleep: Sleep, client: AsyncWebClient | None = None):
        self.settings = settings
        self.client = client or web_client(settings, sleep)

    def can_reach(self, session: Session, person: Person) -> bool:
        return bool(person.slack_user_id)

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        if not person.slack_user_id:
            raise DeliveryError(f"{person.key} has no Slack user id", permanent=True)
        opened = await self._call("conversations_open", users=person.slack_user_id)
        channel = opened["channel"]["id"]
        return await self._post(channel, views, kind, meta)

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
            )
            return message_ref(*posted)
        return await self._post(self.settings.slack_sit_channel, views, kind, meta)

    async def _post(self, channel: str, views: list[Any], kind: str, meta: dict[str, Any]) -> str:
        refs = [str(r) for r in meta.get("refs") or []]
        metadata = ids.metadata(kind, refs, str(meta.get("ledger_key") or ""))
        posted = await self._call("chat_postMessage", channel=channel, metadata=metadata, **blockkit.message(views))
        return message_ref(posted["channel"], posted["ts"])

    async def already_sent(self, key: str, person: Person | None, meta: dict[str, Any]) -> str:
        """After a crash between claim and send: look for a message of ours carrying this ledger
        key in its metadata (the person's DM, or the SIT channel). Returns its ref, or "" if it
        never went out. Slack keeps message metadata; the recent history is enough, because the
        scheduler asks within minutes of the crash."""
        if person is not None:
            if not person.slack_user_id:
                return ""
            channel = (await self._call("conversations_open", users=person.slack_user_id))["channel"]["id"]
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
        """One Web API call; Slack's errors become DeliveryErrors the ledger understands."""
        try:
            return await getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            error = api_error(exc)
            raise DeliveryError(f"Slack {method}: {error}", permanent=error in PERMANENT_ERRORS) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"Slack {method}: {type(exc).__name__}: {exc}") from exc
