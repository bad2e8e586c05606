"""`actionbot serve --workers N`: N web processes answering on one port, one scheduler among them.

Python runs one request's Python code at a time per process, so a machine with more cores
answers more requests per second only with more processes. The parent binds the listening
socket once and forks N workers that all accept on it (the kernel hands each new connection to
one of them); every worker builds its own runtime after the fork (engine, connection pool, Bolt
app, Teams adapter), so no connection or event loop is ever shared between processes.

Exactly one worker, the first, runs the scheduler (`actionbot.scheduler_wiring`); the others
answer requests only. On PostgreSQL the scheduler also takes its advisory lock
(`scheduler.leader`), so a separate `actionbot clock` or a second host still leaves one leader,
and the send ledger's unique keys make a second sender harmless anyway. Inbound Slack retries
and replays are claimed in `seen_event`, a table every worker shares, so a retry that reaches
another worker is still dropped.

The parent does nothing but supervise: SIGTERM or SIGINT is passed on to every worker and the
parent waits for them; a worker that dies on its own is started again (the scheduler's worker
too, so there is always one), unless it died within its first seconds, which means it cannot
start at all: then everything stops and `serve` exits 1 with the worker's error in the log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("actionbot")

# A worker that exits within this many seconds of starting could not start: starting it again
# would only loop, so the whole server stops instead.
EARLY_EXIT_SECONDS = 5.0

Worker = Callable[[int, socket.socket], int]


def listening_socket(host: str, port: int) -> socket.socket:
    """The one socket every worker accepts on (bound before the fork, so a bad port fails once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024, reuse_port=False)


@dataclass
class Supervisor:
    """Forks the workers, restarts one that dies, and passes a stop signal on to all of them."""

    count: int
    sock: socket.socket
    run_worker: Worker
    children: dict[int, tuple[int, float]] = field(default_factory=dict)  # pid → (index, started at)
    stopping: bool = False

    def start(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, its own runtime, never returns
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = self.run_worker(index, self.sock)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("web worker %d failed", index)
            finally:
                logging.shutdown()
                os._exit(code)
        self.children[pid] = (index, time.monotonic())

    def stop(self, signum: int = signal.SIGTERM, _frame: object = None) -> None:
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):  # it has just exited
                os.kill(pid, signal.SIGTERM)

    def run(self) -> int:
        """Start every worker and wait until all have stopped. 0 after a clean stop, 1 when a
        worker could not start."""
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        failed = False
        try:
            for index in range(self.count):
                self.start(index)
            while self.children:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
                    continue
                if pid not in self.children:
                    continue
                index, started = self.children.pop(pid)
                if self.stopping:
                    continue
                code = os.waitstatus_to_exitcode(status)
                if time.monotonic() - started < EARLY_EXIT_SECONDS:
                    log.error("web worker %d exited at start-up (%s); stopping", index, code)
                    failed = True
                    self.stop()
                    continue
                log.warning("web worker %d (pid %d) exited (%s); starting it again", index, pid, code)
                self.start(index)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.sock.close()
        return 1 if failed else 0
