"""Which process runs the tick when several do (web + clock, or two clocks after a deploy).

On PostgreSQL the leader is whoever holds a session-level advisory lock
(`pg_try_advisory_lock`) on a connection kept open for the process's life: when that process
dies, PostgreSQL drops the connection and the lock, and the next tick of another process takes
over. The lock is per schema, so test schemas (and two deployments in one database, each in its
own schema) do not contend. It must not go through PgBouncer in transaction-pooling mode.

On SQLite there is one process by design; the ledger's unique keys still make a second one
harmless.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

LOCK_CLASS = 0x61B0  # first key of the two-key advisory lock: "actionbot scheduler"
TRY_LOCK = text("SELECT pg_try_advisory_lock(:cls, hashtext(current_schema()))")
UNLOCK = text("SELECT pg_advisory_unlock(:cls, hashtext(current_schema()))")


class LeaderLock:
    """`is_leader()` is called at every tick: it keeps, checks or (re)tries the lock."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn: Connection | None = None

    @property
    def uses_lock(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def is_leader(self) -> bool:
        if not self.uses_lock:
            return True
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection died: so did the lock
                log.warning("lost the scheduler lock's database connection; trying again")
                self._drop()
        return self._try()

    def _try(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(TRY_LOCK, {"cls": LOCK_CLASS}).scalar())
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn
            log.info("this process now runs the scheduler tick (PostgreSQL advisory lock held)")
        else:
            conn.close()
        return got

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(UNLOCK, {"cls": LOCK_CLASS})
        except Exception:  # closing the connection releases it anyway
            log.debug("advisory unlock failed; closing the connection releases it", exc_info=True)
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never hand a lock-holding connection back to the pool
            finally:
                conn.close()
