"""An outbound channel built on first use.

`serve` builds every configured channel's sender before it listens, but none of them is needed
to answer `/healthz`: the first send is the scheduler's first tick, seconds later. Building
Slack's sender imports slack_sdk and its Web API client, Teams' imports its card renderers;
together a few hundred milliseconds of CPU on the start-up's critical path (issue #14). A
`LazyChannel` stands in for the sender under the same name, and builds it the first time
anything but its name is asked for (`can_reach`, `send_to_person` …); from then on it is the
real sender's attributes that answer. It is built once (`bot.built_once`), since the tick's blocking parts run in worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.built_once import BuiltOnce


class LazyChannel:
    """Stands for the `bot.delivery.OutboundChannel` that `build` returns, under `name`."""

    def __init__(self, name: str, build: Callable[[], Any]):
        self.name = name
        self._once: BuiltOnce[Any] = BuiltOnce(build)

    @property
    def built(self) -> bool:
        return self._once.built

    def channel(self) -> Any:
        """The real sender, built here on the first call."""
        return self._once.value()

    def __getattr__(self, attribute: str) -> Any:
        # only reached for what the stand-in itself lacks: everything of the real sender
        if attribute.startswith("__") or attribute == "_once":
            raise AttributeError(attribute)
        return getattr(self.channel(), attribute)
