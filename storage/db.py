"""The engine and the schema. Nothing is built at import: callers pass a URL.

`upgrade()` runs the Alembic migrations on the given engine, so SQLite and PostgreSQL get the
same schema (including the append-only triggers) the same way.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import event, inspect, make_url
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

if TYPE_CHECKING:  # Alembic loads only when there is something to migrate (see `upgrade`)
    import asyncio

    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
WAL_CHECKPOINT_PAGES = 1000  # SQLite's own default for `wal_autocheckpoint`
NO_WAIT_CHECKPOINT_PAGES = 10_000  # see `no_wait_engine`


def make_engine(
    url: str,
    *,
    schema: str | None = None,
    echo: bool = False,
    lock_wait_ms: int = 5000,
    checkpoint_pages: int = WAL_CHECKPOINT_PAGES,
) -> Engine:
    """Create an engine. `schema` (PostgreSQL) puts every table in that schema via search_path;
    `lock_wait_ms` (SQLite) is how long a statement waits for another connection's write lock
    before failing with "database is locked"; `checkpoint_pages` (SQLite) how long the
    write-ahead log grows before a commit copies it into the database file (SQLite's default).

    `hide_parameters`: a database error names the statement but not its values, which would
    otherwise put notes, names and emails into the log with the traceback."""
    if url.startswith("sqlite"):
        kwargs: dict = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            kwargs.update(POOL)
        engine = create_engine(url, echo=echo, hide_parameters=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")
            # Write-ahead log: readers never wait for a writer, and a commit is an append rather
            # than a rewrite. synchronous=NORMAL keeps every commit through a crash of the process
            # (the send ledger's guarantee); only a power cut can lose the last commits, which is
            # why production runs on PostgreSQL.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            if checkpoint_pages != WAL_CHECKPOINT_PAGES:
                cur.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
            cur.close()

        return engine
    target = make_url(url)
    if schema:  # in the URL (psycopg's `options`), so an engine made from its URL shares it (`quick_lane`)
        target = target.update_query_dict({"options": f"-csearch_path={schema}"})
    return create_engine(target, echo=echo, pool_pre_ping=True, hide_parameters=True, **POOL)


def no_wait_engine(engine: Engine) -> Engine | None:
    """A second engine on `engine`'s SQLite file whose statements never wait for a lock: one
    that would fails at once with "database is locked". For work that must not block the thread
    it runs on (`QuickLane`, on the event loop) and has a slower way to fall back on. Nor do its
    commits checkpoint at SQLite's 1,000 pages: the commit that takes the write-ahead log past
    them copies it into the database file and syncs it (20 ms for 6 MB here, longer on a slow
    disk). The next commit through `engine` (an update, a click, the scheduler's heartbeat every
    tick) does that, in a thread; only if nothing else commits for `NO_WAIT_CHECKPOINT_PAGES`
    (about 4,500 answers of 9 KB of log each) does one of these commits checkpoint, which bounds
    the log at about 40 MB. None for PostgreSQL and for an in-memory SQLite database (which a
    second engine would not share)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return make_engine(
        url.render_as_string(hide_password=False), lock_wait_ms=0, checkpoint_pages=NO_WAIT_CHECKPOINT_PAGES
    )


T = TypeVar("T")


class QuickLane:
    """Where a transaction runs on the event loop without blocking it (`quick_lane`):
    `bot.conversation.Core.answer_at_once`'s, whose fallback is a worker thread. `run(work)`
    calls `work(bind)` with something a `Session` binds to; `engine` is the synchronous engine
    under it, where statement events are heard.

    This one is a SQLite file's: its statements never wait (`no_wait_engine`), so `work` runs
    right here, and fails at once on a lock, which another connection's write makes a usual
    event (`refusals_are_usual`: its caller need not warn of them)."""

    refusals_are_usual = True

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def run(self, work: Callable[[Engine | Connection], T]) -> T:
        return work(self.engine)

    async def dispose(self) -> None:
        self.engine.dispose()


class AsyncLane(QuickLane):
    """PostgreSQL's: the same synchronous `work`, whose every statement awaits the database
    through psycopg's asynchronous connections (SQLAlchemy's `run_sync`, on a greenlet), so the
    loop serves other requests while a round trip is out. A worker thread would instead take
    Python's lock from the loop at every statement and give it back (on 2 cores, a third of a
    Slack answer's CPU and 20 context switches).

    Each statement commits by itself (AUTOCOMMIT): no BEGIN and COMMIT round trips, which were
    half of an answer's. That is safe because what runs here only reads, then claims the
    request's key in one statement, last (a test holds the core to that): a refusal before the
    claim has written nothing to roll back. Nor are connections pinged when taken from the pool
    (one more round trip): after the database restarts, the first statement on an old
    connection fails, the pool drops every connection older than that, and the caller falls
    back to its worker thread, whose engine pings. Connections are replaced after
    `LANE_RECYCLE_SECONDS`, before a firewall forgets an idle one, and a connect gives up after
    `LANE_CONNECT_TIMEOUT_SECONDS` (the fallback then says whether the database is there).

    Nor does a commit here wait for the database's disk (`synchronous_commit = off`, set once as
    each connection opens): the one row written, a claim, still survives a crash of this
    process (the server has it), and only a crash of the database server in the next fraction
    of a second could forget it, so that a replay of a question that wrote nothing would be
    answered twice. The same reasoning as the Slack ack's claim (`handlers.slack.app`); a
    quarter of a millisecond an answer.

    The asynchronous engine is made on first use, so a process that never answers on a loop
    (`clock`, the command line) never loads SQLAlchemy's asyncio layer. Its connections serve
    one event loop at a time (`serve` has one a process): asked from another (a second app in
    one process, a test), the lane closes the old pool's idle connections (closing one is
    synchronous in libpq) and opens new ones."""

    refusals_are_usual = False  # a failure here means the database cannot be reached

    def __init__(self, url: URL) -> None:
        self.url = url
        self._async_engine: AsyncEngine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def async_engine(self) -> AsyncEngine:
        if self._async_engine is None:
            from sqlalchemy.ext.asyncio import create_async_engine

            url = self.url.update_query_dict({"connect_timeout": str(LANE_CONNECT_TIMEOUT_SECONDS)})
            made = create_async_engine(
                url,
                hide_parameters=True,
                isolation_level="AUTOCOMMIT",
                pool_recycle=LANE_RECYCLE_SECONDS,
                pool_size=LANE_POOL_SIZE,
                max_overflow=LANE_POOL_SIZE,
            )
            event.listen(made.sync_engine, "connect", _commits_without_waiting_for_the_disk)
            self._async_engine = made
        return self._async_engine

    @property
    def engine(self) -> Engine:  # type: ignore[override]
        return self.async_engine.sync_engine

    async def run(self, work: Callable[[Engine | Connection], T]) -> T:
        import asyncio  # loaded already: this runs on its loop

        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._loop is not None:
                await self.dispose()  # the idle connections close here; a new pool opens new ones
            self._loop = loop
        async with self.async_engine.connect() as conn:
            return await conn.run_sync(work)

    async def dispose(self) -> None:
        if self._async_engine is not None:
            await self._async_engine.dispose()
        self._loop = None


LANE_CONNECT_TIMEOUT_SECONDS = 2
LANE_RECYCLE_SECONDS = 600
# Beside the main engine's `POOL`, not on top of it: a lane serves only the answers a channel has
# in flight on its loop (Slack's `ANSWERS_IN_FLIGHT`, 4), so a few connections are all it uses,
# and a PostgreSQL's `max_connections` (100 by default) is shared by every worker process.
LANE_POOL_SIZE = 5


def _commits_without_waiting_for_the_disk(dbapi_conn, _record) -> None:
    """A session setting rather than a startup `options` parameter, which connection poolers
    such as PgBouncer refuse (see `AsyncLane`)."""
    cursor = dbapi_conn.cursor()
    cursor.execute("SET synchronous_commit = off")
    cursor.close()


def quick_lane(engine: Engine) -> QuickLane | None:
    """The `QuickLane` on `engine`'s database, built in the process that uses it (after a fork):
    a SQLite file's no-wait engine, or PostgreSQL through psycopg's asynchronous connections
    (the same URL, so the same schema and credentials). None for an in-memory SQLite database."""
    if engine.url.get_backend_name() == "postgresql":
        return AsyncLane(engine.url.set(drivername="postgresql+psycopg"))
    quick = no_wait_engine(engine)
    return QuickLane(quick) if quick is not None else None


# Connections kept open, per process. SQLAlchemy's default keeps 5 and opens (then closes) up to
# 10 more under load: `serve` has more threads than that using the database at once (Slack's ack
# and answer threads, Teams' and the web pages' worker threads, the scheduler), so at 10
# concurrent Slack clients every request past the fifth paid for a new connection (SQLite's
# pragmas, PostgreSQL's log-in) and closed it again. Connections are opened only when needed.
POOL = {"pool_size": 20, "max_overflow": 20}


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent), through Alembic."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def upgrade_if_behind(engine: Engine) -> None:
    """`upgrade` to the head, unless the database is already there.

    `serve`, `clock` and every command start with this. A database at the scripts' head (the
    usual case) is recognised without Alembic, whose import is a large part of a start-up: the
    head is read from the scripts' `revision` / `down_revision` lines (`script_heads`), and
    whenever that reading or the comparison is not conclusive, Alembic decides. (`actionbot db
    upgrade` always runs Alembic.)"""
    if not at_head(engine):
        upgrade(engine)


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def script_heads() -> frozenset[str] | None:
    """The head revisions of the migration scripts, as Alembic would find them (a test checks),
    or None if a script does not declare its revisions as plain literals."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        declared = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(declared["revision"])
            down = ast.literal_eval(declared["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    heads = frozenset(revisions - parents)
    return heads or None


def at_head(engine: Engine) -> bool:
    """The database's Alembic version is exactly the scripts' head (nothing to migrate)."""
    heads = script_heads()
    if heads is None:
        return False
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        current = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    return current == heads


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def utc_aware(at: datetime) -> datetime:
    """A stored instant, comparable with the clock's: SQLite hands timestamps back naive (they
    were written in UTC), PostgreSQL aware."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@contextmanager
def session_scope(engine: Engine | Connection) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error (nothing half-written)."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        discard(session)
        raise
    finally:
        session.close()


def discard(session: Session) -> None:
    """Roll back everything the session wrote, leaving the objects it only read readable.

    A rollback expires every object in the session, and objects read in a request outlive it:
    the core keeps the plan's state and the live plans between requests (`StateCache`,
    `KeptPlans`), possibly in use by another request's thread, and an expired object cannot be
    read once its session is closed. So the objects are detached first, as they were read,
    except those this transaction changed (an approved date sets `Action.due`): those are
    expired, so that reading one fails instead of showing a change the rollback undid. (The
    core also drops its caches after a failed request: `Core.forget`.)"""
    written = session.info.pop(_WRITTEN, {})
    for obj in (*written.values(), *session.dirty, *session.deleted):
        if obj in session:
            session.expire(obj)
    session.expunge_all()
    session.rollback()


# Key in `session.info` of the objects the transaction has flushed changes to (see `discard`).
_WRITTEN = "actionbot.written"


@event.listens_for(Session, "before_flush")
def _note_written(session: Session, _flush_context, _instances) -> None:
    """Remember the loaded objects a flush is about to change: after the flush they are no longer
    `dirty`, but their new values are still only this transaction's."""
    if session.dirty or session.deleted:
        written = session.info.setdefault(_WRITTEN, {})
        for obj in (*session.dirty, *session.deleted):
            written[id(obj)] = obj


@event.listens_for(Session, "after_commit")
def _forget_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
