"""`actionbot slack manifest` prints manifest.yml for this install: the command from
SLACK_COMMAND (a second copy gets its own), the host filled in; a reserved name never gets
that far (configuration error)."""

from __future__ import annotations

import pytest
import yaml

from actionbot.cli import main
from handlers.slack.app import EVENTS_PATH
from tests.slack.test_manifest import manifest


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("SLACK_COMMAND", raising=False)


def test_the_default_install_is_the_file_with_the_host_filled_in(capsys):
    assert main(["slack", "manifest", "--host", "actionbot.example.gov.uk"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert [c["command"] for c in printed["features"]["slash_commands"]] == ["/actionbot"]
    assert printed["features"]["slash_commands"][0]["url"] == f"https://actionbot.example.gov.uk{EVENTS_PATH}"
    assert printed["settings"]["event_subscriptions"]["request_url"] == f"https://actionbot.example.gov.uk{EVENTS_PATH}"
    assert printed["oauth_config"] == manifest()["oauth_config"]


def test_a_second_copy_registers_its_own_command_and_name(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SLACK_COMMAND", "/actionbot-test")
    out = tmp_path / "manifest-test.yml"
    assert main(["slack", "manifest", "--host", "test.example.gov.uk", "-o", str(out)]) == 0
    printed = yaml.safe_load(out.read_text())
    assert [c["command"] for c in printed["features"]["slash_commands"]] == ["/actionbot-test"]
    assert printed["display_information"]["name"] == "actionbot-test"
    assert printed["features"]["bot_user"]["display_name"] == "actionbot-test"
    assert "# Slack app manifest for actionbot" in out.read_text()  # comments kept


def test_a_reserved_command_name_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("SLACK_COMMAND", "/status")
    with pytest.raises(SystemExit) as refused:
        main(["slack", "manifest"])
    assert "actionbot: configuration error" in str(refused.value)
    assert "SLACK_COMMAND '/status' is one of Slack's built-in commands" in str(refused.value)


def test_a_url_is_not_a_host(capsys):
    assert main(["slack", "manifest", "--host", "https://x.example/slack/events"]) == 1
    assert "give the public host name only" in capsys.readouterr().err
