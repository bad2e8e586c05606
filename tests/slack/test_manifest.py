"""manifest.yml creates an app that matches what the code listens to and calls."""

from __future__ import annotations

from pathlib import Path

import yaml

from handlers.slack.app import EVENTS_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def test_the_manifest_declares_the_command_events_interactivity_and_scopes_the_bot_uses():
    m = yaml.safe_load(MANIFEST.read_text())
    urls = [
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in m["features"]["slash_commands"]),
    ]
    assert all(u == f"https://YOUR-HOST{EVENTS_PATH}" for u in urls)
    assert [c["command"] for c in m["features"]["slash_commands"]] == ["/status"]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {"message.im", "app_home_opened"}
    home = m["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]
    needed = {
        "chat:write",
        "commands",
        "im:history",
        "im:read",
        "im:write",
        "users:read",
        "users:read.email",
        "channels:history",
        "groups:history",
    }  # the last two: crash recovery reads the SIT channel
    assert needed <= set(m["oauth_config"]["scopes"]["bot"])
    assert len(m["display_information"]["long_description"]) >= 175  # Slack's minimum
