"""manifest.yml creates an app that Slack accepts and that matches what the code listens to and
calls: a command name Slack does not reserve, the events the listeners handle, and exactly the
scopes of the Web API methods the code calls (no more: a council's IT team reads the list)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from handlers.slack.app import EVENTS_PATH
from handlers.slack.settings import DEFAULT_SLACK_COMMAND, SLACK_RESERVED_COMMANDS, SlackSettings

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yml"

# Slack's built-in commands, as listed in issue #10 (and platform-facts): never in the manifest.
RESERVED = [
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

# Web API method (as slack_sdk spells it) → the bot scopes it needs.
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_open": {"im:write"},
    "conversations_replies": {"im:history"},  # nudge threads live in the DM
    "conversations_history": {"im:history", "channels:history", "groups:history"},  # DM or (private) SIT channel
    "users_info": {"users:read", "users:read.email"},
    "users_lookupByEmail": {"users:read", "users:read.email"},
    "files_upload_v2": {"files:write"},
    "views_open": set(),
    "views_publish": set(),
}
# What the listeners subscribe to → scope and manifest event.
LISTENER_SCOPES = {"command": {"commands"}, "message": {"im:history"}, "app_mention": {"app_mentions:read"}}
EVENTS = {"message": "message.im", "app_mention": "app_mention", "app_home_opened": "app_home_opened"}


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def methods_the_code_calls() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "handlers" / "slack").glob("*.py"):
        text = path.read_text()
        found |= set(re.findall(r"client\.((?:chat|conversations|users|files|views)_\w+)\(", text))
        found |= set(re.findall(r"call\(\s*\"(\w+)\"", text))
    return found


def events_the_code_listens_to() -> set[str]:
    text = (ROOT / "handlers" / "slack" / "listeners.py").read_text()
    return set(re.findall(r"app\.event\(\"(\w+)\"\)", text))


def test_the_command_events_interactivity_and_urls():
    m = manifest()
    urls = [
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in m["features"]["slash_commands"]),
    ]
    assert all(u == f"https://YOUR-HOST{EVENTS_PATH}" for u in urls)
    assert [c["command"] for c in m["features"]["slash_commands"]] == [DEFAULT_SLACK_COMMAND] == ["/actionbot"]
    assert m["settings"]["interactivity"]["is_enabled"] is True
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {EVENTS[e] for e in events_the_code_listens_to()}
    assert "app_mention" in m["settings"]["event_subscriptions"]["bot_events"]
    home = m["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]
    assert len(m["display_information"]["long_description"]) >= 175  # Slack's minimum


def test_no_reserved_command_name_is_in_the_manifest_or_its_texts():
    assert set(RESERVED) == SLACK_RESERVED_COMMANDS
    commands = {c["command"] for c in manifest()["features"]["slash_commands"]}
    assert not commands & set(RESERVED)
    words = set(re.findall(r"(?<![\w/])/[a-z]+\b", yaml.safe_dump(manifest()["display_information"])))
    assert not words & set(RESERVED), words  # the descriptions do not teach `/status` either


@pytest.mark.parametrize("name", RESERVED)
def test_slack_command_refuses_a_reserved_name_at_configuration_time(name):
    with pytest.raises(ValidationError) as refused:
        SlackSettings(_env_file=None, slack_command=name)
    message = str(refused.value)
    assert f"SLACK_COMMAND {name!r} is one of Slack's built-in commands" in message
    assert "/actionbot" in message  # and says what to use instead


def test_slack_command_defaults_to_actionbot_and_accepts_a_second_copy():
    assert SlackSettings(_env_file=None).slack_command == "/actionbot"
    assert SlackSettings(_env_file=None, slack_command="/actionbot-test").slack_command == "/actionbot-test"
    assert SlackSettings(_env_file=None, slack_command="actionbot-test").slack_command == "/actionbot-test"
    with pytest.raises(ValidationError, match="not a Slack command name"):
        SlackSettings(_env_file=None, slack_command="/action bot")


def test_the_manifest_asks_for_exactly_the_scopes_the_code_uses():
    called = methods_the_code_calls()
    unmapped = called - set(METHOD_SCOPES)
    assert not unmapped, f"map these Web API methods to their scopes here and in manifest.yml: {unmapped}"
    assert {"chat_postMessage", "conversations_open", "users_lookupByEmail", "files_upload_v2"} <= called
    needed = set().union(*(METHOD_SCOPES[m] for m in called))
    needed |= LISTENER_SCOPES["command"]
    for event in events_the_code_listens_to():
        needed |= LISTENER_SCOPES.get(event, set())
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed
    assert not {"im:read", "channels:read", "groups:read"} & needed  # asked for once, never used


def test_the_readme_lists_the_manifests_scopes():
    readme = (ROOT / "README.md").read_text()
    slack = readme[readme.index("## Slack") :]
    listed = re.search(r"the bot scopes \(([^)]*)\)", slack)
    assert listed, "README's Slack section names the bot scopes"
    scopes = set(re.findall(r"`([a-z_.:]+)`", listed.group(1)))
    assert scopes == set(manifest()["oauth_config"]["scopes"]["bot"])
