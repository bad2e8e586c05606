"""The last resort of the one aiohttp server: no route ever answers with a traceback.

Routes answer their own 4xx (a malformed Slack payload, a bad Teams activity, a missing token).
Whatever still escapes a handler ends here:

- the database is down (`bot.outage`): 503 with Retry-After, because the request may succeed
  later and a platform (Slack's Events API) retries it;
- anything else: 500 with a plain JSON body `{"error": "internal", "id": ...}`. The exception
  is logged once, under that short id, so an operator can find it from what a client reports;
  the log line names the method and path only, never the body, the query or a header (they
  may hold tokens or personal data).

aiohttp's own HTTP exceptions (404, 405, 401 raised by a handler) pass through unchanged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.outage import RETRY_AFTER_SECONDS, is_database_outage

log = logging.getLogger("actionbot.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_id() -> str:
    """Short, unguessable, easy to read out over the phone."""
    return secrets.token_hex(4)


def database_unavailable() -> web.Response:
    return web.json_response(
        {"error": "database unavailable", "retry_after": RETRY_AFTER_SECONDS},
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@web.middleware
async def last_resort(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        if is_database_outage(exc):
            log.warning(
                "%s %s: the database is unavailable (%s); answered 503", request.method, request.path, type(exc).__name__
            )
            return database_unavailable()
        ident = error_id()
        log.error("error %s on %s %s", ident, request.method, request.path, exc_info=exc)
        return web.json_response({"error": "internal", "id": ident}, status=500)
