"""Outbound messages: which channel reaches a person, and the one send path every sender uses
(`actionbot nudge`, the scheduler's nudges, chases, escalations and digests, and their retries:
`resend`).

Channels implement `OutboundChannel`; each registered channel (`handlers.registry`) provides one
through its `CHANNEL.outbound(rt)` when configured, and the terminal chat one for the person at
the keyboard.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from bot.outage import is_database_outage
from storage import ledger, repo
from storage.db import session_scope
from storage.models import Person, SendLedger

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send failed. `permanent` failures (app blocked, user gone) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class NotOnChannel(DeliveryError):
    """The person has no account on this channel at all (Slack: `users.lookupByEmail` said
    `users_not_found`). Not a failure to reach them but a wrong guess of where they are, so the
    message always goes on to the next channel that can reach them (email), whatever the
    policy's `email_fallback` says; permanent for this channel."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


class PreparedViews(list):
    """A message's views, with what some channels have started rendering of them ahead of
    its send (`OutboundChannel.prepare`, by channel name).

    A round's highlight report draws a chart: half a second of CPU that, done when the report's
    turn comes, holds up every send behind it and costs the round about fifteen rate-limit
    slots. Started in a worker thread when the round begins, it is drawn while the people's
    messages go out (their sends mostly wait for their slots). It travels with the views, so it
    is dropped with them once the round is over, sent or not."""

    def __init__(self, views: list[Any]):
        super().__init__(views)
        self.rendered: dict[str, asyncio.Future[Any]] = {}


def prepare(channels: Mapping[str, OutboundChannel], views: list[Any]) -> PreparedViews:
    """`views`, with the rendering of each channel that can render ahead (`prepare`) started."""
    prepared = PreparedViews(views)
    for channel in channels.values():
        start = getattr(channel, "prepare", None)
        if start is not None:
            prepared.rendered[channel.name] = start(prepared)
    return prepared


def rendered_ahead(views: list[Any], channel: str) -> asyncio.Future[Any] | None:
    """What `prepare` started rendering of `views` for `channel`, if anything."""
    return views.rendered.get(channel) if isinstance(views, PreparedViews) else None


class OutboundChannel(Protocol):
    name: str

    def can_reach(self, session: Session, person: Person) -> bool: ...

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str: ...

    async def send_to_sit(self, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str: ...


@dataclass
class SendOutcome:
    key: str
    recipient: str
    channel: str
    status: str  # sent | duplicate | unreachable | failed | retry | unmarked (sent; the database was down)
    detail: str = ""
    not_on_channel: bool = False  # failed with NotOnChannel: the next channel that reaches them is tried


def worker_id() -> str:
    import os

    return f"{socket.gethostname()}:{os.getpid()}"


def pick_channel(session: Session, channels: Mapping[str, OutboundChannel], person: Person) -> OutboundChannel | None:
    """The person's preferred channel if it can reach them, else the first that can."""
    ordered = list(channels.values())
    if person.preferred_channel and person.preferred_channel in channels:
        ordered.sort(key=lambda c: c.name != person.preferred_channel)
    for channel in ordered:
        if channel.can_reach(session, person):
            return channel
    return None


def reach_problem(channels: Mapping[str, OutboundChannel]) -> str:
    """Why a person is out of reach, in words the SIT can act on."""
    if not channels:
        return "no chat channel is configured"
    return f"no configured channel ({', '.join(sorted(channels))}) can reach them: no linked chat account"


def unreachable_people(
    session: Session, channels: Mapping[str, OutboundChannel], people: Iterable[Person]
) -> dict[str, str]:
    """Person key → why, for everyone no channel can reach. The scheduler plans their messages
    as undelivered (recorded, never silently dropped) from this one answer."""
    with repo.reach_index(session):  # every person asked: identities and addresses read once
        return {p.key: reach_problem(channels) for p in people if pick_channel(session, channels, p) is None}


def record_unreachable(
    engine,
    key: str,
    *,
    recipient: str,
    kind: str,
    now: datetime,
    reason: str,
    meta: dict[str, Any] | None = None,
) -> SendOutcome:
    """Record a message no channel can deliver: a ledger row with status `unreachable` and the
    reason, claimed like a send (so it is recorded once, by one process). The scheduler reads
    it as a step taken, so chases and the escalation of silence go on, and tells the SIT."""
    with session_scope(engine) as session:
        row = ledger.record_unreachable(
            session, key, kind=kind, recipient=recipient, now=now, worker=worker_id(), reason=reason, payload=meta
        )
    if row is None:
        return SendOutcome(key, recipient, "", "duplicate", "already recorded")
    log.debug("%s: %s could not be reached (%s)", key, recipient, reason)  # the tick logs the count
    return SendOutcome(key, recipient, "", "unreachable", reason)


async def send_to_person(
    engine,
    channels: dict[str, OutboundChannel],
    person_key: str,
    views: list[Any],
    *,
    key: str,
    kind: str,
    now: datetime,
    meta: dict[str, Any] | None = None,
) -> SendOutcome:
    """Claim `key` in the ledger, then send. A key already claimed is not sent again. When no
    channel can reach the person the message is recorded as `unreachable` instead (the
    scheduler's next tick tells the SIT, once per person and day)."""
    meta = dict(meta or {})
    with session_scope(engine) as session:
        person = session.get(Person, _person_id(session, person_key))
        channel = pick_channel(session, channels, person) if person else None
    if channel is None:
        reason = reach_problem(channels) if person else "not in the people directory"
        return record_unreachable(engine, key, recipient=person_key, kind=kind, now=now, reason=reason, meta=meta)
    with session_scope(engine) as session:
        row = ledger.claim(
            session,
            key,
            kind=kind,
            recipient=person_key,
            channel=channel.name,
            now=now,
            worker=worker_id(),
            payload=meta,
        )
        if row is None:
            return SendOutcome(key, person_key, channel.name, "duplicate", "already sent or being sent")
    outcome = await _attempt(
        engine, channel, key, lambda: channel.send_to_person(person, views, kind=kind, meta=meta), person_key, now
    )
    if outcome.status == "failed":
        backup = fallback_channel(channels, channel, person, engine=engine, not_on_channel=outcome.not_on_channel)
        if backup is not None:
            second = await _fall_back(engine, backup, person, views, key=key, kind=kind, now=now, meta=meta)
            if second.status == "sent":
                return second
        await tell_sit_unreachable(engine, channels, outcome, now)
    return outcome


def fallback_channel(
    channels: Mapping[str, OutboundChannel],
    failed: OutboundChannel | None,
    person: Person,
    *,
    engine=None,
    not_on_channel: bool = False,
) -> OutboundChannel | None:
    """A channel that offers itself as the fallback (`fallback = True`, e.g. email with the
    policy's `delivery.email_fallback: true`) and can reach the person some other way, when
    the channel picked for them refused the message for good, ran out of retries, or is no
    longer configured (`failed` is None). When the failed channel said the person is not on it
    at all (`not_on_channel`, from `NotOnChannel`), any other channel that can reach them
    (`can_reach`, e.g. email for someone with an address and no chat account) is next, with or
    without the fallback setting: "no chat identity gets email" must hold when a chat
    channel only guessed it could reach them."""
    for channel in channels.values():
        if channel is failed:
            continue
        if getattr(channel, "fallback", False) and channel.can_fall_back(person):  # type: ignore[attr-defined]
            return channel
        if not_on_channel and engine is not None:
            with session_scope(engine) as session:
                if channel.can_reach(session, person):
                    return channel
    return None


async def _fall_back(
    engine, channel, person: Person, views, *, key: str, kind: str, now, meta, worker: str | None = None
) -> SendOutcome:
    """The same message once more through the fallback channel, claimed under its own key so
    the ledger still holds exactly one row per attempt. `worker` is who claims it: a retry
    claims it as the scheduler that reclaimed the original row, so an `unmarked` outcome is
    later marked by that same sender."""
    fkey = f"{key}|fallback:{channel.name}"
    with session_scope(engine) as session:
        row = ledger.claim(
            session,
            fkey,
            kind=kind,
            recipient=person.key,
            channel=channel.name,
            now=now,
            worker=worker or worker_id(),
            payload=meta,
        )
    if row is None:
        return SendOutcome(fkey, person.key, channel.name, "duplicate", "already sent or being sent")
    return await _attempt(
        engine, channel, fkey, lambda: channel.send_to_person(person, views, kind=kind, meta=meta), person.key, now
    )


async def tell_sit_unreachable(
    engine, channels: dict[str, OutboundChannel], outcome: SendOutcome, now: datetime
) -> None:
    """A channel refused a send for good (e.g. the person blocked the bot): the SIT hears
    "could not reach X on <channel>: reason" (once a day per person)."""
    from bot.views import NoticeView
    from storage import repo

    with session_scope(engine) as session:
        person = repo.person_by_key(session, outcome.recipient)
        name = person.name if person else outcome.recipient
    via = f" on {outcome.channel}" if outcome.channel else ""
    notice = NoticeView(f"Could not reach {name} ({outcome.recipient}){via}: {outcome.detail}", "warning")
    await send_to_sit(
        engine,
        channels,
        [notice],
        key=f"unreachable:{outcome.recipient}:{now:%Y-%m-%d}",
        kind="unreachable",
        now=now,
        meta={"person": outcome.recipient, "about": outcome.key},
    )


async def send_to_sit(
    engine,
    channels: dict[str, OutboundChannel],
    views: list[Any],
    *,
    key: str,
    kind: str,
    now: datetime,
    meta: dict[str, Any] | None = None,
) -> list[SendOutcome]:
    """Post to the SIT channel on every configured platform, each claimed separately."""
    outcomes = []
    for channel in channels.values():
        ckey = f"{key}|{channel.name}"
        with session_scope(engine) as session:
            row = ledger.claim(
                session,
                ckey,
                kind=kind,
                recipient="sit",
                channel=channel.name,
                now=now,
                worker=worker_id(),
                payload=dict(meta or {}),
            )
        if row is None:
            outcomes.append(SendOutcome(ckey, "sit", channel.name, "duplicate"))
            continue
        outcomes.append(
            await _attempt(
                engine,
                channel,
                ckey,
                lambda c=channel: c.send_to_sit(views, kind=kind, meta=dict(meta or {})),
                "sit",
                now,
            )
        )
        if outcomes[-1].status == "unmarked":
            break  # the database is down: hand back what was delivered, so it can be recorded later
    return outcomes


async def resend(
    engine,
    channels: Mapping[str, OutboundChannel],
    row_id: int,
    views: list[Any],
    *,
    now: datetime,
    meta: dict[str, Any],
    was_claimed: bool,
    worker: str,
) -> SendOutcome:
    """Another try of a ledger row the caller has already reclaimed (`storage.ledger.reclaim`):
    a `retry` after its backoff, or a claim a crash left unmarked (`was_claimed`). It is the
    same path as a first send (`_attempt`: mark sent or failed, permanent or transient, and
    `unmarked` when the database went away after the channel delivered; then the fallback
    channel and the SIT), so a retry cannot drift from the first send: a retry that fails for
    good goes by email too when the policy offers it.

    What differs is only what a retry must know: the row's own channel is tried again (a
    person's preferred channel is not re-picked, so the row's history stays on one channel),
    and a crash's claim is first looked up with the channel's `already_sent` (e.g. Slack
    message metadata) so a message the platform did receive is marked, not sent twice. The
    SIT hears of a final failure once per message, naming the tries (`tell_sit_failed`).
    `worker` is the reclaiming sender, who also claims a fallback row."""
    from storage import repo

    with session_scope(engine) as session:
        row = session.get(SendLedger, row_id)
        key, kind, recipient, channel_name = row.key, row.kind, row.recipient, row.channel
        person = repo.person_by_key(session, recipient) if recipient != "sit" else None
    channel = channels.get(channel_name)
    meta = {**meta, "ledger_key": meta.get("ledger_key", key)}
    to_sit = recipient == "sit"
    if not views:
        outcome = _finish_failed(engine, key, now, "cannot resend: nothing left to show (its plan is no longer live)")
    elif not to_sit and person is None:
        outcome = _finish_failed(engine, key, now, f"cannot resend: {recipient} is not in the people directory")
    elif channel is None:
        outcome = _finish_failed(engine, key, now, f"cannot resend: channel {channel_name!r} is not configured")
    else:
        if was_claimed and hasattr(channel, "already_sent"):
            found = await channel.already_sent(key, person, meta)
            if found:
                with session_scope(engine) as session:
                    ledger.mark_sent(session, session.get(SendLedger, row_id), now, found)
                return SendOutcome(key, recipient, channel.name, "sent", found)

        async def send() -> str:
            if to_sit:
                return await channel.send_to_sit(views, kind=kind, meta=meta)
            return await channel.send_to_person(person, views, kind=kind, meta=meta)

        outcome = await _attempt(engine, channel, key, send, recipient, now)
    if outcome.status != "failed":
        return outcome
    if to_sit:  # the SIT channel itself refused: nobody else to tell but the log
        log.error("could not post %s to the SIT channel via %s: %s", key, channel_name, outcome.detail)
        return outcome
    backup = (
        fallback_channel(channels, channel, person, engine=engine, not_on_channel=outcome.not_on_channel)
        if views and person is not None
        else None
    )
    if backup is not None:
        second = await _fall_back(engine, backup, person, views, key=key, kind=kind, now=now, meta=meta, worker=worker)
        if second.status == "sent":
            return second
    await tell_sit_failed(engine, channels, key, now)
    return outcome


def _finish_failed(engine, key: str, now: datetime, error: str) -> SendOutcome:
    """A retry that cannot be attempted at all: failed for good, like a permanent refusal."""
    from sqlmodel import select

    with session_scope(engine) as session:
        row = session.exec(select(SendLedger).where(SendLedger.key == key)).one()
        ledger.mark_failed(session, row, now, error, permanent=True)
        return SendOutcome(key, row.recipient, row.channel, row.status, error)


async def tell_sit_failed(engine, channels: Mapping[str, OutboundChannel], key: str, now: datetime) -> None:
    """After a message's last try (and its fallback, if any), the SIT hears which message could
    not be delivered to whom, after how many tries and why, once per message (`failed:<key>`),
    so someone contacts the person directly."""
    from sqlmodel import select

    from storage import repo

    with session_scope(engine) as session:
        row = session.exec(select(SendLedger).where(SendLedger.key == key)).one()
        person = repo.person_by_key(session, row.recipient)
        views = failure_views(row, person.name if person else row.recipient)
        recipient = row.recipient
    await send_to_sit(
        engine,
        dict(channels),
        views,
        key=f"failed:{key}",
        kind="failure_report",
        now=now,
        meta={"about": key, "recipient": recipient},
    )


def failure_views(row: SendLedger, name: str) -> list[Any]:
    """The SIT's notice for a message that will not be tried again."""
    from bot.views import NoticeView

    what = {
        "nudge": "request for an update",
        "reading": "request for indicator readings",
        "escalation": "escalation",
    }.get(row.kind.split("+")[0], row.kind)
    return [
        NoticeView(
            f"Could not deliver a {what} to {name} ({row.recipient}) via {row.channel or 'any channel'} "
            f"after {row.attempts} tries: {row.last_error or 'unknown error'}. "
            f"It is not retried again; please contact them directly.",
            "error",
        )
    ]


async def _attempt(engine, channel, key, send, recipient, now) -> SendOutcome:
    from sqlmodel import select

    try:
        ref = await send()
    except DeliveryError as exc:
        with session_scope(engine) as session:
            row = session.exec(select(SendLedger).where(SendLedger.key == key)).one()
            ledger.mark_failed(session, row, now, str(exc), permanent=exc.permanent)
            status = row.status
        log.warning("send %s to %s via %s failed (%s): %s", key, recipient, channel.name, status, exc)
        return SendOutcome(key, recipient, channel.name, status, str(exc), isinstance(exc, NotOnChannel))
    try:
        with session_scope(engine) as session:
            row = session.exec(select(SendLedger).where(SendLedger.key == key)).one()
            ledger.mark_sent(session, row, now, ref or "")
    except Exception as exc:
        if not is_database_outage(exc):
            raise
        # delivered, but the database went away before it could say so: the row stays claimed.
        # The scheduler keeps this outcome and marks the row when the database is back, so the
        # message is not sent a second time as a stale claim.
        log.warning("%s was delivered via %s but the database is unavailable to record it", key, channel.name)
        return SendOutcome(key, recipient, channel.name, "unmarked", ref or "")
    return SendOutcome(key, recipient, channel.name, "sent", ref or "")


def _person_id(session: Session, key: str) -> int | None:
    from storage import repo

    p = repo.person_by_key(session, key)
    return p.id if p else None
