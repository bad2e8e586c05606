"""A PostgreSQL server of the test's own (initdb on a free port, trust auth), which the test can
stop and start again: the shared server at 127.0.0.1:5432 must never be stopped.

Needs the PostgreSQL server binaries (Debian: postgresql-15 puts them in
/usr/lib/postgresql/15/bin). Their absence fails the test with a message, never skips it. As
root, initdb and pg_ctl run as the `postgres` OS user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MISSING = (
    "the database outage test needs the PostgreSQL server binaries (initdb, pg_ctl) to start a "
    "throw-away server: install them (Debian: apt-get install postgresql-15) or put them on PATH"
)


def server_binaries() -> Path:
    """The folder holding initdb and pg_ctl: newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    pytest.fail(MISSING, pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ThrowawayPostgres:
    """`start()`, `stop()` (fast shutdown: connections are cut, as in a crash of the server or
    a failover), `start()` again on the same port and data, `destroy()` at the end."""

    bin: Path
    data: Path
    port: int
    log: Path
    _as_postgres: list[str] = field(default_factory=list)

    @classmethod
    def create(cls) -> ThrowawayPostgres:
        binaries = server_binaries()
        root = Path(tempfile.mkdtemp(prefix="actionbot-pg-"))
        as_postgres: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.fail("running as root, and `runuser` is missing to run PostgreSQL as `postgres`", pytrace=False)
            as_postgres = [runuser, "-u", "postgres", "--"]
            shutil.chown(root, "postgres", "postgres")
        root.chmod(0o700)
        pg = cls(binaries, root / "data", free_port(), root / "server.log", as_postgres)
        pg._run("initdb", "-D", str(pg.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        pg.start()
        return pg

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [*self._as_postgres, str(self.bin / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}\n{log}")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.data.parent, ignore_errors=True)
