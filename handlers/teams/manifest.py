"""`actionbot teams package`: the Teams app package (a zip of manifest.json and two icons).

Manifest schema 1.16; the bot id is MICROSOFT_APP_ID (the Azure Bot's app registration), which
also serves as the Teams app id. The command menu lists the main commands, the same grammar the
core parses, so what the menu inserts always works.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from handlers.teams.icons import ACCENT, ASSETS

MANIFEST_VERSION = "1.16"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# (title ≤ 32 characters, description ≤ 128) — Teams shows at most 10 per list.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("status priority 4", "A priority: RAG counts, overdue, reds and ambers, next deadlines"),
    ("status mine", "The open actions you lead"),
    ("status overdue", "Open actions past their due date"),
    ("status 4.2.1", "One action: lead, due date, RAG and its last updates"),
    ("status", "The whole plan: RAG counts per priority"),
    ("status due 30d", "Deadlines in the next 30 days"),
    ("status red", "Actions rated Red (also amber, green, completed, not rated)"),
    ("help", "Everything you can ask, and how to record an update"),
)
TEAM_COMMANDS: tuple[tuple[str, str], ...] = (
    *COMMANDS[:7],
    ("set sit channel", "SIT admins: post digests, reports and delivery problems in this channel"),
    COMMANDS[7],
)


class PackageError(ValueError):
    """The package cannot be built as asked (said in words a person can act on)."""


@dataclass(frozen=True)
class Developer:
    name: str = "actionbot"
    website_url: str = "https://example.org/actionbot"
    privacy_url: str = "https://example.org/actionbot/privacy"
    terms_url: str = "https://example.org/actionbot/terms"


def app_version() -> str:
    try:
        version = metadata.version("actionbot")
    except metadata.PackageNotFoundError:
        version = "0.1.0"
    parts = [*version.split("+")[0].split("."), "0", "0"][:3]
    return ".".join(p if p.isdigit() else "0" for p in parts)


def build_manifest(app_id: str, developer: Developer = Developer()) -> dict[str, Any]:
    if not app_id:
        raise PackageError(
            "no bot id: set MICROSOFT_APP_ID (the Azure Bot's Microsoft App ID) or pass --app-id. "
            "See README, 'Microsoft Teams'."
        )
    if not GUID.match(app_id):
        raise PackageError(f"the bot id {app_id!r} is not a GUID like 00000000-0000-0000-0000-000000000000")
    for label, url in (("website", developer.website_url), ("privacy", developer.privacy_url)):
        if not url.startswith("https://"):
            raise PackageError(f"the developer {label} URL must start with https:// (got {url!r})")
    if not developer.terms_url.startswith("https://"):
        raise PackageError(f"the terms of use URL must start with https:// (got {developer.terms_url!r})")
    accent = "#{:02X}{:02X}{:02X}".format(*ACCENT)
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version(),
        "id": app_id,
        "developer": {
            "name": developer.name[:32],
            "websiteUrl": developer.website_url,
            "privacyUrl": developer.privacy_url,
            "termsOfUseUrl": developer.terms_url,
        },
        "name": {"short": "actionbot", "full": "actionbot: improvement action plan"},
        "description": {
            "short": "Nudges action owners and collects RAG updates for the improvement plan.",
            "full": (
                "actionbot drives an improvement action plan to completion: it knows every action's lead "
                "officer and deadline, asks owners for a RAG status and a one-line update, answers "
                "'status priority 4', escalates silence and reds to managers, and posts the monthly "
                "highlight report to the Service Improvement Team."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": accent,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(COMMANDS)},
                    {"scopes": ["team"], "commands": _commands(TEAM_COMMANDS)},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def _commands(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"title": title, "description": description} for title, description in pairs]


def write_package(output: Path, app_id: str, developer: Developer = Developer()) -> Path:
    """Write the zip Teams accepts: manifest.json, color.png, outline.png at the top level."""
    manifest = build_manifest(app_id, developer)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for name in ("color.png", "outline.png"):
            zf.write(ASSETS / name, name)
    return output
