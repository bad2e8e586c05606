"""`actionbot serve`: one aiohttp server for /healthz and every registered channel's routes, plus the
scheduler. The banner asks each channel (`handlers.registry`) for its own lines."""

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


def serve(
    settings: Settings,
    *,
    port: int | None,
    host: str | None,
    bootstrap: bool,
    with_scheduler: bool,
    workers: int = 1,
) -> int:
    """Migrate (and bootstrap) once, then answer on `host:port`: in this process, or with
    `workers` > 1 in that many forked processes sharing the socket (`actionbot.workers`)."""
    rt = build_runtime(settings)
    if bootstrap:
        print(f"actionbot: {bootstrap_database(rt)}")
    else:
        ensure_database(rt.engine)
    port = port or int(os.environ.get("PORT", settings.port))
    host = host or settings.host
    if workers <= 1:
        app = web_app(rt, with_scheduler=with_scheduler)
        for line in banner(rt, host, port, with_scheduler):
            print(line)
        web.run_app(app, host=host, port=port, print=None)
        return 0
    from actionbot.workers import Supervisor, listening_socket

    sock = listening_socket(host, port)
    for line in banner(rt, host, port, with_scheduler, workers=workers):
        print(line, flush=True)
    rt.engine.dispose()  # no pooled connection may cross the fork: each worker opens its own

    def run_worker(index: int, sock) -> int:
        worker_rt = build_runtime(settings)
        app = web_app(worker_rt, with_scheduler=with_scheduler and index == 0)
        web.run_app(app, sock=sock, print=None)
        return 0

    return Supervisor(workers, sock, run_worker).run()


def web_app(rt, *, with_scheduler: bool) -> web.Application:
    """The process's app with every configured channel's sender (nudges go out from here)."""
    from handlers.registry import outbound_all

    rt.channels = outbound_all(rt)
    return create_app(rt, with_scheduler=with_scheduler)


def banner(rt, host: str, port: int, with_scheduler: bool, *, workers: int = 1) -> list[str]:
    s = rt.settings
    url = f"http://127.0.0.1:{port}"
    lines = [
        f"actionbot is running on {host}:{port} (database: {s.database_url}; now: {rt.clock.now():%Y-%m-%d %H:%M} UTC)",
        f"  health:  {url}/healthz",
    ]
    if workers > 1:
        lines.append(f"  workers: {workers} processes on this port (the first runs the scheduler)")
    from handlers import registry

    lines.extend(f"  {line}" for line in registry.banner_lines(rt, url))
    board = "type `board` in chat for a link" if s.actionbot_secret_key else "set ACTIONBOT_SECRET_KEY to sign links"
    lines.append(f"  Board:   {url}/board (read-only web view; {board})")
    lines.append(f"  Scheduler: {'on' if with_scheduler else 'off (run `actionbot clock`)'}")
    if not registry.anyone_can_talk(rt):
        lines.append(
            "  No chat credentials are configured: talk to the bot in a terminal with "
            "`.venv/bin/actionbot chat --as DCS`."
        )
    lines.append("Press Ctrl+C to stop.")
    return lines
