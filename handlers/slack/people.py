"""Who is who on Slack, both ways.

Inbound: who is writing: their user id, and the first time their email from users.info. The core
(`bot.identity.resolve`) matches the id or the email against the people directory and remembers
the link; this module only asks Slack for the email when the id is not linked yet, so a known
person costs no API call.

Outbound: before the first message to a directory person who has an email but no Slack id,
`users.lookupByEmail` finds their account and the link is remembered (`bot.identity.link_chat_id`),
so a council can import names and emails, not Slack ids.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.identity import chat_id, link_chat_id, person_for
from bot.outage import is_database_outage
from bot.requests import Identity
from handlers.slack.client import api_error
from storage import repo
from storage.db import session_scope
from storage.models import Person

log = logging.getLogger(__name__)
InThread = Callable[..., Awaitable[Any]]


def _is_linked(engine: Engine, user_id: str) -> bool:
    with session_scope(engine) as session:
        return person_for(session, "slack", user_id) is not None


# How long a Slack id found linked is taken as still linked without asking the database again.
LINKED_FOR = timedelta(minutes=10)


class LinkedAccounts:
    """The Slack ids this process has found linked to a directory person in the last
    `LINKED_FOR`, so that a known person's request goes straight to the core instead of first
    opening a transaction of its own only to learn that users.info can be skipped (the core
    matches the id in its own transaction either way: this only decides whether Slack is asked
    for an email). Only "linked" is remembered: an unknown id is looked up every time, so a
    link made by an import or by `people link` counts from the next message. An id unlinked in
    the last few minutes is answered as a stranger (not re-matched by email) until its entry
    runs out. Time is the runtime's clock; safe across the answer threads (plain dict writes)."""

    def __init__(self, now: Callable[[], datetime], keep_for: timedelta = LINKED_FOR) -> None:
        self._now = now
        self._keep_for = keep_for
        self._until: dict[str, datetime] = {}

    def known(self, user_id: str) -> bool:
        until = self._until.get(user_id)
        return until is not None and self._now() < until

    def remember(self, user_id: str) -> None:
        if len(self._until) > _LINKED_KEEP_MAX:  # a workspace's worth; never unbounded
            self._until.clear()
        self._until[user_id] = self._now() + self._keep_for


_LINKED_KEEP_MAX = 50_000


async def identity_of(
    engine: Engine,
    client: AsyncWebClient,
    user_id: str,
    *,
    in_thread: InThread = asyncio.to_thread,
    linked: LinkedAccounts | None = None,
) -> Identity:
    """Who is writing; `in_thread` runs the blocking lookup (the listeners pass their own pool),
    `linked` (the listeners' `LinkedAccounts`) skips it for an id found linked a moment ago."""
    if linked is not None and linked.known(user_id):
        return Identity("slack", user_id)
    try:
        is_linked = await in_thread(_is_linked, engine, user_id)
    except Exception as exc:
        if not is_database_outage(exc):
            raise
        # the core will answer "temporarily unavailable": no need to ask Slack who this is
        return Identity("slack", user_id)
    if is_linked:
        if linked is not None:
            linked.remember(user_id)
        return Identity("slack", user_id)
    try:
        info = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info for %s failed: %s", user_id, api_error(exc))
        return Identity("slack", user_id)
    except (aiohttp.ClientError, TimeoutError) as exc:  # Slack unreachable: still answer, as a stranger
        log.warning("users.info for %s failed: %s", user_id, exc)
        return Identity("slack", user_id)
    user = info.get("user") or {}
    profile = user.get("profile") or {}
    return Identity(
        "slack",
        user_id,
        email=profile.get("email") or None,
        display_name=profile.get("real_name") or user.get("real_name") or user.get("name"),
    )


# ---------------------------------------------------------------------- finding people by email


@dataclass(frozen=True)
class Lookup:
    """What `users.lookupByEmail` said about a directory email.

    `outcome` is one of: `found`, `not_found` (no Slack account has this email), `deactivated`,
    `bot` (the email belongs to a bot or app user), `error` (Slack refused the call, e.g.
    `missing_scope`, or could not be reached). `permanent` says whether asking again later could
    change the answer without someone fixing something first.
    """

    outcome: str
    user_id: str | None = None
    detail: str = ""
    permanent: bool = True

    @property
    def found(self) -> bool:
        return self.outcome == "found"

    def describe(self) -> str:
        return {
            "found": f"Slack user {self.user_id}",
            "not_found": "no Slack account has this email address (users_not_found)",
            "deactivated": f"the Slack account {self.user_id} is deactivated",
            "bot": f"the Slack account {self.user_id} is a bot, not a person",
        }.get(self.outcome, f"Slack could not look it up: {self.detail}")


async def lookup_by_email(client: AsyncWebClient, email: str) -> Lookup:
    """One `users.lookupByEmail` (tier 3; a 429 is waited out by the client's retry handler)."""
    try:
        answer = await client.users_lookupByEmail(email=email)
    except SlackApiError as exc:
        error = api_error(exc)
        if error == "users_not_found":
            return Lookup("not_found", detail=error)
        transient = error.startswith("HTTP 5") or error in ("ratelimited", "HTTP 429", "internal_error", "fatal_error")
        return Lookup("error", detail=error, permanent=not transient)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Lookup("error", detail=f"{type(exc).__name__}: {exc}", permanent=False)
    user = answer.get("user") or {}
    user_id = user.get("id")
    if not user_id:
        return Lookup("error", detail="Slack answered without a user id", permanent=False)
    if user.get("deleted"):
        return Lookup("deactivated", user_id)
    if user.get("is_bot") or user.get("is_app_user"):
        return Lookup("bot", user_id)
    return Lookup("found", user_id)


@dataclass(frozen=True)
class LinkResult:
    person_key: str
    lookup: Lookup
    linked: bool  # the link was stored now (False: already linked, or not found)
    problem: str = ""  # why the person has no Slack id after this, for `people link` and the SIT


def _store_link(engine: Engine, person_key: str, lookup: Lookup, now: datetime, actor: str) -> LinkResult:
    """Remember a found Slack id for the person, audited; refuse an id someone else already has."""
    with session_scope(engine) as session:
        person = repo.person_by_key(session, person_key)
        if person is None:
            return LinkResult(person_key, lookup, False, "no longer in the people directory")
        if chat_id(session, person_key, "slack"):
            return LinkResult(person_key, lookup, False)
        other = repo.person_by_chat_id(session, "slack", lookup.user_id or "")
        if other is not None:
            return LinkResult(
                person_key, lookup, False, f"Slack user {lookup.user_id} is already linked to {other.key}"
            )
        link_chat_id(session, person, "slack", lookup.user_id or "", now, via="users.lookupByEmail", actor=actor)
        return LinkResult(person_key, lookup, True)


def _linked_id(engine: Engine, person_key: str) -> str | None:
    with session_scope(engine) as session:
        return chat_id(session, person_key, "slack")


async def link_by_email(
    engine: Engine, client: AsyncWebClient, person: Person, now: datetime, actor: str = "bot"
) -> LinkResult:
    """Find a directory person's Slack account by their email and remember it (audited as
    `person.linked`), so the first nudge reaches someone who never wrote to the bot."""
    linked = await asyncio.to_thread(_linked_id, engine, person.key)
    if linked:
        return LinkResult(person.key, Lookup("found", linked), False)
    if not person.email:
        return LinkResult(person.key, Lookup("not_found"), False, "no email address in the people directory")
    lookup = await lookup_by_email(client, person.email)
    if not lookup.found:
        return LinkResult(person.key, lookup, False, lookup.describe())
    return await asyncio.to_thread(_store_link, engine, person.key, lookup, now, actor)
