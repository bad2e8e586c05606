"""Seeing the scheduler tick inside a served app: the wiring builds its own Ticker, so a test
swaps in one that says when a tick has run (time stays on the FixedClock; only the event is awaited)."""

from __future__ import annotations

import asyncio

import scheduler.tick
from scheduler.tick import Ticker


def observe_ticks(monkeypatch) -> asyncio.Event:
    """The event is set after each tick that the app's scheduler runs (the first as it starts)."""
    ticked = asyncio.Event()

    class Observed(Ticker):
        async def run(self):
            report = await super().run()
            ticked.set()
            return report

    # the wiring imports the Ticker when it builds one (on the first tick), from its module
    monkeypatch.setattr(scheduler.tick, "Ticker", Observed)
    return ticked
