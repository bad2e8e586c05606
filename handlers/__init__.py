"""Channel adapters. Each folder translates its platform's events into `ChatRequest`s for the
core and renders replies with its `cards/` module; `handlers.registry` lists them and mounts
whichever are configured. Nothing here names a channel."""

from __future__ import annotations

from handlers.registry import mount_all as mount_channels
from handlers.registry import outbound_all as outbound_channels

__all__ = ["mount_channels", "outbound_channels"]
