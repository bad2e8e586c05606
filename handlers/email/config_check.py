"""The email channel's lines in `actionbot config check`: what is set, secrets masked, and
what is missing for which part (sending, the answer pages, replies)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from bot.config_lines import mask


def config_lines(env: Mapping[str, str]) -> list:
    from bot.config_lines import ConfigLine
    from handlers.email.settings import EmailSettings, parse_smtp_url

    def get(name: str) -> str:
        for key, value in env.items():
            if key.upper() == name:
                return value
        return ""

    smtp = get("SMTP_URL")
    sender = get("ACTIONBOT_MAIL_FROM")
    key = get("ACTIONBOT_SECRET_KEY")
    inbound = get("ACTIONBOT_INBOUND_SECRET")
    lines = []
    if smtp:
        try:
            t = parse_smtp_url(smtp)
            shown = f"{t.security} {t.host}:{t.port}" + (
                f" as {t.username} (password {mask(t.password)})" if t.username else ""
            )
            lines.append(ConfigLine("email", "SMTP_URL", shown, True))
        except ValueError as exc:
            lines.append(ConfigLine("email", "SMTP_URL", "(invalid)", False, str(exc)))
    else:
        lines.append(
            ConfigLine("email", "SMTP_URL", "(not set)", True, "optional: smtp://user:pass@host:587 turns on email")
        )
    lines.append(
        ConfigLine(
            "email",
            "ACTIONBOT_MAIL_FROM",
            sender or "(not set)",
            bool(sender) or not smtp,
            "required with SMTP_URL: the bot's From address" if smtp and not sender else "",
        )
    )
    from bot.signed_links import MIN_SECRET_CHARS

    key_ok = len(key) >= MIN_SECRET_CHARS
    lines.append(
        ConfigLine(
            "email",
            "ACTIONBOT_SECRET_KEY",
            mask(key or None),
            key_ok or not smtp,
            "" if key_ok else f"required for email ({MIN_SECRET_CHARS}+ random characters): it signs the answer links",
        )
    )
    lines.append(
        ConfigLine(
            "email",
            "ACTIONBOT_INBOUND_SECRET",
            mask(inbound or None),
            True,
            "" if inbound else "optional: turns on POST /mail/inbound for emailed replies",
        )
    )
    try:
        s = EmailSettings(
            **{
                k.lower(): v
                for k, v in env.items()
                if k.upper()
                in {"ACTIONBOT_PUBLIC_URL", "ACTIONBOT_SIT_EMAIL", "ACTIONBOT_LINK_DAYS", "ACTIONBOT_INBOUND_REQUIRE_AUTH"}
            }
        )
        lines.append(
            ConfigLine(
                "email",
                "ACTIONBOT_PUBLIC_URL",
                s.actionbot_public_url,
                True,
                "where browsers reach `actionbot serve` (the links in mail)",
            )
        )
        lines.append(
            ConfigLine(
                "email",
                "ACTIONBOT_SIT_EMAIL",
                s.actionbot_sit_email or "(not set)",
                True,
                "" if s.actionbot_sit_email else "optional: the SIT's mailbox for digests",
            )
        )
        if inbound:  # only meaningful with emailed replies on
            lines.append(
                ConfigLine(
                    "email",
                    "ACTIONBOT_INBOUND_REQUIRE_AUTH",
                    "true" if s.actionbot_inbound_require_auth else "false",
                    True,
                    "" if s.actionbot_inbound_require_auth else "replies refused only when authentication failed",
                )
            )
    except ValidationError as exc:
        lines.append(ConfigLine("email", "ACTIONBOT_PUBLIC_URL", "(invalid)", False, str(exc.errors()[0]["msg"])))
    return lines
