"""The channel registry: the one place that lists the channels, one line each.

Each entry is a package whose `__init__` exposes `CHANNEL` with
- `name` ("terminal", "slack", "teams", …),
- `mount(app, rt) -> bool`: add its inbound routes when configured; True if active,
- `outbound(rt) -> OutboundChannel | None`: its sender for nudges, chases, escalations and
  digests, None when not configured,
- `config_lines(env) -> list[ConfigLine]`: its lines in `actionbot config check`,
and optionally `settings(env)` (its settings object: secrets in it are kept out of the logs),
`summary(env)` (one line under `config check`), `banner(rt, url)` (its lines in `serve`'s
banner) and `talks_to_people(rt)`. Modules are imported lazily, when the registry is first
used, so a channel's SDK loads only in a process that needs it (and not at all for
`config check` unless its `__init__` imports it, which none does).

Everything that used to name a channel (mounting, the senders, `config check`, the banner)
iterates `channels()` instead, so a new channel is its folder, its `cards/` renderer and one
line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from bot.config_lines import ConfigLine

if TYPE_CHECKING:
    from aiohttp import web

    from bot.delivery import OutboundChannel
    from bot.runtime import Runtime

CHANNELS = (
    "handlers.terminal",
    "handlers.slack",
    "handlers.teams",
    "handlers.email",
)


class Channel(Protocol):
    """What a channel package's `CHANNEL` provides (the optional parts are read with getattr)."""

    name: str

    def mount(self, app: web.Application, rt: Runtime) -> bool: ...

    def outbound(self, rt: Runtime) -> OutboundChannel | None: ...

    def config_lines(self, env: Mapping[str, str]) -> list[ConfigLine]: ...


def channels(modules: Iterable[str] | None = None) -> list[Channel]:
    """Every registered channel, in registration order (`CHANNELS` read at each call)."""
    return [importlib.import_module(module).CHANNEL for module in (CHANNELS if modules is None else modules)]


def names() -> list[str]:
    return [channel.name for channel in channels()]


def mount_all(app: web.Application, rt: Runtime) -> list[str]:
    """Mount each configured channel's inbound routes on the app; returns the active ones."""
    return [channel.name for channel in channels() if channel.mount(app, rt)]


def outbound_all(rt: Runtime) -> dict[str, OutboundChannel]:
    """The senders of every configured channel (what `bot.delivery` picks from), by name."""
    senders: dict[str, OutboundChannel] = {}
    for channel in channels():
        sender = channel.outbound(rt)
        if sender is not None:
            senders[channel.name] = sender
    return senders


def config_lines(env: Mapping[str, str]) -> list[ConfigLine]:
    """Every channel's lines of `config check`, in registration order."""
    return [line for channel in channels() for line in channel.config_lines(env)]


def summaries(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(channel name, one-line state) for the foot of `config check`."""
    out: list[tuple[str, str]] = []
    for channel in channels():
        summary = getattr(channel, "summary", None)
        if summary is not None:
            out.append((channel.name, summary(env)))
    return out


def banner_lines(rt: Runtime, url: str) -> list[str]:
    """Each channel's lines in `serve`'s banner (a channel without `banner` gets one line, which
    says on or off as its `talks_to_people` does, or on when it has none)."""
    lines: list[str] = []
    for channel in channels():
        banner = getattr(channel, "banner", None)
        if banner is not None:
            lines.extend(banner(rt, url))
        else:
            on = getattr(channel, "talks_to_people", lambda _rt: True)(rt)
            lines.append(f"{channel.name}: {'on' if on else 'off'}")
    return lines


def anyone_can_talk(rt: Runtime) -> bool:
    """Whether a configured channel lets people reach the bot (else the banner points at `chat`)."""
    return any(getattr(channel, "talks_to_people", lambda _rt: True)(rt) for channel in channels())


def channel_settings(env: Mapping[str, str]) -> list[Any]:
    """Each channel's settings object (for the log redactor). A channel whose settings do not
    validate is left out (the command that uses it reports the error) rather than failing the
    whole list: one mistyped variable (say SMTP_URL) must not cost every other channel's
    secrets their redaction."""
    from pydantic import ValidationError

    found = []
    for channel in channels():
        load = getattr(channel, "settings", None)
        try:
            settings = load(env) if load is not None else None
        except ValidationError:
            continue
        if settings is not None:
            found.append(settings)
    return found
