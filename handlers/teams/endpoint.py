"""`POST /api/messages`: the Bot Framework endpoint on the project's aiohttp app.

With MICROSOFT_APP_ID set, every request needs a valid Bot Framework token (the SDK checks it;
401 otherwise). Without it the bot runs in local development mode: requests are accepted
unauthenticated, but only from this machine (loopback, and no proxy header naming another
client), so a forgotten dev server cannot be driven from the network.
"""

from __future__ import annotations

import ipaddress
import logging

from aiohttp import web

from handlers.teams.sdk import TeamsAdapter
from handlers.teams.turns import TeamsBot

log = logging.getLogger(__name__)

PATH = "/api/messages"
_PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def is_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return address == "localhost"


def from_this_machine(request: web.Request) -> bool:
    """The peer is loopback and no proxy says the request started elsewhere."""
    if not is_loopback(request.remote):
        return False
    for header in _PROXY_HEADERS:
        value = request.headers.get(header)
        if not value:
            continue
        for part in value.split(","):
            part = part.strip()
            if header == "Forwarded":
                fields = dict(p.split("=", 1) for p in part.split(";") if "=" in p)
                part = fields.get("for", "").strip('"').strip("[]")
                part = part.rsplit(":", 1)[0] if part.count(":") == 1 else part
            if part and not is_loopback(part):
                return False
    return True


class MessagesEndpoint:
    def __init__(self, adapter: TeamsAdapter, bot: TeamsBot, *, dev_mode: bool):
        self.adapter = adapter
        self.bot = bot
        self.dev_mode = dev_mode

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.dev_mode and not from_this_machine(request):
            log.warning("Teams development mode: refused a request from %s (loopback only)", request.remote)
            return web.json_response(
                {"error": "local development mode accepts requests from this machine only; set MICROSOFT_APP_ID"},
                status=403,
            )
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected an application/json Activity"}, status=415)
        if not self.dev_mode and not request.headers.get("Authorization", "").startswith("Bearer "):
            return web.json_response({"error": "a Bot Framework token is required"}, status=401)
        return await self.adapter.process(request, self.bot.on_turn)
