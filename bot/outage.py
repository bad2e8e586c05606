"""The database is down: how every part of the bot recognises it, and what a person is told.

Written once, here. The core (`bot.conversation.Core.handle`) turns an outage into the notice
below, which every channel renders like any other reply; the HTTP error middleware
(`bot.http_errors`) answers 503 with Retry-After; the scheduler's tick skips and catches up
later (what is due is derived from the database, so nothing is lost by waiting).

An outage is a lost or refused connection (PostgreSQL stopped or restarting, the network
gone, the pool exhausted) or, on SQLite, a database file that is locked or cannot be opened.
Any other database error (a constraint, a missing table) is a bug, not an outage: it is not
disguised as "try again later".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

from bot.views import NoticeView

UNAVAILABLE = (
    "The plan database is temporarily unavailable, so nothing was recorded. Please try again in a few minutes."
)
RETRY_AFTER_SECONDS = 30  # what a 503 asks an HTTP client to wait

_SQLITE_OUTAGE_WORDS = ("locked", "unable to open", "disk i/o", "busy")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what caused it (SQLAlchemy wraps the driver's; callers may wrap ours)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def is_database_outage(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database cannot be reached right now."""
    for e in _chain(exc):
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, sa_exc.TimeoutError):  # the pool had no connection to give
            return True
        if isinstance(e, sa_exc.OperationalError | sa_exc.InterfaceError):
            if isinstance(e.orig, sqlite3.Error):
                return any(word in str(e.orig).lower() for word in _SQLITE_OUTAGE_WORDS)
            return True
        if type(e).__module__.startswith("psycopg") and type(e).__name__ in ("OperationalError", "InterfaceError"):
            return True  # raised by the driver outside SQLAlchemy (a raw connection)
    return False


def unavailable_notice() -> NoticeView:
    """What every channel shows when a request could not reach the database."""
    return NoticeView(UNAVAILABLE, "error")
