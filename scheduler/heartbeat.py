"""The scheduler's heartbeat: each tick records when it ran, in the database, so `/healthz` in
any process (the web process too, when the scheduler runs in `actionbot clock`) can tell a
scheduler that stopped ticking from one that has nothing to send.

A tick that raises records nothing: a scheduler failing every tick is as unhealthy as a dead
one. Time is the bot's clock (`domain.clock`), so tests move a FixedClock instead of sleeping.
The health rule: with a scheduler expected (this process runs one, or some process has
recorded a heartbeat and not stopped cleanly), the last tick must be at most
`STALE_AFTER_TICKS` tick intervals ago.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import select

from storage.db import session_scope, utc_aware
from storage.models import SchedulerHeartbeat

STALE_AFTER_TICKS = 3


def process_name(kind: str) -> str:
    """The heartbeat row of this host's `kind` process (`clock` or `serve`): a restart reuses it."""
    return f"{socket.gethostname()} {kind}"


def record(engine: Engine, process: str, now: datetime, tick_seconds: float, *, leader: bool) -> None:
    """Upsert this process's row: the tick that just finished ran at `now`."""
    values = {
        "process": process,
        "last_tick_at": now,
        "tick_seconds": tick_seconds,
        "pid": os.getpid(),
        "leader": leader,
    }
    table = SchedulerHeartbeat.__table__  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["process"], set_={k: stmt.excluded[k] for k in values if k != "process"}
        )
        session.execute(stmt)


def remove(engine: Engine, process: str) -> None:
    """A clean stop: this process no longer promises ticks (a crash leaves the row, and goes stale)."""
    with session_scope(engine) as session:
        session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.process == process))


@dataclass(frozen=True)
class LocalScheduler:
    """A scheduler running in the process that answers /healthz: it is expected to tick even
    before its first heartbeat, counted from when it started."""

    started_at: datetime
    tick_seconds: float


@dataclass(frozen=True)
class SchedulerHealth:
    enabled: bool
    healthy: bool
    last_tick: datetime | None
    process: str | None
    stale_after_seconds: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "healthy": self.healthy,
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "process": self.process,
            "stale_after_seconds": self.stale_after_seconds,
        }


def health(engine: Engine, now: datetime, local: LocalScheduler | None = None) -> SchedulerHealth:
    """Is a scheduler expected, and has one ticked within `STALE_AFTER_TICKS` intervals?"""
    with session_scope(engine) as session:
        latest = session.exec(
            select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.last_tick_at.desc()).limit(1)  # type: ignore[attr-defined]
        ).first()
        rows = session.exec(select(func.count()).select_from(SchedulerHeartbeat)).one()
    enabled = local is not None or rows > 0
    if not enabled:
        return SchedulerHealth(False, True, None, None, None)
    last = utc_aware(latest.last_tick_at) if latest else None
    interval = local.tick_seconds if local is not None else latest.tick_seconds  # type: ignore[union-attr]
    window = timedelta(seconds=STALE_AFTER_TICKS * interval)
    # a scheduler that started in this process counts from its start (an older row may be another's)
    since = max(t for t in (last, local.started_at if local else None) if t is not None)
    healthy = now - since <= window
    return SchedulerHealth(True, healthy, last, latest.process if latest else None, window.total_seconds())
