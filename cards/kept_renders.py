"""Renderings of the views the core keeps between requests, kept with them.

The core answers `status`, `status priority N` … from view objects it keeps while the plan is
unchanged (`bot.status`: `PlanState.derived`), so the same object is rendered for every person
who asks until the next update. A renderer is a pure function of its view, so its output for
that object can be kept too: `KeptRenders` remembers the last renderings by the view's identity
(holding the view itself, so an identity is never reused while it is remembered) and hands back
the same value. Callers treat what they get as read-only (`bot.typed_command.shown` copies it
into each message)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class KeptRenders(Generic[T]):
    """`render(view)`, remembered for the `size` views rendered last."""

    def __init__(self, render: Callable[[Any], T], size: int = 128) -> None:
        self._render = render
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, tuple[Any, T]] = OrderedDict()

    def __call__(self, view: Any) -> T:
        key = id(view)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is view:
                self._entries.move_to_end(key)
                return entry[1]
        rendered = self._render(view)
        with self._lock:
            self._entries[key] = (view, rendered)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return rendered
