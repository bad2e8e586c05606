"""Microsoft Teams: the `/api/messages` endpoint, proactive sends, packaging.

Only `sdk.py` imports the Bot Framework SDK; everything else here speaks Activity JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.config_lines import ConfigLine, mask
from handlers.teams.settings import TENANT_REQUIRED, TeamsSettings, teams_settings

if TYPE_CHECKING:  # imported for their types only: the SDK (and aiohttp, for a CLI command) loads when first needed
    from aiohttp import web

    from bot.delivery import OutboundChannel
    from bot.runtime import Runtime
    from handlers.teams.deferred import DeferredAdapter
    from handlers.teams.outbound import TeamsChannel
    from handlers.teams.sdk import TeamsAdapter

log = logging.getLogger(__name__)

PATH = "/api/messages"  # the Bot Framework's messaging endpoint (`handlers.teams.endpoint` serves it)


def build_adapter(settings: TeamsSettings, *, auth_overrides: dict[str, Any] | None = None) -> TeamsAdapter:
    """The CloudAdapter wrapper from MICROSOFT_APP_ID / _PASSWORD / _TENANT_ID / _TYPE."""
    from handlers.teams.sdk import TeamsAdapter

    return TeamsAdapter(
        app_id=settings.microsoft_app_id,
        app_password=settings.microsoft_app_password,
        tenant_id=settings.microsoft_app_tenant_id,
        app_type=settings.microsoft_app_type,
        auth_overrides=auth_overrides,
    )


def deferred_adapter(settings: TeamsSettings, *, auth_overrides: dict[str, Any] | None = None) -> DeferredAdapter:
    """`build_adapter` on first use, off the event loop (`handlers.teams.deferred`)."""
    from handlers.teams.deferred import DeferredAdapter

    return DeferredAdapter(lambda: build_adapter(settings, auth_overrides=auth_overrides))


def mount_teams(app: web.Application, rt: Runtime, *, auth_overrides: dict[str, Any] | None = None) -> str:
    """Serve POST /api/messages on `app` (always: with no app id, in local development mode).
    Nothing of Teams loads while the server starts: the route is a `LazyRoute`, so the endpoint,
    the turn handler and the core's views load with the first request, in a worker thread, and
    the Bot Framework SDK with the first request that passes the endpoint's own checks
    (`handlers.teams.deferred`)."""
    from handlers.lazy_route import LazyRoute

    dev_mode = not teams_settings(rt).teams_authenticated
    if dev_mode:
        log.warning(
            "Teams is in LOCAL DEVELOPMENT MODE (no MICROSOFT_APP_ID): %s accepts unauthenticated requests, "
            "from this machine only. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD before exposing it.",
            PATH,
        )
    adapter = deferred_adapter(teams_settings(rt), auth_overrides=auth_overrides)

    def handler(endpoint_module: Any):
        return endpoint_module.MessagesEndpoint(adapter, endpoint_module.TeamsBot(rt), dev_mode=dev_mode).handle

    app.router.add_post(PATH, LazyRoute("handlers.teams.endpoint", handler).handle)
    return "teams"


def teams_outbound(rt: Runtime, **kwargs: Any) -> TeamsChannel:
    """The Teams OutboundChannel for nudges, chases, escalations and digests."""
    from handlers.teams.outbound import TeamsChannel

    kwargs.setdefault("sleep", rt.clock.sleep)  # backoff waits go through the injected clock
    return TeamsChannel(rt.engine, rt.clock, deferred_adapter(teams_settings(rt)), **kwargs)


class TeamsPlugin:
    """Teams' part in the registry: routes, sender, `config check` lines, banner."""

    name = "teams"

    def settings(self, env: Mapping[str, str]) -> TeamsSettings:
        return TeamsSettings.from_env(env)

    def mount(self, app: web.Application, rt: Runtime) -> bool:
        """Always: with no MICROSOFT_APP_ID in local development mode (loopback only)."""
        mount_teams(app, rt)
        return True

    def outbound(self, rt: Runtime) -> OutboundChannel:
        """Teams' sender, built (its card renderers imported) on its first use (`bot.lazy_channel`)."""
        from bot.lazy_channel import LazyChannel

        return LazyChannel(self.name, lambda: teams_outbound(rt))

    def config_lines(self, env: Mapping[str, str]) -> list[ConfigLine]:
        s = self.settings(env)
        return [
            ConfigLine(
                "teams",
                "MICROSOFT_APP_ID",
                s.microsoft_app_id or "(not set)",
                True,
                "" if s.microsoft_app_id else "not set: local development mode (no auth, loopback only)",
            ),
            ConfigLine(
                "teams",
                "MICROSOFT_APP_PASSWORD",
                mask(s.microsoft_app_password),
                bool(s.microsoft_app_password) or not s.microsoft_app_id,
                "required with MICROSOFT_APP_ID" if s.microsoft_app_id and not s.microsoft_app_password else "",
            ),
            ConfigLine(
                "teams",
                "MICROSOFT_APP_TENANT_ID",
                s.microsoft_app_tenant_id or "(not set)",
                bool(s.microsoft_app_tenant_id)
                or not s.microsoft_app_id
                or s.microsoft_app_type not in TENANT_REQUIRED,
                f"required for {s.microsoft_app_type}: the Directory (tenant) ID of the bot's app registration"
                if s.microsoft_app_id and s.microsoft_app_type in TENANT_REQUIRED and not s.microsoft_app_tenant_id
                else "",
            ),
            _app_type_line(s),
        ]

    def summary(self, env: Mapping[str, str]) -> str:
        s = self.settings(env)
        mode = "authenticated" if s.teams_authenticated else "local development mode (no auth, loopback only)"
        return f"at /api/messages, {mode}"

    def banner(self, rt: Runtime, url: str) -> list[str]:
        s = teams_settings(rt)
        auth = "authenticated" if s.teams_authenticated else "local development mode: no auth, loopback only"
        lines = [f"Teams:   {url}/api/messages ({auth})"]
        if not s.teams_authenticated:
            lines.append(
                "         try it: npx -p @microsoft/m365agentsplayground agentsplayground "
                f"-e {url}/api/messages -c msteams"
            )
        return lines

    def talks_to_people(self, rt: Runtime) -> bool:
        """Only once registered: local development mode answers this machine alone."""
        return teams_settings(rt).teams_authenticated


def _app_type_line(s: TeamsSettings) -> ConfigLine:
    if s.microsoft_app_type == "MultiTenant":
        return ConfigLine(
            "teams",
            "MICROSOFT_APP_TYPE",
            s.microsoft_app_type,
            True,
            "Azure stopped creating multi-tenant bot registrations after 31 July 2025: an existing one "
            "still works, but register new bots as SingleTenant (set MICROSOFT_APP_TENANT_ID)",
            warning=True,
        )
    return ConfigLine("teams", "MICROSOFT_APP_TYPE", s.microsoft_app_type, True)


CHANNEL = TeamsPlugin()
