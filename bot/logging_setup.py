"""How the bot logs: one handler on the root logger, to standard error, configured once per
process from `ACTIONBOT_LOG_FORMAT` (text or json) and `ACTIONBOT_LOG_LEVEL` (default INFO).

JSON is one object per line (`time`, `level`, `logger`, `message`, then any `extra=` fields and
`exc` for a traceback), so a log shipper needs no parsing rules. Text is for people.

Secrets are kept out of logs in two ways. First, the code never logs them: tokens, the signing
secret, the app password and notes people write are not put in log messages at INFO or above
(the test suite runs a Slack and a Teams flow and checks), and SQL parameters are left out of
database errors (`storage.db.make_engine`). Second, as a safety net, `Redactor` replaces the
configured secret values, and anything shaped like a Slack token or a bearer token, in every
line the handler writes, tracebacks included (in the formatter, so the records themselves stay
as logged and the tests can check the first line of defence on its own).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from pydantic import BaseModel

from bot.config import Settings

REDACTED = "[redacted]"
# Shapes of credentials, whatever their value: Slack tokens and HTTP bearer / basic credentials.
TOKEN_SHAPES = re.compile(
    r"\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]+|(?<=Bearer )[A-Za-z0-9._~+/=-]+|(?<=Basic )[A-Za-z0-9+/=]+"
    # a signed link's token in a request line (bot.signed_links): board sign-ins and email answers
    r"|(?<=/board/link/)[^\s\"'?#]+|(?<=/u/)[^\s\"'?#]+"
)
# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_HANDLER_NAME = "actionbot"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


SECRET_FIELD = re.compile(r"(token|secret|password|key)$")


def secret_values(*settings: BaseModel) -> list[str]:
    """The configured values that must never be written out, from the core's settings and each
    channel's (whose classes the core does not know): every field named like a credential
    (`…_token`, `…_secret`, `…_password`, `…_key`) and the password in any URL's credentials."""
    values: list[str] = []
    for model in settings:
        for name in type(model).model_fields:
            value = getattr(model, name, None)
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            if not isinstance(value, str) or not value:
                continue
            if SECRET_FIELD.search(name):
                values.append(value)
            elif "://" in value and "@" in value.split("://", 1)[1]:
                creds = value.split("://", 1)[1].rsplit("@", 1)[0]
                if ":" in creds:
                    values.append(creds.split(":", 1)[1])
    return [v for v in values if v]


class Redactor:
    """Replaces known secret values and token-shaped strings in text about to be written."""

    def __init__(self, secrets: Iterable[str] = ()):
        # longest first, so a secret containing another is replaced whole; short values would
        # blank out ordinary words, so they are left to the token shapes
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_SHAPES.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """The text format, redacted. Redaction happens when a line is written, not on the record,
    so every handler sees what the code logged (the tests check that the code itself logs no
    secret) and this handler writes nothing secret even if it did."""

    def __init__(self, redact: Redactor):
        super().__init__(TEXT_FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, extras, exc;
    every string redacted before it is encoded."""

    def __init__(self, redact: Redactor | None = None):
        super().__init__()
        self.redact = redact or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = self.redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = self.redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = self.redact(self.formatStack(record.stack_info))
        return self.redact(json.dumps(entry, default=str, ensure_ascii=False))


def configure_logging(
    settings: Settings | None,
    *,
    verbose: bool = False,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """Install the process's one log handler (replacing a previous one of ours).

    `settings` None (the configuration itself is broken: the command will say why) logs text at
    INFO. `verbose` (`-v`) means DEBUG whatever ACTIONBOT_LOG_LEVEL says.
    """
    fmt = settings.actionbot_log_format if settings else "text"
    level = logging.DEBUG if verbose else getattr(logging, settings.actionbot_log_level if settings else "INFO")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    redact = Redactor([*(secret_values(settings) if settings else ()), *secrets])
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else RedactingFormatter(redact))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # migrations are routine: say so only when asked for debug output
    logging.getLogger("alembic").setLevel(logging.INFO if level <= logging.DEBUG else logging.WARNING)
    return handler
