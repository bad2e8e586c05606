"""Channel adapters. Each folder translates its platform's events into `ChatRequest`s for the
core and renders replies with its `cards/` module; this module mounts whichever are configured."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.runtime import Runtime


def mount_channels(app: web.Application, rt: Runtime) -> list[str]:
    """Mount each configured channel's inbound endpoint on the app; returns what is active."""
    active: list[str] = []
    return active


def outbound_channels(rt: Runtime) -> dict[str, Any]:
    """The channels that can send (nudges, escalations, digests) with the current settings."""
    channels: dict[str, Any] = {}
    return channels
