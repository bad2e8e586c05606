"""A local fake of the Slack Web API (and of response_url webhooks), for tests.

It listens on 127.0.0.1, port 0, records every call with its parsed body, and answers the way
Slack does: `{"ok": true, ...}` shapes for the methods the bot uses, `invalid_auth` for a wrong
token, `invalid_blocks` for Block Kit Slack would refuse (checked with slack_sdk's models), and
whatever failure a test asks for: HTTP 429 with `Retry-After`, HTTP 500, or an error such as
`channel_not_found`. Messages it accepts are kept, so `chat.update` and `conversations.replies`
behave like the real thing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived
    path: str = ""
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


def block_problems(blocks: list[dict] | None, limit: int = MESSAGE_BLOCK_LIMIT) -> list[str]:
    """What Slack would refuse in a list of blocks (empty when it would accept them)."""
    problems: list[str] = []
    blocks = blocks or []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks (limit {limit})")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for raw in blocks:
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                problems.append(f"unknown block {raw.get('type')!r}")
                continue
            parsed.validate_json()
            if parsed.to_dict() != raw:
                problems.append(f"block has fields Slack does not know: {raw}")
        except (SlackObjectFormationError, TypeError, KeyError) as exc:
            problems.append(f"{raw.get('type')}: {exc}")
        if raw.get("block_id"):
            if raw["block_id"] in block_ids:
                problems.append(f"duplicate block_id {raw['block_id']}")
            block_ids.add(raw["block_id"])
        for element in raw.get("elements") or []:
            action_id = element.get("action_id")
            if action_id:
                if action_id in action_ids:
                    problems.append(f"duplicate action_id {action_id}")
                action_ids.add(action_id)
            if element.get("type") == "button" and len(element["text"]["text"]) > 75:
                problems.append(f"button text over 75 characters: {element['text']['text']!r}")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError) as exc:
        return [f"view: {exc}"]
    return block_problems(view.get("blocks"), limit=100)


class FakeSlackApi:
    def __init__(self, token: str = "xoxb-test-token", app_token: str = "xapp-1-test-app-token"):
        self.token = token
        self.app_token = app_token
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.failures: dict[str, deque[Failure]] = defaultdict(deque)
        self.socket_url: str | None = None  # what apps.connections.open answers (Socket Mode)
        self.sockets: list[web.WebSocketResponse] = []
        self._ts = itertools.count(1)
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self.socket_url = f"ws://127.0.0.1:{port}/socket"
        return self

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    # ------------------------------------------------------------------ test controls

    def add_user(
        self, user_id: str, email: str | None, name: str = "", *, deleted: bool = False, is_bot: bool = False
    ) -> None:
        """A member of the fake workspace (`deleted`: deactivated; `is_bot`: a bot user)."""
        profile = {"real_name": name or user_id, "display_name": name or user_id}
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": "T0FAKE",
            "name": user_id.lower(),
            "deleted": deleted,
            "real_name": profile["real_name"],
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": profile,
        }

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls to `method` fail this way (then it answers normally again)."""
        for _ in range(times):
            self.failures[method].append(Failure(status, error, retry_after))

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 20.0) -> list[Call]:
        """Wait until `count` calls to `method` arrived (the bot works after its ack)."""
        await self.wait_until(lambda: len(self.calls_to(method)) >= count, f"{count} call(s) to {method}", timeout)
        return self.calls_to(method)

    async def wait_until(self, condition, what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {what} within {timeout}s; calls so far: {seen}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def response_to(self, name: str, timeout: float = 20.0) -> Call:
        """The message the bot sent to the response_url called `name`."""
        path = f"/response/{name}"
        await self.wait_until(lambda: any(c.path == path for c in self.calls), f"a POST to {path}", timeout)
        return next(c for c in self.calls if c.path == path)

    # ------------------------------------------------------------------ HTTP

    async def _body(self, request: web.Request) -> dict[str, Any]:
        body: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    body[key] = _maybe_json(value) if isinstance(value, str) else value
        return body

    def _record(self, method: str, request: web.Request, body: dict[str, Any]) -> Call:
        call = Call(method, body, dict(request.headers), time.monotonic(), request.path)
        self.calls.append(call)
        self._arrived.set()
        return call

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._body(request)
        call = self._record(method, request, body)
        if self.failures[method]:
            failure = self.failures[method].popleft()
            call.status = failure.status
            if failure.status == 429:
                headers = {"Retry-After": str(failure.retry_after or 1)}
                call.answer = {"ok": False, "error": "ratelimited"}
                return web.json_response(call.answer, status=429, headers=headers)
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream connect error")
            call.answer = {"ok": False, "error": failure.error or "fatal_error"}
            return web.json_response(call.answer)
        expected = self.app_token if method == "apps.connections.open" else self.token
        if request.headers.get("Authorization") != f"Bearer {expected}":
            call.answer = {"ok": False, "error": "invalid_auth"}
        else:
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            call.answer = handler(body) if handler else {"ok": False, "error": "unknown_method"}
        return web.json_response(call.answer)

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        call = self._record("response_url", request, body)
        problems = block_problems(body.get("blocks"))
        if problems:
            call.status, call.answer = 400, {"error": "invalid_blocks", "problems": problems}
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every frame the app sends (envelope acks)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        self._record("socket.connect", request, {})
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0ACTIONBOT"}})
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                self._record("socket.ack", request, json.loads(frame.data))
        return ws

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        """Deliver an envelope (slash_commands, events_api, interactive) over the open socket."""
        await self.sockets[-1].send_json(envelope)

    # ------------------------------------------------------------------ methods

    def _auth_test(self, body: dict) -> dict:
        return {
            "ok": True,
            "url": "https://fake-council.slack.com/",
            "team": "Fake Council",
            "user": "actionbot",
            "team_id": "T0FAKE",
            "user_id": "UBOT",
            "bot_id": "BBOT",
        }

    def _new_ts(self) -> str:
        return f"1476520000.{next(self._ts):06d}"

    def _channel_for(self, channel: str) -> str:
        return "D" + channel[1:] if channel.startswith("U") else channel

    def _message_problems(self, body: dict) -> dict | None:
        problems = block_problems(body.get("blocks"))
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        return None

    def _chat_postMessage(self, body: dict) -> dict:
        if not body.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        bad = self._message_problems(body)
        if bad:
            return bad
        channel, ts = self._channel_for(body["channel"]), self._new_ts()
        message = {
            "type": "message",
            "bot_id": "BBOT",
            "user": "UBOT",
            "ts": ts,
            "text": body.get("text", ""),
            "blocks": body.get("blocks", []),
        }
        if body.get("metadata"):
            message["metadata"] = body["metadata"]
        if body.get("thread_ts"):
            message["thread_ts"] = body["thread_ts"]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_postEphemeral(self, body: dict) -> dict:
        if not body.get("channel") or not body.get("user"):
            return {"ok": False, "error": "channel_not_found" if not body.get("channel") else "user_not_in_channel"}
        return self._message_problems(body) or {"ok": True, "message_ts": self._new_ts()}

    def _chat_update(self, body: dict) -> dict:
        key = (body.get("channel", ""), body.get("ts", ""))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        bad = self._message_problems(body)
        if bad:
            return bad
        message = self.messages[key]
        message.update({"text": body.get("text", ""), "blocks": body.get("blocks", [])})
        if body.get("metadata"):
            message["metadata"] = body["metadata"]
        return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"], "message": message}

    def _conversations_open(self, body: dict) -> dict:
        users = str(body.get("users", ""))
        if not users or users not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + users[1:]}}

    def _conversations_replies(self, body: dict) -> dict:
        message = self.messages.get((body.get("channel", ""), body.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "thread_not_found"}
        shown = dict(message)
        if str(body.get("include_all_metadata", "")).lower() not in ("1", "true"):
            shown.pop("metadata", None)
        return {"ok": True, "messages": [shown], "has_more": False}

    def _conversations_history(self, body: dict) -> dict:
        """Newest first, like Slack; metadata only with include_all_metadata."""
        channel = body.get("channel", "")
        found = [m for (c, _ts), m in self.messages.items() if c == channel and not m.get("thread_ts")]
        found.sort(key=lambda m: m["ts"], reverse=True)
        keep_meta = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        shown = [m if keep_meta else {k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": shown[: int(body.get("limit") or 100)], "has_more": False}

    def _users_info(self, body: dict) -> dict:
        user = self.users.get(str(body.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _users_lookupByEmail(self, body: dict) -> dict:
        """Like Slack: the user whose profile email matches, whatever the case (deactivated
        users and bots included, with their flags), else `users_not_found`."""
        email = str(body.get("email", "")).strip().lower()
        if not email:
            return {"ok": False, "error": "invalid_arguments"}
        for user in self.users.values():
            if str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _views_open(self, body: dict) -> dict:
        if not body.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        problems = view_problems(body.get("view") or {})
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        return {"ok": True, "view": {**body["view"], "id": f"V{next(self._ts):08d}"}}

    def _views_publish(self, body: dict) -> dict:
        if str(body.get("user_id", "")) not in self.users:
            return {"ok": False, "error": "user_not_found"}
        problems = view_problems(body.get("view") or {})
        if problems:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}
        return {"ok": True, "view": {**body["view"], "id": f"V{next(self._ts):08d}"}}

    def _apps_connections_open(self, body: dict) -> dict:
        if self.socket_url is None:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_url}


def _maybe_json(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
