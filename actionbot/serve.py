"""`actionbot serve`: one aiohttp server for /healthz, Slack and Teams, plus the scheduler."""

from __future__ import annotations

import logging
import os

from aiohttp import web

from actionbot.app import create_app
from bot.config import Settings
from bot.runtime import build_runtime, ensure_database, import_reference
from storage import repo
from storage.db import session_scope

log = logging.getLogger("actionbot")


def bootstrap_database(rt) -> str:
    """Migrate, and load the reference plan and example people when the database has no plan."""
    ensure_database(rt.engine)
    with session_scope(rt.engine) as session:
        try:
            plan = repo.active_plan(session, rt.settings.actionbot_plan)
            return f"using plan {plan.key!r} already in the database"
        except repo.NoPlanError:
            pass
    plan, people = import_reference(rt.engine, rt.clock, actor="bootstrap")
    return f"empty database: loaded the reference plan ({plan.describe()}; {people.describe()})"


def serve(settings: Settings, *, port: int | None, host: str | None, bootstrap: bool, with_scheduler: bool) -> int:
    from handlers import outbound_channels

    rt = build_runtime(settings)
    if bootstrap:
        print(f"actionbot: {bootstrap_database(rt)}")
    else:
        ensure_database(rt.engine)
    rt.channels = outbound_channels(rt)
    app = create_app(rt, with_scheduler=with_scheduler)
    port = port or int(os.environ.get("PORT", settings.port))
    host = host or settings.host
    for line in banner(rt, host, port, with_scheduler):
        print(line)
    web.run_app(app, host=host, port=port, print=None)
    return 0


def banner(rt, host: str, port: int, with_scheduler: bool) -> list[str]:
    s = rt.settings
    url = f"http://127.0.0.1:{port}"
    lines = [
        f"actionbot is running on {host}:{port} (database: {s.database_url}; now: {rt.clock.now():%Y-%m-%d %H:%M} UTC)",
        f"  health:  {url}/healthz",
    ]
    if s.slack_enabled:
        mode = "Socket Mode" if s.slack_socket_mode else f"HTTP at {url}/slack/events"
        lines.append(f"  Slack:   on ({mode}); Web API {s.slack_api_url}")
    else:
        lines.append("  Slack:   off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; see README)")
    auth = "authenticated" if s.teams_authenticated else "local development mode: no auth, loopback only"
    lines.append(f"  Teams:   {url}/api/messages ({auth})")
    if not s.teams_authenticated:
        lines.append(
            f"           try it: npx -p @microsoft/m365agentsplayground agentsplayground -e {url}/api/messages -c msteams"
        )
    board = "type `board` in chat for a link" if s.actionbot_secret_key else "set ACTIONBOT_SECRET_KEY to sign links"
    lines.append(f"  Board:   {url}/board (read-only web view; {board})")
    lines.append(f"  Scheduler: {'on' if with_scheduler else 'off (run `actionbot clock`)'}")
    if not s.slack_enabled and not s.teams_authenticated:
        lines.append(
            "  No chat credentials are configured: talk to the bot in a terminal with "
            "`.venv/bin/actionbot chat --as DCS`."
        )
    lines.append("Press Ctrl+C to stop.")
    return lines
