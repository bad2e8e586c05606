"""`manifest.yml` with this install's command name and host filled in.

The file in the repository is the one source of the Slack app's configuration (scopes, events,
the command). A council pastes it into Slack once per install; a second copy of the bot in the
same workspace (`SLACK_COMMAND=/actionbot-test`) needs its own command, and Slack refuses two
apps registering the same one. So the manifest is printed from the file with three things
replaced, keeping its comments: the command, the app's names, and `YOUR-HOST`.
"""

from __future__ import annotations

import re
from pathlib import Path

from handlers.slack.settings import DEFAULT_SLACK_COMMAND, SlackSettings

MANIFEST_FILE = Path(__file__).resolve().parents[2] / "manifest.yml"
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$", re.IGNORECASE)


class ManifestError(ValueError):
    """The manifest cannot be produced (bad host, file missing)."""


def render_manifest(settings: SlackSettings, host: str | None = None, source: Path = MANIFEST_FILE) -> str:
    """The manifest for `settings.slack_command` (already checked against Slack's reserved
    names by `SlackSettings`) and `host` (a bare host name, e.g. actionbot.example.gov.uk)."""
    if not source.is_file():
        raise ManifestError(f"{source} not found: run this from a checkout of actionbot")
    text = source.read_text(encoding="utf-8")
    command = settings.slack_command
    text = re.sub(r"(?m)^(\s*- command: )/\S+$", rf"\g<1>{command}", text)
    if command != DEFAULT_SLACK_COMMAND:  # a second copy: its own name, so @mentions tell them apart
        name = command.lstrip("/")
        text = re.sub(r"(?m)^(  name: )actionbot$", rf"\g<1>{name}", text)
        text = re.sub(r"(?m)^(    display_name: )actionbot$", rf"\g<1>{name}", text)
    if host:
        host = host.strip().removeprefix("https://").rstrip("/")
        if not _HOST.match(host):
            raise ManifestError(f"--host {host!r}: give the public host name only, e.g. actionbot.example.gov.uk")
        text = text.replace("YOUR-HOST", host)
    return text
