"""Slack's routes on the project's aiohttp server, mounted without loading Slack.

`serve` mounts `POST /slack/events` as a `handlers.lazy_route.LazyRoute`: slack_bolt,
slack_sdk and the listeners (`handlers.slack.app`, about half a second of CPU on the 2-core
machine) load with the first Slack request, in a worker thread, and the Bolt app is built then,
once (issue #14: `/healthz` within 2 s of the start). Every request, the first included, goes
through `handlers.slack.app`'s signature check and then Bolt's, unchanged. Socket Mode has no
inbound route: it loads and builds the same Bolt app in its background connection task.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from handlers.lazy_route import LazyRoute
from handlers.slack.pacing import Pacing
from handlers.slack.settings import SlackSettings, slack_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
APP_MODULE = "handlers.slack.app"


class SlackMount:
    """One process's Slack: the pacing of its answers and the Bolt app, built on first use."""

    def __init__(self, rt: Runtime, settings: SlackSettings):
        self.rt, self.settings = rt, settings
        self.pacing = Pacing()
        self.route = LazyRoute(APP_MODULE, self._events_handler)
        self._bolt: Any = None

    def bolt(self, app_module: ModuleType) -> Any:
        """The Bolt app (`handlers.slack.app.build_bolt_app`), built on the loop, once."""
        if self._bolt is None:
            self._bolt = app_module.build_bolt_app(self.rt, self.pacing)
        return self._bolt

    def _events_handler(self, app_module: ModuleType) -> Any:
        return app_module.events_handler(self.bolt(app_module), self.settings.slack_signing_secret or "")

    def socket_mode(self, app_token: str):
        async def connect(_app: web.Application) -> AsyncIterator[None]:
            """Connect in the background: slack_sdk retries a failed connection forever (every 10 s,
            logged), and that must not keep /healthz and Teams from starting."""
            handler = None

            async def run() -> None:
                nonlocal handler
                app_module = await asyncio.to_thread(importlib.import_module, APP_MODULE)
                from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

                handler = AsyncSocketModeHandler(self.bolt(app_module), app_token)
                await handler.connect_async()
                log.info("Slack Socket Mode connected")

            task = asyncio.create_task(run())
            yield
            task.cancel()
            if handler is not None:
                await handler.close_async()

        return connect


def mount_slack(app: web.Application, rt: Runtime) -> bool:
    """Mount Slack when it is configured: HTTP with a signing secret, Socket Mode with an app
    token (both may be on). Returns False, touching nothing, when Slack is off."""
    settings = slack_settings(rt)
    if not settings.slack_enabled:
        return False
    slack = SlackMount(rt, settings)
    app.cleanup_ctx.append(slack.pacing.lifetime())
    if settings.slack_signing_secret:
        app.router.add_post(EVENTS_PATH, slack.route.handle)
    if settings.slack_app_token:
        app.cleanup_ctx.append(slack.socket_mode(settings.slack_app_token))
    return True
