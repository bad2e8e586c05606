"""One line of `actionbot config check`, and how a value is shown there.

The core owns the shape so every channel's lines (contributed through `handlers.registry`)
print the same way; a channel never prints its own secrets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigLine:
    """A setting as `config check` shows it: `ok` False means something needed is missing."""

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


def mask_url(url: str) -> str:
    """A URL with the password in its credentials replaced (`postgresql://bot:****@host/db`)."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":****"
        return f"{scheme}://{creds}@{host}"
    return url


def setting_problem(area: str, error: dict) -> ConfigLine:
    """A pydantic validation error as a failing line (a channel whose settings do not load)."""
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    name = ".".join(str(x) for x in error.get("loc", ())).upper() or area.upper()
    return ConfigLine(area, name, "(invalid)", False, message)
