"""The board's web view (`/board`): read-only pages of a plan for people who are not in chat.
Not a chat channel (it receives no messages and sends none): `mount_board` adds its routes to
the one aiohttp server. `routes.py` reads requests and answers; `security.py` holds the headers
every board response carries. The pages are rendered by `cards/board_html.py` from the core's
`bot.board` view models; who may read them is `bot.board_access`.

The routes are `handlers.lazy_route.LazyRoute`s: `routes.py` and what it needs (the board's view
models, the highlight report) load with the first board request, not while `serve` starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from handlers.lazy_route import LazyRoute
from handlers.web.security import PREFIX, board_headers

if TYPE_CHECKING:
    from bot.runtime import Runtime

# (method, path, the `routes.BoardRoutes` method that answers it)
ROUTES = (
    ("GET", f"{PREFIX}/static/board.css", "css"),
    ("GET", PREFIX + "/link/{token}", "link_page"),
    ("POST", f"{PREFIX}/link", "link_open"),
    ("GET", PREFIX, "default_plan"),
    ("GET", PREFIX + "/", "default_plan"),
    ("GET", PREFIX + "/{plan}", "plan"),
    ("GET", PREFIX + "/{plan}/recommendations", "recommendations"),
    ("GET", PREFIX + "/{plan}/reports/{month}", "report"),
    ("GET", PREFIX + "/{plan}/chart/{month}/{name}.png", "chart"),
)


def mount_board(app: web.Application, rt: Runtime) -> bool:
    """Add the board's routes and its security headers to the app (always: every page needs a
    session, so an unconfigured board answers 401, never data)."""
    app.on_response_prepare.append(board_headers)
    for method, path, name in ROUTES:
        app.router.add_route(method, path, LazyRoute("handlers.web.routes", _answering(rt, name)).handle)
    return True


def _answering(rt: Runtime, name: str):
    """Builds, from the loaded `routes` module, the handler `name` of the board's routes."""
    return lambda routes: getattr(routes.BoardRoutes(rt), name)


__all__ = ["mount_board"]
