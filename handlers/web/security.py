"""Security headers on every response under /board, whatever route or error produced it.

The pages need nothing from anywhere else (`cards/board_html.py`), so the policy allows only the
board's own origin, no framing, and no referrer: a board link's token never leaves in a
Referer header. Pages hold plan data, so nothing is cached.
"""

from __future__ import annotations

from aiohttp import web

PREFIX = "/board"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


async def board_headers(request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp `on_response_prepare` hook: runs for every response, so a 401, 404 or 500 under
    /board is covered too."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        for name, value in HEADERS.items():
            response.headers[name] = value
