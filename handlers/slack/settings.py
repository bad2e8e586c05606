"""Slack's settings (`SLACK_*`), read by the Slack channel only.

They live with the channel so the core's `Settings` names no platform: a channel brings its own
environment variables, validated when the channel loads them (`slack_settings`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import settings_from
from cards.blockkit_ids import DEFAULT_SLACK_COMMAND

if TYPE_CHECKING:
    from bot.runtime import Runtime

# Slack's built-in commands: an app cannot register them, and a manifest that lists one is
# refused whole ("the slash command has an invalid name"). `/status` is one of them.
SLACK_RESERVED_COMMANDS = frozenset(
    [
        "/status",
        "/me",
        "/join",
        "/away",
        "/dnd",
        "/shrug",
        "/remind",
        "/msg",
        "/feed",
        "/who",
        "/collapse",
        "/expand",
        "/leave",
        "/open",
        "/search",
        "/topic",
        "/mute",
        "/pro",
        "/shortcuts",
        "/invite",
        "/archive",
        "/kick",
        "/rename",
    ]
)
_SLACK_COMMAND_NAME = re.compile(r"^/[a-z0-9][a-z0-9_-]{0,30}$")


class SlackSettings(BaseSettings):
    """SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, SLACK_SIT_CHANNEL, SLACK_API_URL,
    SLACK_COMMAND (case-insensitive, from the environment or `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_sit_channel: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_command: str = Field(DEFAULT_SLACK_COMMAND, description="The slash command registered in manifest.yml")

    @field_validator("slack_command")
    @classmethod
    def _usable_slack_command(cls, value: str) -> str:
        """Refuse at start-up what Slack would refuse at install: a built-in name (the manifest
        is then rejected whole) or a malformed one."""
        name = value.strip().lower()
        if name and not name.startswith("/"):
            name = "/" + name
        if name in SLACK_RESERVED_COMMANDS:
            raise ValueError(
                f"SLACK_COMMAND {value!r} is one of Slack's built-in commands, which no app can register; "
                f"use e.g. {DEFAULT_SLACK_COMMAND} or {DEFAULT_SLACK_COMMAND}-test"
            )
        if not _SLACK_COMMAND_NAME.match(name):
            raise ValueError(
                f"SLACK_COMMAND {value!r} is not a Slack command name: a '/' and up to 31 lower-case "
                f"letters, digits, '-' or '_', e.g. {DEFAULT_SLACK_COMMAND}"
            )
        return name

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))

    @property
    def slack_command_prefix(self) -> str:
        """What a person types in Slack before a command the bot suggests: `/actionbot `."""
        return self.slack_command + " "

    @property
    def slack_socket_mode(self) -> bool:
        return bool(self.slack_bot_token and self.slack_app_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings:
        return settings_from(cls, env)


def slack_settings(rt: Runtime) -> SlackSettings:
    """This process's Slack settings: given to the runtime (tests), else read once from the
    environment."""
    return rt.channel_settings_for("slack", SlackSettings)
