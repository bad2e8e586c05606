"""Microsoft Teams: the `/api/messages` endpoint, proactive sends, packaging.

Only `sdk.py` imports the Bot Framework SDK; everything else here speaks Activity JSON.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:  # imported for their types only: the SDK loads when Teams is mounted
    from bot.config import Settings
    from bot.runtime import Runtime
    from handlers.teams.outbound import TeamsChannel
    from handlers.teams.sdk import TeamsAdapter

log = logging.getLogger(__name__)


def build_adapter(settings: Settings, *, auth_overrides: dict[str, Any] | None = None) -> TeamsAdapter:
    """The CloudAdapter wrapper from MICROSOFT_APP_ID / _PASSWORD / _TENANT_ID / _TYPE."""
    from handlers.teams.sdk import TeamsAdapter

    return TeamsAdapter(
        app_id=settings.microsoft_app_id,
        app_password=settings.microsoft_app_password,
        tenant_id=settings.microsoft_app_tenant_id,
        app_type=settings.microsoft_app_type,
        auth_overrides=auth_overrides,
    )


def mount_teams(app: web.Application, rt: Runtime, *, auth_overrides: dict[str, Any] | None = None) -> str:
    """Serve POST /api/messages on `app` (always: with no app id, in local development mode)."""
    from handlers.teams.endpoint import PATH, MessagesEndpoint
    from handlers.teams.turns import TeamsBot

    dev_mode = not rt.settings.teams_authenticated
    if dev_mode:
        log.warning(
            "Teams is in LOCAL DEVELOPMENT MODE (no MICROSOFT_APP_ID): %s accepts unauthenticated requests, "
            "from this machine only. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD before exposing it.",
            PATH,
        )
    endpoint = MessagesEndpoint(
        build_adapter(rt.settings, auth_overrides=auth_overrides), TeamsBot(rt), dev_mode=dev_mode
    )
    app.router.add_post(PATH, endpoint.handle)
    return "teams"


def teams_outbound(rt: Runtime, **kwargs: Any) -> TeamsChannel:
    """The Teams OutboundChannel for nudges, chases, escalations and digests."""
    from handlers.teams.outbound import TeamsChannel

    kwargs.setdefault("sleep", rt.clock.sleep)  # backoff waits go through the injected clock
    return TeamsChannel(rt.engine, rt.clock, build_adapter(rt.settings), **kwargs)
