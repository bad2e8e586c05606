"""The registry of extra text commands the core tries before status queries and updates.

Each entry is a function `(turn, text) -> Reply | None` from its own module (one line each).
"""

from __future__ import annotations

TEXT_COMMANDS: list = []
