"""The terminal channel and the command line, as a person uses them."""

import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from actionbot.cli import main
from bot.config import Settings
from bot.runtime import build_runtime
from handlers.terminal.chat import run_chat

ROOT = Path(__file__).resolve().parents[2]


def chat(engine, clock, who, lines: str) -> str:
    rt = build_runtime(Settings(database_url="sqlite://"), engine=engine, clock=clock)
    out = io.StringIO()
    code = asyncio.run(run_chat(rt, who, io.StringIO(lines), out))
    assert code == 0
    return out.getvalue()


def test_terminal_chat_status_update_and_status_again(reference_engine, clock):
    text = chat(reference_engine, clock, "HOS S&CP",
                "status priority 4\n4.2.1 amber - waiting on HR sign-off, new date end of Oct\nstatus 4.2.1\nquit\n")
    assert "Priority 4: Safeguarding" in text
    assert "Recorded:" in text and "4.2.1: 🟠 Amber — waiting on HR sign-off" in text
    assert "Proposed new date awaiting approval: 31 Oct 2016" in text


def test_terminal_chat_refuses_an_unknown_identity(reference_engine, clock):
    rt = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=clock)
    out = io.StringIO()
    assert asyncio.run(run_chat(rt, "NOBODY", io.StringIO(""), out)) == 1
    assert "nobody is 'NOBODY'" in out.getvalue()


def test_import_reference_and_config_check(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1234567890-secret")
    assert main(["--database-url", url, "import", "--reference"]) == 0
    out = capsys.readouterr().out
    assert "actions: 307 new" in out
    assert main(["--database-url", url, "import", "--reference"]) == 0
    assert "actions: 0 new, 0 updated, 307 unchanged" in capsys.readouterr().out
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "xoxb…et (22 chars)" in out and "xoxb-1234567890-secret" not in out
    assert "SLACK_SIGNING_SECRET" in out


def test_bad_configuration_is_reported_clearly(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(SystemExit) as err:
        main(["config", "check"])
    assert "DATABASE_URL" in str(err.value) and "not supported" in str(err.value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_bootstraps_an_empty_database_and_reports_health(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", ACTIONBOT_NOW="2016-09-14")
    proc = subprocess.Popen([sys.executable, "-m", "actionbot", "serve", "--bootstrap", "--port", str(port),
                             "--host", "127.0.0.1", "--no-scheduler"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    body = json.loads(resp.read())
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)  # waiting for a real subprocess to bind, not for time to pass
        assert body is not None, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert body["plan"] == "bromley-2016-17" and body["actions"] == 307
        assert "Children" in body["plan_title"]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "loaded the reference plan" in out
    assert "actionbot chat --as DCS" in out  # no credentials: tells the user about the terminal channel
    assert "Email:   off (set SMTP_URL" in out and "email: on" not in out
