"""A recording OutboundChannel (bot.delivery's protocol) for scheduler tests: it reaches
everyone, keeps every message it was given (views and ledger metadata), and can be told to
fail or to 'crash' on chosen sends. Thread-safe, so two scheduler threads can share one."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bot.delivery import DeliveryError


class SimulatedCrash(BaseException):  # like SystemExit: `except Exception` does not catch it
    """The process dies mid-send: raised from inside the channel, it escapes the tick."""


@dataclass
class Sent:
    to: str  # person key, or "sit"
    kind: str
    views: list[Any]
    meta: dict[str, Any]

    @property
    def key(self) -> str:
        return self.meta.get("ledger_key", "")

    @property
    def refs(self) -> list[str]:
        return list(self.meta.get("refs") or [])

    @property
    def day(self) -> str:
        return self.meta.get("day", "")

    def items(self, kind: str | None = None) -> list[dict]:
        return [i for i in self.meta.get("items", []) if kind is None or i["kind"] == kind]


@dataclass
class RecordingChannel:
    name: str = "fake"
    reach: set[str] | None = None  # None: everyone
    fail_first: int = 0  # how many sends fail (DeliveryError, retryable) before they work
    fail_always: bool = False
    fail_to: set[str] = field(default_factory=set)  # recipients (person keys, "sit") whose sends always fail
    permanent: bool = False
    crash_on: set[str] = field(default_factory=set)  # ledger keys whose first send 'kills the process'
    fallback: bool = False  # offers itself for a send another channel refused (bot.delivery.fallback_channel)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def can_reach(self, session, person) -> bool:
        return self.reach is None or person.key in self.reach

    def can_fall_back(self, person) -> bool:
        return self.can_reach(None, person)

    async def send_to_person(self, person, views, *, kind, meta) -> str:
        return self._send(person.key, views, kind, meta)

    async def send_to_sit(self, views, *, kind, meta) -> str:
        return self._send("sit", views, kind, meta)

    def _send(self, to: str, views, kind: str, meta: dict[str, Any]) -> str:
        key = meta.get("ledger_key", "")
        with self._lock:
            self.attempts.append(key)
            if key in self.crash_on:
                self.crash_on.discard(key)
                raise SimulatedCrash(key)
            if self.fail_always or self.fail_first > 0 or to in self.fail_to:
                self.fail_first -= 1
                raise DeliveryError("fake outage: 503 Service Unavailable", permanent=self.permanent)
            self.sent.append(Sent(to, kind, list(views), dict(meta)))
            return f"{self.name}:{len(self.sent)}"

    def to(self, who: str) -> list[Sent]:
        return [s for s in self.sent if s.to == who]
