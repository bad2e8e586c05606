"""The Slack channel: slack-bolt's AsyncApp on the project's aiohttp server (HTTP at
`POST /slack/events`, or Socket Mode), translating Slack payloads into `ChatRequest`s and
rendering replies with `cards.blockkit`. Built only when Slack is configured.

`CHANNEL` is what `handlers.registry` loads; Bolt and slack_sdk are imported only when it is
used, so listing the channels costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.config_lines import ConfigLine, mask
from handlers.slack.settings import SlackSettings, slack_settings

if TYPE_CHECKING:
    from aiohttp import web

    from bot.delivery import OutboundChannel
    from bot.runtime import Runtime


class SlackPlugin:
    """Slack's part in the registry: routes, sender, `config check` lines, banner."""

    name = "slack"

    def settings(self, env: Mapping[str, str]) -> SlackSettings:
        return SlackSettings.from_env(env)

    def mount(self, app: web.Application, rt: Runtime) -> bool:
        """Only with SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)."""
        from handlers.slack.mount import mount_slack

        return mount_slack(app, rt)

    def outbound(self, rt: Runtime) -> OutboundChannel | None:
        """Slack's sender, built (slack_sdk imported) on its first use (`bot.lazy_channel`)."""
        settings = slack_settings(rt)
        if not settings.slack_enabled:
            return None
        from bot.lazy_channel import LazyChannel

        def build() -> OutboundChannel:
            from handlers.slack.outbound import SlackChannel

            return SlackChannel(settings, rt.clock.sleep, engine=rt.engine, clock=rt.clock)

        return LazyChannel(self.name, build)

    def config_lines(self, env: Mapping[str, str]) -> list[ConfigLine]:
        s = self.settings(env)
        return [
            ConfigLine(
                "slack",
                "SLACK_BOT_TOKEN",
                mask(s.slack_bot_token),
                bool(s.slack_bot_token),
                "" if s.slack_bot_token else "xoxb-… from your Slack app's OAuth page",
            ),
            ConfigLine(
                "slack",
                "SLACK_SIGNING_SECRET",
                mask(s.slack_signing_secret),
                bool(s.slack_signing_secret),
                "" if s.slack_signing_secret else "Basic Information → Signing Secret (HTTP mode)",
            ),
            ConfigLine("slack", "SLACK_APP_TOKEN", mask(s.slack_app_token), True, "optional: xapp-… turns on Socket Mode"),
            ConfigLine(
                "slack",
                "SLACK_SIT_CHANNEL",
                s.slack_sit_channel or "(not set)",
                bool(s.slack_sit_channel),
                "" if s.slack_sit_channel else "channel id for digests and reports, e.g. C0123456",
            ),
            ConfigLine("slack", "SLACK_API_URL", s.slack_api_url, True),
            ConfigLine("slack", "SLACK_COMMAND", s.slack_command, True, "must match the command in manifest.yml"),
        ]

    def summary(self, env: Mapping[str, str]) -> str:
        """One line under `config check`: is Slack on, and how."""
        s = self.settings(env)
        if not s.slack_enabled:
            return "off"
        return "on (" + ("Socket Mode" if s.slack_socket_mode else "HTTP at /slack/events") + ")"

    def banner(self, rt: Runtime, url: str) -> list[str]:
        s = slack_settings(rt)
        if not s.slack_enabled:
            return ["Slack:   off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; see README)"]
        mode = "Socket Mode" if s.slack_socket_mode else f"HTTP at {url}/slack/events"
        return [f"Slack:   on ({mode}); Web API {s.slack_api_url}"]

    def talks_to_people(self, rt: Runtime) -> bool:
        """Whether people can reach the bot here without further setup (the banner's hint)."""
        return slack_settings(rt).slack_enabled


CHANNEL = SlackPlugin()
