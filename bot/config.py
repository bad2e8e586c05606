"""Settings from the environment (and an optional `.env`), validated once at start-up.

Every channel is optional: the bot runs with no credentials at all (terminal channel, Teams in
local development mode), so a council can try it before it registers anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.import_limits import DEFAULT_LIMITS, ImportLimits

DEFAULT_DATABASE_URL = "sqlite:///actionbot.db"
DEFAULT_SLACK_COMMAND = "/actionbot"
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
# App types that sign in to one tenant, so the SDK needs its id (APP_TENANTID).
TENANT_REQUIRED = ("SingleTenant", "UserAssignedMSI")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """All configuration, by environment variable name (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL; SQLite by default")
    port: int = Field(3978, description="HTTP port for /healthz, /slack/events and /api/messages")
    host: str = Field("0.0.0.0", description="Interface to bind")
    actionbot_now: str | None = Field(None, description="Pretend 'now' (ISO date/time) for demos")
    actionbot_speed: float = Field(1.0, description="How fast the pretend clock runs (1 = real time)")
    actionbot_policy: Path | None = Field(None, description="Scheduler policy YAML; defaults built in")
    actionbot_plan: str | None = Field(None, description="Plan key to use when several are loaded")
    actionbot_timezone: str = Field("Europe/London", description="Default time zone for people")
    actionbot_secret_key: str | None = Field(
        None, repr=False, description="Signs links (email answers, board sign-ins); at least 32 random characters"
    )

    # Limits on imported files (plans, people, indicator readings): storage.import_limits
    actionbot_import_max_bytes: int = Field(DEFAULT_LIMITS.max_bytes, gt=0, description="Largest file, bytes")
    actionbot_import_max_unzipped_bytes: int = Field(
        DEFAULT_LIMITS.max_unzipped_bytes, gt=0, description="Largest .xlsx/.docx once unzipped, bytes"
    )
    actionbot_import_max_rows: int = Field(DEFAULT_LIMITS.max_rows, gt=0, description="Most rows in a file")
    actionbot_import_max_cell_chars: int = Field(
        DEFAULT_LIMITS.max_cell_chars, gt=0, description="Most characters in one cell"
    )
    actionbot_import_max_zip_ratio: int = Field(
        DEFAULT_LIMITS.max_zip_ratio, gt=0, description="Most a zip member may expand (uncompressed/compressed)"
    )

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_sit_channel: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_command: str = Field(DEFAULT_SLACK_COMMAND, description="The slash command registered in manifest.yml")

    # --- Teams registration (Azure creates single-tenant bots only since 31 July 2025) ---
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "SingleTenant"

    # --- logging (bot.logging_setup) ---
    actionbot_log_format: str = Field("text", description="text (one readable line) or json (one object per line)")
    actionbot_log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")

    # --- the board's web view (handlers/web, bot.board_access) ---
    actionbot_public_url: str | None = Field(
        None, description="The bot's address as people's browsers reach it (board links); default http://127.0.0.1:PORT"
    )
    actionbot_trusted_user_header: str | None = Field(
        None, description="Header a single-sign-on proxy sets to the signed-in user (read only from trusted proxies)"
    )
    actionbot_trusted_proxies: str = Field("", description="CIDRs of the sign-on proxies (the TCP peer is checked)")

    @field_validator("actionbot_trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        from bot.board_access import BoardAccessError, parse_proxies

        try:
            parse_proxies(value)
        except BoardAccessError as exc:
            raise ValueError(f"ACTIONBOT_TRUSTED_PROXIES: {exc}") from None
        return value

    @field_validator("actionbot_public_url")
    @classmethod
    def _public_url_is_http(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"ACTIONBOT_PUBLIC_URL {value!r}: use an http(s):// address")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError(
                f"DATABASE_URL {value!r} is not supported: use sqlite:///path.db or "
                "postgresql+psycopg://user@host/dbname"
            )
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

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

    @field_validator("microsoft_app_type")
    @classmethod
    def _known_app_type(cls, value: str) -> str:
        allowed = {"singletenant": "SingleTenant", "multitenant": "MultiTenant", "userassignedmsi": "UserAssignedMSI"}
        key = value.replace("_", "").replace("-", "").lower()
        if key not in allowed:
            raise ValueError(f"MICROSOFT_APP_TYPE {value!r}: use SingleTenant, MultiTenant or UserAssignedMSI")
        return allowed[key]

    @model_validator(mode="after")
    def _tenant_for_single_tenant(self) -> Settings:
        """A SingleTenant bot signs in to its own tenant for every reply and proactive message:
        without the tenant id botbuilder fails deep inside the adapter ("Property 'APP_TENANTID'
        is expected"), so refuse at start-up with the variable's name instead."""
        if self.microsoft_app_id and self.microsoft_app_type in TENANT_REQUIRED and not self.microsoft_app_tenant_id:
            raise ValueError(
                f"MICROSOFT_APP_TENANT_ID is not set: a {self.microsoft_app_type} bot "
                f"(MICROSOFT_APP_TYPE{', the default' if self.microsoft_app_type == 'SingleTenant' else ''}) "
                "needs its Microsoft Entra tenant id (Azure portal → the bot's app registration → Overview → "
                "Directory (tenant) ID)"
            )
        return self

    @field_validator("actionbot_log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value.strip().lower() not in ("text", "json"):
            raise ValueError(f"ACTIONBOT_LOG_FORMAT {value!r}: use text or json")
        return value.strip().lower()

    @field_validator("actionbot_log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"ACTIONBOT_LOG_LEVEL {value!r}: use one of {', '.join(LOG_LEVELS)}")
        return level

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

    @property
    def board_url(self) -> str:
        """Where people's browsers reach the board (`ACTIONBOT_PUBLIC_URL`, else this machine)."""
        return self.actionbot_public_url or f"http://127.0.0.1:{self.port}"

    @property
    def trusted_proxies(self):
        from bot.board_access import parse_proxies

        return parse_proxies(self.actionbot_trusted_proxies)

    @property
    def teams_authenticated(self) -> bool:
        return bool(self.microsoft_app_id)

    @property
    def import_limits(self) -> ImportLimits:
        """The ACTIONBOT_IMPORT_* settings as the importers take them."""
        return ImportLimits(
            max_bytes=self.actionbot_import_max_bytes,
            max_unzipped_bytes=self.actionbot_import_max_unzipped_bytes,
            max_rows=self.actionbot_import_max_rows,
            max_cell_chars=self.actionbot_import_max_cell_chars,
            max_zip_ratio=self.actionbot_import_max_zip_ratio,
        )


@dataclass(frozen=True)
class CheckLine:
    area: str
    name: str
    value: str
    ok: bool
    hint: str = ""
    warning: bool = False  # works today, but should be changed (shown as "!!")


def mask(secret: str | None) -> str:
    """Show enough of a secret to recognise it, never enough to use it."""
    if not secret:
        return "(not set)"
    if len(secret) <= 8:
        return "****"
    return f"{secret[:4]}…{secret[-2:]} ({len(secret)} chars)"


def check(settings: Settings) -> list[CheckLine]:
    """What is configured for each area, with secrets masked and a hint for what is missing."""
    s = settings
    lines = [
        CheckLine(
            "database",
            "DATABASE_URL",
            _mask_url(s.database_url),
            True,
            "" if not s.database_url.startswith("sqlite") else "SQLite (default); use PostgreSQL in production",
        ),
        CheckLine(
            "slack",
            "SLACK_BOT_TOKEN",
            mask(s.slack_bot_token),
            bool(s.slack_bot_token),
            "" if s.slack_bot_token else "xoxb-… from your Slack app's OAuth page",
        ),
        CheckLine(
            "slack",
            "SLACK_SIGNING_SECRET",
            mask(s.slack_signing_secret),
            bool(s.slack_signing_secret),
            "" if s.slack_signing_secret else "Basic Information → Signing Secret (HTTP mode)",
        ),
        CheckLine("slack", "SLACK_APP_TOKEN", mask(s.slack_app_token), True, "optional: xapp-… turns on Socket Mode"),
        CheckLine(
            "slack",
            "SLACK_SIT_CHANNEL",
            s.slack_sit_channel or "(not set)",
            bool(s.slack_sit_channel),
            "" if s.slack_sit_channel else "channel id for digests and reports, e.g. C0123456",
        ),
        CheckLine("slack", "SLACK_API_URL", s.slack_api_url, True),
        CheckLine("slack", "SLACK_COMMAND", s.slack_command, True, "must match the command in manifest.yml"),
        CheckLine(
            "teams",
            "MICROSOFT_APP_ID",
            s.microsoft_app_id or "(not set)",
            True,
            "" if s.microsoft_app_id else "not set: local development mode (no auth, loopback only)",
        ),
        CheckLine(
            "teams",
            "MICROSOFT_APP_PASSWORD",
            mask(s.microsoft_app_password),
            bool(s.microsoft_app_password) or not s.microsoft_app_id,
            "required with MICROSOFT_APP_ID" if s.microsoft_app_id and not s.microsoft_app_password else "",
        ),
        CheckLine(
            "teams",
            "MICROSOFT_APP_TENANT_ID",
            s.microsoft_app_tenant_id or "(not set)",
            bool(s.microsoft_app_tenant_id) or not s.microsoft_app_id or s.microsoft_app_type not in TENANT_REQUIRED,
            f"required for {s.microsoft_app_type}: the Directory (tenant) ID of the bot's app registration"
            if s.microsoft_app_id and s.microsoft_app_type in TENANT_REQUIRED and not s.microsoft_app_tenant_id
            else "",
        ),
        _app_type_line(s),
        CheckLine("logging", "ACTIONBOT_LOG_FORMAT", s.actionbot_log_format, True),
        CheckLine("logging", "ACTIONBOT_LOG_LEVEL", s.actionbot_log_level, True),
    ]
    return lines


def _app_type_line(s: Settings) -> CheckLine:
    if s.microsoft_app_type == "MultiTenant":
        return CheckLine(
            "teams",
            "MICROSOFT_APP_TYPE",
            s.microsoft_app_type,
            True,
            "Azure stopped creating multi-tenant bot registrations after 31 July 2025: an existing one "
            "still works, but register new bots as SingleTenant (set MICROSOFT_APP_TENANT_ID)",
            warning=True,
        )
    return CheckLine("teams", "MICROSOFT_APP_TYPE", s.microsoft_app_type, True)


def _mask_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":****"
        return f"{scheme}://{creds}@{host}"
    return url
