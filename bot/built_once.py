"""A value built the first time it is asked for, once, whichever thread asks first.

`serve` defers what it can past its start (issue #14): the outbound channels' senders
(`bot.lazy_channel`) and the Bot Framework adapter (`handlers.teams.deferred`) are built on
first use. Their first uses can come from worker threads at once (the tick's blocking parts,
two Teams requests), so the build is guarded by a lock; once built, reading it takes no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class BuiltOnce(Generic[T]):
    def __init__(self, build: Callable[[], T]):
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._value is not None

    def value(self) -> T:
        """The value, built here on the first call (blocks while it builds)."""
        found = self._value
        if found is not None:
            return found
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value
