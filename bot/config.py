"""Settings from the environment (and an optional `.env`), validated once at start-up.

Only what the core needs is here (database, clock, policy, plan, import limits, logging): each
channel reads its own variables with its own settings class (`handlers/<name>/settings.py`), so
adding a channel adds nothing to this file. Every channel is optional: the bot runs with no
credentials at all (the terminal channel, or a chat channel in its local development mode), so
a council can try it before it registers anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config_lines import ConfigLine, mask_url
from storage.defaults import DEFAULT_DATABASE_URL
from storage.import_limits import DEFAULT_LIMITS, ImportLimits

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """All configuration, by environment variable name (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL; SQLite by default")
    port: int = Field(3978, description="HTTP port for /healthz and every channel's routes")
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
    def board_url(self) -> str:
        """Where people's browsers reach the board (`ACTIONBOT_PUBLIC_URL`, else this machine)."""
        return self.actionbot_public_url or f"http://127.0.0.1:{self.port}"

    @property
    def trusted_proxies(self):
        from bot.board_access import parse_proxies

        return parse_proxies(self.actionbot_trusted_proxies)

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


def check(settings: Settings) -> list[ConfigLine]:
    """The core's lines of `config check` (database, logging); each channel adds its own
    through `handlers.registry.config_lines`."""
    s = settings
    return [
        ConfigLine(
            "database",
            "DATABASE_URL",
            mask_url(s.database_url),
            True,
            "" if not s.database_url.startswith("sqlite") else "SQLite (default); use PostgreSQL in production",
        ),
        ConfigLine("logging", "ACTIONBOT_LOG_FORMAT", s.actionbot_log_format, True),
        ConfigLine("logging", "ACTIONBOT_LOG_LEVEL", s.actionbot_log_level, True),
    ]


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def settings_from(cls: type[SettingsT], env: Mapping[str, str]) -> SettingsT:
    """A settings class loaded as usual (environment, `.env`) with the variables in `env` on top:
    how a channel reads its own settings from the mapping `config check` hands it."""
    fields = {name.lower() for name in cls.model_fields}
    given = {key.lower(): value for key, value in env.items() if key.lower() in fields}
    return cls(**given)
