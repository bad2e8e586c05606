"""The Bot Framework adapter, built on first use and off the event loop.

Importing the Bot Framework SDK (botbuilder, msrest, azure-core, msal) is most of what `serve`
spent starting Teams, and none of it is needed to answer `/healthz`. So `serve` mounts
`/api/messages` and builds its Teams sender with a `DeferredAdapter`: the SDK is imported and
the CloudAdapter built when the first Teams request or proactive send needs it, in a worker
thread, so the event loop keeps answering meanwhile (that first Teams answer takes the SDK's
import longer, well within Teams' 15 s). A background warm-up was tried and dropped: on a busy
machine it ran before the first /healthz was answered and competed with it for the processor. Building twice is prevented by a thread lock, which works from any
event loop (the CLI's `nudge` runs its own).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.teams.sdk import TeamsAdapter


class DeferredAdapter:
    def __init__(self, build: Callable[[], TeamsAdapter]):
        self._build = build
        self._adapter: TeamsAdapter | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._adapter is not None

    def now(self) -> TeamsAdapter:
        """The adapter, built here if it is not yet (blocks: call it from a thread)."""
        with self._lock:
            if self._adapter is None:
                self._adapter = self._build()
            return self._adapter

    async def get(self) -> TeamsAdapter:
        """The adapter; the first call builds it in a worker thread."""
        return self._adapter if self._adapter is not None else await asyncio.to_thread(self.now)
