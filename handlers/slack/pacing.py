"""How Slack work shares one process: acks never queue behind answers, answers reuse connections.

Slack gives every command and click 3 seconds for its ack and retries when it is late, so under
load the ack path must not wait for anything the answers are doing:

- **the ack's own threads.** Before acking, an event's `event_id` or an interaction's
  `trigger_id` is claimed in the database (`handlers.slack.app.handle_each_event_once`: a
  blocking call, so it runs in a thread; a slash command is acked at once and claimed by the
  core with its answer). It gets a small pool of its own instead of asyncio's default one, where it would
  wait behind every queued core transaction of the answers in flight. The modal submission,
  whose ack carries the core's verdict, runs its lookup and its core call there too;
- **a bound on the answers in flight.** The work after the ack (the core's transaction, the
  rendering, the post) is CPU-bound Python: running 50 at once only interleaves them, so every
  answer finishes late and the event loop, which also reads the next requests and writes
  their acks, gets a 50th of the time. At most `ANSWERS_IN_FLIGHT` run at once; the rest wait
  their turn, cheaply, on a semaphore;
- **one connection pool for `response_url`.** Bolt's `respond()` opens a new HTTP session (a
  new TCP, and on Slack a new TLS, connection) for every answer; `ResponseUrls` keeps one
  `aiohttp.ClientSession` for the process's life, so answers reuse kept-alive connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

T = TypeVar("T")

ACK_THREADS = 4
ANSWERS_IN_FLIGHT = 4
ANSWER_THREADS = ANSWERS_IN_FLIGHT + 2  # the identity lookup and the core of one answer, with slack
RESPONSE_URL_TIMEOUT_SECONDS = 10.0


class Pacing:
    """The ack path's threads, the answers' threads and their bound, and the shared HTTP session.

    Built with the Bolt app, started and stopped with the aiohttp app (`cleanup_ctx`); used
    before start-up (a test driving the listeners directly) it makes its session on first use."""

    def __init__(self, *, ack_threads: int = ACK_THREADS, answers_in_flight: int = ANSWERS_IN_FLIGHT):
        self._ack_pool = ThreadPoolExecutor(ack_threads, thread_name_prefix="slack-ack")
        self._answer_pool = ThreadPoolExecutor(answers_in_flight + 2, thread_name_prefix="slack-answer")
        self._in_flight = answers_in_flight
        self._semaphore: asyncio.Semaphore | None = None
        self._session: aiohttp.ClientSession | None = None

    async def for_ack(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking call the ack waits for (the replay claim), on the ack's own threads."""
        return await asyncio.get_running_loop().run_in_executor(self._ack_pool, functools.partial(fn, *args))

    async def in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking call of an answer (identity lookup, the core), on the answers' threads."""
        return await asyncio.get_running_loop().run_in_executor(self._answer_pool, functools.partial(fn, *args))

    @contextlib.asynccontextmanager
    async def answer_slot(self) -> AsyncIterator[None]:
        """Wait for one of the `answers_in_flight` slots; the work after an ack runs inside one."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._in_flight)
        async with self._semaphore:
            yield

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=RESPONSE_URL_TIMEOUT_SECONDS),
                connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
            )
        return self._session

    async def post_response(self, url: str, payload: dict[str, Any]) -> tuple[int, str]:
        """POST a message to a `response_url` (what Bolt's `respond` does, on the shared pool).
        Returns the status and body; a connection failure is status 0 with its description."""
        try:
            async with self.session().post(url, json=payload) as response:
                return response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return 0, f"{type(exc).__name__}: {exc}"

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._ack_pool.shutdown(wait=False, cancel_futures=True)
        self._answer_pool.shutdown(wait=False, cancel_futures=True)

    def lifetime(self) -> Callable[[web.Application], AsyncIterator[None]]:
        """For `app.cleanup_ctx`: nothing to open, everything closed when the server stops."""

        async def lifetime(_app: web.Application) -> AsyncIterator[None]:
            yield
            await self.close()

        return lifetime
