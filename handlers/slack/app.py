"""Building the Bolt app and mounting it on the project's aiohttp server.

`AsyncApp` refuses to exist without a token, so it is built only when Slack is configured,
inside a factory, never at import. HTTP mode shares the one aiohttp server with `/healthz` and
Teams' `/api/messages` through Bolt's aiohttp adapter functions on our own route; Socket Mode
(`SLACK_APP_TOKEN`) connects out to Slack for councils whose firewall allows no inbound URL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.runtime import Runtime
from handlers.slack.client import configure
from handlers.slack.listeners import SlackListeners
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SLACK_BOLT = web.AppKey("slack_bolt", AsyncApp)


def build_bolt_app(rt: Runtime) -> AsyncApp:
    """The Bolt app with our listeners; request signatures are checked with
    SLACK_SIGNING_SECRET (Bolt answers 401 to a forged or stale request)."""
    settings = rt.settings
    bolt = AsyncApp(
        name="actionbot",
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=False,  # ack first, work after: Slack's 3-second limit
    )
    configure(bolt.client, settings, rt.clock.sleep)
    bolt.use(handle_each_event_once(rt))
    SlackListeners(rt).register(bolt)
    return bolt


def handle_each_event_once(rt: Runtime) -> Callable[..., Awaitable[Any]]:
    """Slack re-sends an event it thinks we missed (X-Slack-Retry-Num); the event id is claimed
    in the database (`seen_event`) so a retry, even to another process, is acknowledged and
    dropped instead of recording an update twice."""

    def claim(event_key: str) -> bool:
        with session_scope(rt.engine) as session:
            return repo.mark_seen(session, event_key, rt.clock.now())

    async def once(req, body: dict, next_, logger) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await asyncio.to_thread(claim, f"slack:{event_id}"):
            retry = (req.headers.get("x-slack-retry-num") or ["?"])[0]
            logger.info("Slack event %s already handled; retry %s acknowledged and dropped", event_id, retry)
            return BoltResponse(status=200, body="")
        await next_()
        return None

    return once


async def slack_events(request: web.Request) -> web.StreamResponse:
    """POST /slack/events: events, slash commands and interactivity on one URL."""
    bolt = request.app[SLACK_BOLT]
    bolt_request = await to_bolt_request(request)
    bolt_response = await bolt.async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


def mount_slack(app: web.Application, rt: Runtime) -> bool:
    """Mount Slack when it is configured: HTTP with a signing secret, Socket Mode with an app
    token (both may be on). Returns False, touching nothing, when Slack is off."""
    settings = rt.settings
    if not settings.slack_enabled:
        return False
    bolt = build_bolt_app(rt)
    app[SLACK_BOLT] = bolt
    if settings.slack_signing_secret:
        app.router.add_post(EVENTS_PATH, slack_events)
    if settings.slack_app_token:
        app.cleanup_ctx.append(_socket_mode(bolt, settings.slack_app_token))
    return True


def _socket_mode(bolt: AsyncApp, app_token: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def connect(_app: web.Application) -> AsyncIterator[None]:
        """Connect in the background: slack_sdk retries a failed connection forever (every 10 s,
        logged), and that must not keep /healthz and Teams from starting."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(bolt, app_token)

        async def run() -> None:
            await handler.connect_async()
            log.info("Slack Socket Mode connected")

        task = asyncio.create_task(run())
        yield
        task.cancel()
        await handler.close_async()

    return connect
