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

from handlers.teams.deferred import DeferredAdapter
from handlers.teams.turns import TeamsBot

log = logging.getLogger(__name__)

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
    """The route's handler. Its adapter (the SDK) is built by the first request that passes the
    checks below (`DeferredAdapter`)."""

    def __init__(self, adapter: DeferredAdapter, bot: TeamsBot, *, dev_mode: bool):
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
        try:
            body = await request.json()  # aiohttp keeps the body: the SDK reads it again
        except ValueError:  # includes UnicodeDecodeError
            return web.json_response({"error": "the request body is not JSON"}, status=400)
        problem = activity_problem(body)
        if problem is not None:
            log.warning("Teams: refused a request that is not an Activity: %s", problem)
            return web.json_response({"error": f"not a Bot Framework Activity: {problem}"}, status=400)
        return await (await self.adapter.get()).process(request, self.bot.on_turn)


# What the bot reads from an Activity, and the JSON type each must have when present. Teams
# always sends `type`, `from` and `conversation`; a request without them is not from Teams.
_REQUIRED_OBJECTS_WITH_ID = ("from", "conversation")
_OPTIONAL_TYPES: dict[str, type] = {
    "id": str,
    "text": str,
    "name": str,
    "action": str,
    "serviceUrl": str,
    "channelId": str,
    "replyToId": str,
    "deliveryMode": str,
    "timestamp": str,
    "locale": str,
    "recipient": dict,
    "channelData": dict,
    "entities": list,
    "membersAdded": list,
    "membersRemoved": list,
    "attachments": list,
}


def activity_problem(body: object) -> str | None:
    """Why `body` is not an Activity the bot can handle, or None. Checked before the SDK sees
    it, so a malformed request is a 400 with the reason, never an exception deep in a turn."""
    if not isinstance(body, dict):
        return f"expected a JSON object, got {_json_type(body)}"
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        return "`type` must be a non-empty string"
    for name in _REQUIRED_OBJECTS_WITH_ID:
        value = body.get(name)
        if not isinstance(value, dict):
            return f"`{name}` must be an object with an `id`"
        if not isinstance(value.get("id"), str) or not value["id"]:
            return f"`{name}.id` must be a non-empty string"
    for name, expected in _OPTIONAL_TYPES.items():
        value = body.get(name)
        if value is not None and not isinstance(value, expected):
            return f"`{name}` must be {_json_type_name(expected)}, got {_json_type(value)}"
    for name in ("membersAdded", "membersRemoved", "entities", "attachments"):
        if any(not isinstance(item, dict) for item in body.get(name) or []):
            return f"every item of `{name}` must be an object"
    return None


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _json_type_name(expected: type) -> str:
    return {str: "a string", dict: "an object", list: "an array"}[expected]
