"""The email channel's settings, read from its own environment variables.

Kept out of `bot.config.Settings` so that adding a channel adds no field to the core. Secrets
(the SMTP password inside `SMTP_URL`, `ACTIONBOT_SECRET_KEY`, `ACTIONBOT_INBOUND_SECRET`) are
only ever shown masked (`config_lines`).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SCHEMES = {"smtp": "starttls", "smtps": "tls", "smtp+plain": "plain"}
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "plain": 25}


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to hand mail over: `smtp://` upgrades with STARTTLS (required, not
    opportunistic), `smtps://` speaks TLS from the first byte, `smtp+plain://` neither (a relay
    on this machine, or the tests' local server)."""

    host: str
    port: int
    security: str  # starttls | tls | plain
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://user:pass@host:587` → SmtpTarget; ValueError naming what is wrong."""
    parts = urlsplit(url.strip())
    security = SCHEMES.get(parts.scheme.lower())
    if security is None:
        raise ValueError(f"SMTP_URL must start with {', '.join(s + '://' for s in SCHEMES)}")
    if not parts.hostname:
        raise ValueError("SMTP_URL names no host, e.g. smtp://user:password@mail.example.org:587")
    try:
        port = parts.port or DEFAULT_PORTS[security]
    except ValueError as exc:
        raise ValueError(f"SMTP_URL has a bad port: {exc}") from None
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class EmailSettings(BaseSettings):
    """Everything the email channel reads, by environment variable name (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    smtp_url: str | None = Field(None, description="smtp://user:pass@host:587 (STARTTLS), smtps:// or smtp+plain://")
    actionbot_mail_from: str | None = Field(None, description="The From address of the bot's mail")
    actionbot_secret_key: str | None = Field(None, description="Signs the one-click links (bot.signed_links)")
    actionbot_inbound_secret: str | None = Field(None, description="Shared secret header for POST /mail/inbound")
    actionbot_public_url: str = Field(
        "http://localhost:3978", description="Where people's browsers reach `actionbot serve` (links in mail)"
    )
    actionbot_sit_email: str | None = Field(None, description="The SIT's mailbox for digests and notices")
    actionbot_link_days: int = Field(14, gt=0, le=90, description="How long a one-click link works, days")
    actionbot_mail_max_bytes: int = Field(
        256_000, gt=1000, description="Largest raw message POST /mail/inbound accepts, bytes"
    )
    actionbot_inbound_require_auth: bool = Field(
        False,
        description="POST /mail/inbound accepts a reply only when Authentication-Results says its From domain passed",
    )
    actionbot_smtp_timeout: float = Field(30.0, gt=0, description="Seconds before an SMTP exchange is given up")

    @field_validator("smtp_url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        if value:
            parse_smtp_url(value)
        return value or None

    @field_validator("actionbot_public_url")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("ACTIONBOT_PUBLIC_URL must start with http:// or https://")
        return value.rstrip("/")

    @property
    def configured(self) -> bool:
        """Mail is wanted: an SMTP server and a From address are set."""
        return bool(self.smtp_url and self.actionbot_mail_from)

    @property
    def target(self) -> SmtpTarget:
        if not self.smtp_url:
            raise ValueError("SMTP_URL is not set")
        return parse_smtp_url(self.smtp_url)

    def refusal(self) -> str | None:
        """Why email must not start although it is configured (None: it may). The one-click
        links are the channel's sign-in, so without a signing key there is no email at all."""
        if not self.configured:
            return None
        from bot.signed_links import SecretKeyMissing, check_secret

        try:
            check_secret(self.actionbot_secret_key)
        except SecretKeyMissing as exc:
            return f"the email channel will not start: {exc}"
        return None
