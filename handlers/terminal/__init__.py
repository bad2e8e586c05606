"""The terminal channel: the same conversation without any workspace (trying, training).

It has no settings, no routes and no sender of its own in `serve`: its sender
(`handlers.terminal.chat.TerminalChannel`) exists only while `actionbot chat` runs, which adds
it to that process's channels itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.config_lines import ConfigLine

if TYPE_CHECKING:
    from aiohttp import web

    from bot.delivery import OutboundChannel
    from bot.runtime import Runtime


class TerminalPlugin:
    """The terminal's part in the registry: nothing to mount or configure."""

    name = "terminal"

    def settings(self, env: Mapping[str, str]) -> None:
        return None

    def mount(self, app: web.Application, rt: Runtime) -> bool:
        return False

    def outbound(self, rt: Runtime) -> OutboundChannel | None:
        return None

    def config_lines(self, env: Mapping[str, str]) -> list[ConfigLine]:
        return []

    def summary(self, env: Mapping[str, str]) -> str:
        return "always: `actionbot chat --as DCS`"

    def banner(self, rt: Runtime, url: str) -> list[str]:
        return []

    def talks_to_people(self, rt: Runtime) -> bool:
        return False


CHANNEL = TerminalPlugin()
