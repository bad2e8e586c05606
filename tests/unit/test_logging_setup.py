"""ACTIONBOT_LOG_FORMAT / ACTIONBOT_LOG_LEVEL, and the redaction safety net."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.logging_setup import REDACTED, configure_logging, secret_values
from handlers.registry import channel_settings
from handlers.slack.settings import SlackSettings
from handlers.teams.settings import TeamsSettings

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-1111-2222-abcdefSECRET"
SIGNING = "3f1c9a0b7d64c35a8f1d2e3c4b5a6977"
APP_PASSWORD = "Qx8~teams-client-secret-value"
DB_PASSWORD = "pg-pass-w0rd-991"


def settings(**extra) -> Settings:
    values = {
        "database_url": f"postgresql+psycopg://actionbot:{DB_PASSWORD}@db.internal/actionbot",
        **extra,
    }
    return Settings(_env_file=None, **values)


CHANNEL_ENV = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING,
    "MICROSOFT_APP_ID": "6f0c3f51-0000-4000-8000-00000000a11d",
    "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
    "MICROSOFT_APP_TENANT_ID": "0d9f2b1e-0000-4000-8000-00000000c0de",
}


def channel_secrets() -> list[str]:
    """What the CLI hands the redactor: the secrets in every registered channel's settings."""
    return secret_values(*channel_settings(CHANNEL_ENV))


def test_every_channels_secrets_are_found_without_the_core_knowing_the_channel():
    found = channel_secrets()
    assert {BOT_TOKEN, SIGNING, APP_PASSWORD} <= set(found)
    assert "6f0c3f51-0000-4000-8000-00000000a11d" not in found  # an app id is not a secret
    assert secret_values(SlackSettings(_env_file=None), TeamsSettings(_env_file=None)) == []


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for h in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(h)
    root.setLevel(level)


def test_json_is_one_object_per_line_with_extras(restore_logging):
    out = io.StringIO()
    configure_logging(settings(actionbot_log_format="json"), stream=out)
    log = logging.getLogger("bot.test_logging")
    log.info("tick %s: %d message(s)", "2016-09-01T09:00", 3, extra={"plan": "bromley-2016-17", "sent": 3})
    try:
        raise ValueError("a\nmulti-line\nproblem")
    except ValueError:
        log.exception("it failed")
    log.debug("not at INFO")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "bot.test_logging"
    assert first["message"] == "tick 2016-09-01T09:00: 3 message(s)"
    assert (first["plan"], first["sent"]) == ("bromley-2016-17", 3)
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["level"] == "ERROR" and "ValueError: a\nmulti-line\nproblem" in second["exc"]


def test_the_level_comes_from_the_environment_and_v_overrides_it(restore_logging):
    out = io.StringIO()
    configure_logging(settings(actionbot_log_level="warning"), stream=out)
    logging.getLogger("scheduler.x").info("quiet")
    logging.getLogger("scheduler.x").warning("loud")
    assert out.getvalue().count("\n") == 1 and "WARNING scheduler.x: loud" in out.getvalue()
    out = io.StringIO()
    configure_logging(settings(actionbot_log_level="WARNING"), verbose=True, stream=out)
    logging.getLogger("scheduler.x").debug("details")
    assert "DEBUG scheduler.x: details" in out.getvalue()
    assert len([h for h in logging.getLogger().handlers if h.get_name() == "actionbot"]) == 1  # replaced, not added
    with pytest.raises(ValidationError, match="ACTIONBOT_LOG_LEVEL 'chatty'"):
        settings(actionbot_log_level="chatty")
    with pytest.raises(ValidationError, match="ACTIONBOT_LOG_FORMAT 'xml'"):
        settings(actionbot_log_format="xml")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_are_redacted_in_whatever_is_written(restore_logging, fmt):
    out = io.StringIO()
    configure_logging(settings(actionbot_log_format=fmt), stream=out, secrets=channel_secrets())
    log = logging.getLogger("handlers.test_logging")
    log.warning("token %s secret %s password %s", BOT_TOKEN, SIGNING, APP_PASSWORD)
    log.warning("header Authorization: Bearer eyJhbGciOi.eyJpc3Mi.c2lnbmF0dXJl and xapp-1-A0-99-ffee")
    log.warning("db", extra={"url": f"postgresql://actionbot:{DB_PASSWORD}@db.internal/actionbot"})
    try:
        raise RuntimeError(f"connect failed with {APP_PASSWORD}")
    except RuntimeError:
        log.exception("boom")
    written = out.getvalue()
    for secret in (BOT_TOKEN, SIGNING, APP_PASSWORD, DB_PASSWORD, "eyJhbGciOi", "xapp-1-A0-99-ffee"):
        assert secret not in written
    assert written.count(REDACTED) >= (7 if fmt == "json" else 6)  # the extra field is JSON only
    if fmt == "json":
        assert all(json.loads(line) for line in written.splitlines())


def test_the_command_line_logs_json_at_the_configured_level(tmp_path):
    """ACTIONBOT_LOG_FORMAT and ACTIONBOT_LOG_LEVEL through a real `actionbot` process."""
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ACTIONBOT_LOG_FORMAT": "json"}
    url = f"sqlite:///{tmp_path / 'x.db'}"
    command = [str(ROOT / ".venv" / "bin" / "actionbot"), "--database-url", url, "db", "upgrade"]
    quiet = subprocess.run(command, cwd=tmp_path, env=base, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == ""  # INFO: migrations are routine
    chatty = subprocess.run(
        command, cwd=tmp_path, env={**base, "ACTIONBOT_LOG_LEVEL": "DEBUG"}, capture_output=True, text=True, timeout=120
    )
    assert chatty.returncode == 0
    records = [json.loads(line) for line in chatty.stderr.splitlines()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"].startswith("alembic") for r in records)


def test_the_email_channels_secrets_are_redacted(restore_logging):
    """The SMTP password (inside SMTP_URL), the link-signing key and the inbound webhook
    secret reach the redactor through the registry, like Slack's and Teams' tokens."""
    env = {
        **CHANNEL_ENV,
        "SMTP_URL": "smtp://mailer:smtp-pa55-w0rd-77@mail.example.org:587",
        "ACTIONBOT_MAIL_FROM": "actionbot@example.org",
        "ACTIONBOT_SECRET_KEY": "k" * 40,
        "ACTIONBOT_INBOUND_SECRET": "inbound-hook-secret-31337",
    }
    found = secret_values(*channel_settings(env))
    assert {"smtp-pa55-w0rd-77", "k" * 40, "inbound-hook-secret-31337"} <= set(found)
    out = io.StringIO()
    configure_logging(settings(), stream=out, secrets=found)
    logging.getLogger("handlers.email").warning(
        "relay said no for smtp://mailer:smtp-pa55-w0rd-77@mail.example.org with inbound-hook-secret-31337"
    )
    written = out.getvalue()
    assert "smtp-pa55-w0rd-77" not in written and "inbound-hook-secret-31337" not in written
    assert REDACTED in written


def test_a_channel_whose_settings_do_not_validate_costs_the_others_nothing():
    found = secret_values(*channel_settings({**CHANNEL_ENV, "SMTP_URL": "http://not-smtp.example"}))
    assert {BOT_TOKEN, SIGNING, APP_PASSWORD} <= set(found)
