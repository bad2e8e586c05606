"""A local fake of the Bot Connector service (the `serviceUrl` Teams gives a bot).

aiohttp on 127.0.0.1, port 0. It answers what the Bot Framework SDK calls and records every
request with its JSON body:

  POST /v3/conversations/{conversation}/activities               send (also proactive)
  POST /v3/conversations/{conversation}/activities/{activity}    reply to an activity
  PUT  /v3/conversations/{conversation}/activities/{activity}    update (card replaced in place)
  GET  /v3/conversations/{conversation}/members/{member}         member profile (email)

`fail_next(status, code)` makes the next matching write answer with a Bot Framework error body
(403 MessageWritesBlocked, 404 ConversationNotFound, 429 with Retry-After …).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    method: str
    path: str
    conversation_id: str
    activity_id: str | None
    body: Any
    status: int
    response_id: str = ""  # the id the connector gave a new or updated activity


@dataclass
class _Failure:
    status: int
    code: str
    message: str
    retry_after: float | None
    conversation_id: str | None


@dataclass
class FakeBotConnector:
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    url: str = ""

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)

    async def start(self) -> FakeBotConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._write)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._write)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._write)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(
        self,
        status: int,
        code: str,
        message: str = "",
        *,
        times: int = 1,
        retry_after: float | None = None,
        conversation_id: str | None = None,
    ) -> None:
        for _ in range(times):
            self._failures.append(_Failure(status, code, message or code, retry_after, conversation_id))

    # ------------------------------------------------------------ what tests read

    def writes(self, method: str | None = None, conversation_id: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.method != "GET"
            and (method is None or r.method == method)
            and (conversation_id is None or r.conversation_id == conversation_id)
        ]

    def sent_cards(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Adaptive Cards in successful POSTs (sends and replies), oldest first."""
        return [
            a["content"]
            for r in self.writes("POST", conversation_id)
            if r.status < 300
            for a in (r.body or {}).get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    # ------------------------------------------------------------ handlers

    async def _write(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        activity = request.match_info.get("activity")
        body = await request.json() if request.can_read_body else None
        failure = self._take_failure(conversation)
        if failure is not None:
            self.requests.append(Recorded(request.method, request.path, conversation, activity, body, failure.status))
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return web.json_response(
                {"error": {"code": failure.code, "message": failure.message}}, status=failure.status, headers=headers
            )
        status = 200 if request.method == "PUT" else 201
        new_id = activity if request.method == "PUT" else f"fake-activity-{next(self._ids)}"
        self.requests.append(Recorded(request.method, request.path, conversation, activity, body, status, new_id))
        return web.json_response({"id": new_id}, status=status)

    async def _member(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        member = request.match_info["member"]
        profile = self.members.get(member)
        status = 200 if profile else 404
        self.requests.append(Recorded("GET", request.path, conversation, None, None, status))
        if profile is None:
            return web.json_response({"error": {"code": "MemberNotFound", "message": member}}, status=404)
        return web.json_response({"id": member, **profile})

    def _take_failure(self, conversation: str) -> _Failure | None:
        for i, f in enumerate(self._failures):
            if f.conversation_id in (None, conversation):
                return self._failures.pop(i)
        return None
