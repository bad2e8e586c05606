"""The channel registry: every channel is one line in `handlers.registry.CHANNELS`, and the
places that used to name channels (mounting, the senders, `config check`, `serve`'s banner, the
log redactor) pick up a new one from that line alone. The new one here is a test-only channel
(`tests/fakes/echo_channel.py`)."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from actionbot import cli_commands, serve
from actionbot.app import create_app
from actionbot.cli import main
from bot.config import Settings
from bot.logging_setup import secret_values
from bot.runtime import build_runtime
from domain.clock import FixedClock
from handlers import registry
from tests.conftest import uk

ROOT = Path(__file__).resolve().parents[2]
ECHO = "tests.fakes.echo_channel"


@pytest.fixture
def with_echo(monkeypatch):
    monkeypatch.setattr(registry, "CHANNELS", (*registry.CHANNELS, ECHO))


def test_every_registered_channel_keeps_the_contract():
    assert registry.CHANNELS[:3] == ("handlers.terminal", "handlers.slack", "handlers.teams")
    for module in registry.CHANNELS:
        channel = importlib.import_module(module).CHANNEL
        assert channel.name == module.rsplit(".", 1)[1]
        for method in ("mount", "outbound", "config_lines"):
            assert callable(getattr(channel, method)), (module, method)
        assert all(line.area == channel.name for line in channel.config_lines({})), module


def test_nothing_outside_the_registry_and_the_channel_folders_names_a_channel():
    """handlers/__init__, the banner, `config check` and the app factory iterate the registry."""
    sources = {
        "handlers/__init__.py": (ROOT / "handlers" / "__init__.py").read_text(encoding="utf-8"),
        "serve.banner": inspect.getsource(serve.banner),
        "serve.serve": inspect.getsource(serve.serve),
        "config_cmd": inspect.getsource(cli_commands.config_cmd),
        "create_app": inspect.getsource(create_app),
        "bot/config.py": (ROOT / "bot" / "config.py").read_text(encoding="utf-8"),
    }
    for where, source in sources.items():
        assert not re.search(r"slack|teams|microsoft", source, re.IGNORECASE), where


async def test_a_fourth_channel_is_mounted_sends_and_shows_in_the_banner(with_echo, reference_engine):
    rt = build_runtime(
        Settings(_env_file=None), engine=reference_engine, clock=FixedClock(uk(2016, 10, 15, 10, 0))
    )
    rt.channels = registry.outbound_all(rt)
    assert "echo" in rt.channels and rt.channels["echo"].name == "echo"
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    try:
        async with http.post("/echo/messages", data=json.dumps({"person": "hos-scp", "text": "status 4.2.1"})) as r:
            assert r.status == 200
            assert "4.2.1" in await r.text()
        async with http.get("/healthz") as r:
            assert "echo" in (await r.json())["channels"]
    finally:
        await http.close()
    lines = serve.banner(rt, "127.0.0.1", 3978, with_scheduler=False)
    assert "  Echo:    http://127.0.0.1:3978/echo/messages" in lines


def test_a_fourth_channel_has_its_lines_in_config_check_and_its_secrets_redacted(with_echo, monkeypatch, capsys):
    monkeypatch.setenv("ECHO_TOKEN", "echo-secret-value-123")
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "ok  echo      ECHO_TOKEN" in out and "echo-secret-value-123" not in out
    found = secret_values(*registry.channel_settings({"ECHO_TOKEN": "echo-secret-value-123"}))
    assert "echo-secret-value-123" in found


def test_listing_the_channels_loads_no_platform_sdk():
    """`config check` and the banner ask every channel for its lines: no SDK is imported for it."""
    import subprocess
    import sys

    code = (
        "import sys; from handlers import registry; registry.config_lines({}); registry.summaries({}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'slack_sdk', 'slack_bolt', 'botbuilder'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
