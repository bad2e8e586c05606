"""What a process loads before it needs it (issue #14): an idle `serve` must not carry the report
and import libraries (matplotlib alone is ~40 MB), and `actionbot --help` must not load the
settings, the database layer or the chat SDKs. Each check runs in a fresh interpreter, since
this test process has imported everything already. The figures themselves are in
`python -m bench startup` and `python -m bench memory`; this only guards against a regression.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["matplotlib", "numpy", "PIL", "fpdf", "openpyxl", "docx", "dateparser"]

_SERVE = """
import json, sys
from actionbot.serve import web_app
from bot.config import Settings
from bot.runtime import build_runtime, ensure_database
rt = build_runtime(Settings())
ensure_database(rt.engine)
app = web_app(rt, with_scheduler=True)
print(json.dumps({"routes": sorted(r.resource.canonical for r in app.router.routes()),
                  "channels": sorted(rt.channels), "modules": sorted(sys.modules)}))
"""

_HELP = """
import contextlib, io, json, sys
from actionbot.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
    main(["--help"])
print(json.dumps({"help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def run(code: str, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
    return env | {"DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.db'}", "ACTIONBOT_NOW": "2016-10-14"}


def test_a_serve_with_every_channel_loads_no_report_or_import_library(tmp_path):
    env = clean_env(tmp_path) | {
        "SLACK_BOT_TOKEN": "xoxb-lazy",
        "SLACK_SIGNING_SECRET": "lazy-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    result = run(_SERVE, env)
    # the app really is the whole server: Slack, Teams and the health probe mounted, both senders built
    assert {"/slack/events", "/api/messages", "/healthz"} <= set(result["routes"])
    assert result["channels"] == ["slack", "teams"]
    loaded = set(result["modules"])
    assert [m for m in HEAVY if m in loaded] == []


def test_help_loads_neither_settings_nor_database_nor_sdks(tmp_path):
    result = run(_HELP, clean_env(tmp_path))
    assert "serve" in result["help"] and "import" in result["help"]  # the real help text was printed
    loaded = set(result["modules"])
    unwanted = ["pydantic", "sqlalchemy", "sqlmodel", "aiohttp", "slack_bolt", "botbuilder", "asyncio", *HEAVY]
    assert [m for m in unwanted if m in loaded] == []


def test_serve_leaves_the_teams_sdk_holidays_and_alembic_until_they_are_needed(tmp_path):
    """On a database already at the migrations' head: the Bot Framework SDK loads on the first
    Teams request or send, `holidays` on the first working-day question, Alembic only to migrate,
    Jinja2 with the first board page."""
    env = clean_env(tmp_path)
    run(_SERVE, env)  # migrates the new database (Alembic loads for that)
    result = run(_SERVE, env)
    assert "/api/messages" in result["routes"] and "teams" in result["channels"]
    loaded = set(result["modules"])
    assert [m for m in ("botbuilder", "msrest", "holidays", "alembic", "jinja2") if m in loaded] == []


_FIRST_ANSWER = """
import asyncio, json, sys
from aiohttp.test_utils import TestClient, TestServer
from actionbot.serve import web_app
from bot.config import Settings
from bot.runtime import build_runtime, ensure_database
rt = build_runtime(Settings())
ensure_database(rt.engine)

async def first_answer():
    app = web_app(rt, with_scheduler=True)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        health = await response.json()
        loaded = sorted(sys.modules)
        slack = await client.post("/slack/events", data="token=forged", headers={
            "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=forged"})
        return {"status": response.status, "health": health, "modules": loaded, "slack": slack.status,
                "after": sorted(sys.modules)}

print(json.dumps(asyncio.run(first_answer())))
"""

# What `serve`'s first answer on /healthz does not need (issue #14): the Slack and Teams SDKs,
# the channels' handlers and senders, the card renderers they use, the core that answers chat
# (bot.runtime builds it on first use), the board's pages and the scheduler's ticker (built by
# the first tick, 2 s after the start). They load with the first request
# or send that needs them (handlers.lazy_route, bot.lazy_channel).
NOT_BEFORE_FIRST_ANSWER = [
    "bot.conversation",
    "bot.report",
    "bot.board",
    "handlers.web.routes",
    "scheduler.tick",
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "msrest",
    "handlers.slack.app",
    "handlers.slack.listeners",
    "handlers.slack.outbound",
    "handlers.teams.endpoint",
    "handlers.teams.turns",
    "handlers.teams.outbound",
    "cards.blockkit",
    "cards.adaptive",
    *HEAVY,
]


def test_serve_answers_healthz_before_loading_any_channel_and_loads_slack_with_its_first_request(tmp_path):
    env = clean_env(tmp_path) | {
        "SLACK_BOT_TOKEN": "xoxb-lazy",
        "SLACK_SIGNING_SECRET": "lazy-signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    run(_SERVE, env)  # migrates the new database
    subprocess.run([sys.executable, "-m", "actionbot", "import", "--reference"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    result = run(_FIRST_ANSWER, env)
    # a truthful answer: the plan is there and both channels are counted as configured
    assert result["status"] == 200 and result["health"]["status"] == "ok"
    assert result["health"]["channels"] == ["slack", "teams"] and result["health"]["actions"] > 0
    loaded = set(result["modules"])
    assert [m for m in NOT_BEFORE_FIRST_ANSWER if m in loaded] == []
    # the first Slack request loads Slack, and its signature is checked as before: a forged one is refused
    assert result["slack"] == 401
    assert {"slack_bolt", "handlers.slack.app"} <= set(result["after"])
