"""The aiohttp application: one server for /healthz, every registered channel's routes
(`handlers.registry.mount_all`) and the board's web view (/board). Built by a factory; nothing
starts at import."""

from __future__ import annotations

import logging
import os

from aiohttp import web
from sqlmodel import func, select

from bot.outage import RETRY_AFTER_SECONDS, is_database_outage
from bot.runtime import Runtime
from storage import repo
from storage.db import session_scope
from storage.models import Action

log = logging.getLogger("actionbot")
RUNTIME = web.AppKey("runtime", Runtime)


async def healthz(request: web.Request) -> web.Response:
    """The probe: the database answers, a plan is loaded, and the scheduler (in this process or
    in `actionbot clock`) has ticked within three tick intervals (`scheduler.heartbeat`)."""
    from actionbot.scheduler_wiring import SCHEDULER
    from scheduler import heartbeat

    rt = request.app[RUNTIME]
    handle = request.app.get(SCHEDULER)
    try:
        now = rt.clock.now()
        scheduler = heartbeat.health(rt.engine, now, handle.local if handle is not None else None)
        with session_scope(rt.engine) as session:
            plan = repo.active_plan(session, rt.settings.actionbot_plan)
            count = session.exec(select(func.count()).select_from(Action).where(Action.plan_id == plan.id)).one()
            body = {
                "status": "ok",
                "plan": plan.key,
                "plan_title": plan.title,
                "actions": count,
                "now": now.isoformat(),
                "channels": sorted(rt.channels),
                "scheduler": scheduler.as_json(),
                "pid": os.getpid(),  # which process answered (with `serve --workers N`, one of N)
            }
        if not scheduler.healthy:
            body["status"] = "scheduler-stale"
            return web.json_response(body, status=503)
        return web.json_response(body)
    except repo.NoPlanError as exc:
        return web.json_response({"status": "no-plan", "error": str(exc)}, status=503)
    except Exception as exc:  # the database is down: say so, don't crash the probe
        if is_database_outage(exc):
            log.warning("health check: the database is unavailable (%s)", type(exc).__name__)
        else:
            log.exception("health check failed")
        return web.json_response(
            {"status": "error", "error": type(exc).__name__},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


def create_app(rt: Runtime, *, with_scheduler: bool = False) -> web.Application:
    from bot.http_errors import last_resort

    app = web.Application(middlewares=[last_resort])  # no route ever answers with a traceback
    app[RUNTIME] = rt
    app.router.add_get("/healthz", healthz)
    from handlers.registry import mount_all

    mount_all(app, rt)
    from handlers.web import mount_board

    mount_board(app, rt)  # /board: the read-only web view, behind links, sessions or the SSO header

    async def close_connections(_app: web.Application) -> None:
        await rt.close_connections()

    app.on_cleanup.append(close_connections)
    if with_scheduler:
        from actionbot.scheduler_wiring import attach_scheduler

        attach_scheduler(app, rt)
    return app
