"""A route whose handler is loaded with the first request it serves.

A channel's inbound handler pulls in its SDK, the core and the card renderers: most of what
`serve` used to import before it could answer `/healthz` (issue #14). Mounting a `LazyRoute`
instead costs nothing: the first request imports the handler's module in a worker thread (the
event loop keeps answering `/healthz` and the other channels meanwhile), builds the handler on
the loop, once, and every request, the first included, is then handled by it unchanged (a
channel's own checks, such as Slack's signature, run on every request as before). A module that
fails to import fails that request (the middleware answers 500) and is tried again on the next.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LazyRoute:
    """`build(module)` makes the handler from the imported `module`, on the first request."""

    def __init__(self, module: str, build: Callable[[Any], Handler]):
        self.module = module
        self._build = build
        self._handler: Handler | None = None
        self._lock: asyncio.Lock | None = None

    @property
    def loaded(self) -> bool:
        return self._handler is not None

    async def handler(self) -> Handler:
        if self._handler is None:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._handler is None:
                    module = await asyncio.to_thread(importlib.import_module, self.module)
                    self._handler = self._build(module)
        return self._handler

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """The route's handler (mount this bound method: aiohttp wants a coroutine function)."""
        return await (await self.handler())(request)
