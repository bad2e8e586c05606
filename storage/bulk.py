"""Upserting many rows in a few statements: what a 100,000-action import needs.

An ORM object per row (built, tracked, flushed one INSERT or UPDATE at a time) made an import
cost far more than its rows; here the rows already in the table are read once as plain
mappings, compared with the file's values in Python, and written with one executemany INSERT
for the new rows and one executemany UPDATE for the changed ones. Unchanged rows are not
written at all. Everything runs on the caller's session's connection, so it stays inside the
caller's one transaction (a failure writes nothing).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, SQLModel

Current = dict[Any, Mapping[str, Any]]
ROW_ID = "_row_id"  # the bound id of a row to update (a name no column has)


def table_of(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,return-value]


def current_rows(
    session: Session, model: type[SQLModel], key: str, columns: Iterable[str], *where: ColumnElement[bool]
) -> Current:
    """The rows already stored (those matching `where`), keyed by `key`: only `columns` and the
    id, as plain mappings (no ORM objects to build and track)."""
    table = table_of(model)
    names = dict.fromkeys(["id", key, *columns])
    query = select(*(table.c[n] for n in names)).where(*where)
    return {row[key]: row for row in session.connection().execute(query).mappings()}


def upsert_rows(
    session: Session,
    model: type[SQLModel],
    key: str,
    current: Current,
    rows: Iterable[dict[str, Any]],
    counts: tuple[Counter, Counter, Counter],
    kind: str,
) -> set[Any]:
    """Insert the rows whose `key` is not in `current`, update those that differ, leave the rest;
    return the keys of the rows written (new or changed).

    `counts` are the (created, updated, unchanged) counters the import summary reports; each
    row adds one to one of them under `kind`. Every row of one call must give the same columns.
    """
    created, updated, unchanged = counts
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    written: set[Any] = set()
    for values in rows:
        stored = current.get(values[key])
        if stored is None:
            new.append(values)
            created[kind] += 1
        elif any(stored[k] != v for k, v in values.items()):
            changed.append({**values, ROW_ID: stored["id"]})
            updated[kind] += 1
        else:
            unchanged[kind] += 1
            continue
        written.add(values[key])
    write_rows(session, model, new, changed)
    return written


def write_rows(
    session: Session, model: type[SQLModel], new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    """One executemany INSERT of `new` and one executemany UPDATE of `changed` (each row's id in
    `ROW_ID`, the columns to set beside it), on the session's connection."""
    if not new and not changed:
        return
    table = table_of(model)
    session.flush()  # the ORM's pending changes first: `forget` below must not discard them
    connection = session.connection()
    if new:
        connection.execute(insert(table), new)
    if changed:
        connection.execute(update(table).where(table.c.id == bindparam(ROW_ID)), changed)
    forget(session, model)


def forget(session: Session, model: type[SQLModel]) -> None:
    """Expire the session's `model` objects: rows written here behind the ORM's back must be read
    again, not served stale from the identity map, by any later query in the same session."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, model):
            session.expire(obj)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration of a bulk import, then as it was.

    An import builds a few hundred thousand small objects (rows, dicts, parameter lists) that
    hold no reference cycles, so the collector's repeated passes over a heap that keeps growing
    find nothing to free: about a fifth of a 100,000-action import's CPU time. Likewise a
    month's `actionbot preview` (a million items, keys and history entries, none cyclic: a
    quarter of its time), and a scheduler tick's planning (the first tick of a day loads every
    plan's state, about 0.8 s of collections at 10,000 actions before the first message could
    go). The switch is process-wide: in `serve`, the chat handlers' threads go uncollected for
    the planning's few seconds too, which frees later what it would have freed then."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Everything alive now left out of the cycle collector's passes until the block ends
    (`gc.freeze`), then handed back to it (`gc.unfreeze`: the oldest generation, collected as
    usual from then on).

    A nudge round holds its plans' state (10,000 actions: a few hundred thousand objects) for
    as long as its sends take, a minute or more, and allocates a little per message. Every
    full collection in that time walked the whole state again, 0.1 to 0.3 s each with the
    round's rate-limit slot missed meanwhile, and freed nothing of it. Freezing and unfreezing
    are constant-time; objects that become garbage while frozen are freed by reference
    counting as ever, and a cycle among them waits for the block's end. Process-wide, like the
    collector itself: nothing else in actionbot freezes, so the unfreeze hands back only this."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
