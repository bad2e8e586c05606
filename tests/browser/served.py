"""The real app served on a free loopback port from a background thread, for a real browser.

Playwright's sync API drives Debian's Chromium (`/usr/bin/chromium`, `make browser`); it must
not share pytest-asyncio's event loop, so the server runs its own loop in a thread and stops
when the test is done. Shared by tests/browser and docs/make_board_screenshot.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

from actionbot.app import create_app
from bot.runtime import Runtime

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@contextmanager
def served(rt: Runtime) -> Iterator[str]:
    """Serve `create_app(rt)` on 127.0.0.1 and yield its base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict = {}

    async def start() -> None:
        runner = web.AppRunner(create_app(rt))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        state["runner"] = runner
        state["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="board-server", daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the board server did not start within 30 seconds")
    try:
        yield f"http://127.0.0.1:{state['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
