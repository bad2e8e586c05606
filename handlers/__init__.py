"""Channel adapters. Each folder translates its platform's events into `ChatRequest`s for the
core and renders replies with its `cards/` module; this module mounts whichever are configured."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.runtime import Runtime


def mount_channels(app: web.Application, rt: Runtime) -> list[str]:
    """Mount each configured channel's inbound endpoint on the app; returns what is active."""
    active: list[str] = []
    from handlers.slack.app import mount_slack

    if mount_slack(app, rt):  # only with SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET or SLACK_APP_TOKEN
        active.append("slack")
    from handlers.teams import mount_teams

    active.append(mount_teams(app, rt))  # always: without MICROSOFT_APP_ID in local development mode
    active += ["email"] if _email().mount(app, rt) else []
    return active


def outbound_channels(rt: Runtime) -> dict[str, Any]:
    """The channels that can send (nudges, escalations, digests) with the current settings."""
    channels: dict[str, Any] = {}
    if rt.settings.slack_enabled:
        from handlers.slack.outbound import SlackChannel

        channels["slack"] = SlackChannel(rt.settings, rt.clock.sleep, engine=rt.engine, clock=rt.clock)
    from handlers.teams import teams_outbound

    channels["teams"] = teams_outbound(rt)
    channels.update({"email": c} if (c := _email().outbound(rt)) else {})
    return channels


def _email():
    """The email channel plugin (handlers/email), imported when asked for."""
    from handlers.email import CHANNEL

    return CHANNEL
