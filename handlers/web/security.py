"""Security headers on every response under /board, whatever route or error produced it.

The pages need nothing from anywhere else (`cards/board_html.py`), so the policy allows only the
board's own origin, no framing, and no referrer: a board link's token never leaves in a
Referer header. Pages hold plan data, so nothing is cached.
"""

from __future__ import annotations

from urllib.parse import urlsplit

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


def from_another_site(request: web.Request) -> bool:
    """Whether a form post came from a page of another site. The sign-in button is the one form:
    a page elsewhere posting its own link token would sign this browser in to the sender's
    session (login CSRF). Browsers say where a request came from in `Sec-Fetch-Site`; for one
    that does not, a real `Origin` is compared with the host (the board's pages send no
    referrer, so its own posts carry `Origin: null`). With neither header (a script, not a
    browser) there is no page to forge from: the token is the credential."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.strip().lower() not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None or origin.strip().lower() == "null":
        return False
    return urlsplit(origin.strip()).netloc.lower() != request.host.lower()
