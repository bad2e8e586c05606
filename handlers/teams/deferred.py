"""The Bot Framework adapter, built on first use and off the event loop.

Importing the Bot Framework SDK (botbuilder, msrest, azure-core, msal) is most of what `serve`
spent starting Teams, and none of it is needed to answer `/healthz`. So `serve` mounts
`/api/messages` and builds its Teams sender with a `DeferredAdapter`: the SDK is imported and
the CloudAdapter built when the first Teams request or proactive send needs it, in a worker
thread, so the event loop keeps answering meanwhile (that first Teams answer takes the SDK's
import longer, well within Teams' 15 s). A background warm-up was tried and dropped: on a busy
machine it ran before the first /healthz was answered and competed with it for the processor. It is built once (`bot.built_once`: a thread lock, which works from any
event loop; the CLI's `nudge` runs its own).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from bot.built_once import BuiltOnce

if TYPE_CHECKING:
    from handlers.teams.sdk import TeamsAdapter


class DeferredAdapter(BuiltOnce["TeamsAdapter"]):
    """`BuiltOnce` whose first build, asked from the event loop, runs in a worker thread."""

    async def get(self) -> TeamsAdapter:
        """The adapter; the first call builds it in a worker thread."""
        return self._value if self._value is not None else await asyncio.to_thread(self.value)
