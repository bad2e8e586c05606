"""Building the Bolt app and answering `POST /slack/events` with it.

This module (slack_bolt, slack_sdk, the core's listeners) is loaded by `handlers.slack.mount`
with the first Slack request, or at start for Socket Mode: not while `serve` starts (issue #14).

`AsyncApp` refuses to exist without a token, so it is built only when Slack is configured,
inside a factory, never at import. HTTP mode shares the one aiohttp server with `/healthz` and
Teams' `/api/messages` through Bolt's aiohttp adapter functions on our own route; Socket Mode
(`SLACK_APP_TOKEN`) connects out to Slack for councils whose firewall allows no inbound URL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.http_errors import error_id
from bot.outage import RETRY_AFTER_SECONDS, is_database_outage
from bot.runtime import Runtime
from handlers.slack.client import configure
from handlers.slack.invocations import invocation_key
from handlers.slack.listeners import SlackListeners
from handlers.slack.mount import EVENTS_PATH
from handlers.slack.pacing import Pacing
from handlers.slack.settings import slack_settings
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)

__all__ = ["EVENTS_PATH", "build_bolt_app", "events_handler"]


def build_bolt_app(rt: Runtime, pacing: Pacing | None = None) -> AsyncApp:
    """The Bolt app with our listeners; request signatures are checked with
    SLACK_SIGNING_SECRET (Bolt answers 401 to a forged or stale request)."""
    settings = slack_settings(rt)
    bolt = AsyncApp(
        name="actionbot",
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=False,  # ack first, work after: Slack's 3-second limit
    )
    configure(bolt.client, settings, rt.clock.sleep)
    pacing = pacing or Pacing()
    bolt.use(handle_each_event_once(rt, pacing))
    bolt.error(answer_errors)
    SlackListeners(rt, pacing).register(bolt)
    return bolt


async def answer_errors(error: Exception, body: Any, logger: logging.Logger) -> BoltResponse:
    """What Bolt answers when a middleware, a listener matcher or a listener raises (its default
    is an empty 500). Bolt's own matchers assume Slack's payload shapes (`actions` a list of
    objects …) and raise on anything else: a signed payload Bolt cannot read is a 400. The
    database being down is a 503 with Retry-After. Anything else is a bug of ours: logged under
    an error id, answered like `bot.http_errors.last_resort` does. (After the ack Slack already
    has its 200 and the answer is dropped; the log line stays.)"""
    if is_database_outage(error):
        logger.warning("Slack request: the database is unavailable (%s)", type(error).__name__)
        return BoltResponse(
            status=503,
            body={"error": "database unavailable"},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if _raised_by_bolt(error):
        logger.warning("Slack request refused: Bolt cannot read its payload (%s: %s)", type(error).__name__, error)
        return BoltResponse(status=400, body={"error": "the payload is not shaped like a Slack request"})
    ident = error_id()
    logger.error("error %s handling a Slack request", ident, exc_info=error)
    return BoltResponse(status=500, body={"error": "internal", "id": ident})


def _raised_by_bolt(error: BaseException) -> bool:
    """The innermost frame is Bolt's (a matcher or a payload utility), not ours."""
    tb = error.__traceback__
    module = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        tb = tb.tb_next
    return module.startswith("slack_bolt.")


def handle_each_event_once(rt: Runtime, pacing: Pacing | None = None) -> Callable[..., Awaitable[Any]]:
    """Slack re-sends an event it thinks we missed (X-Slack-Retry-Num); the event id is claimed
    in the database (`seen_event`) so a retry, even to another process, is acknowledged and
    dropped instead of recording an update twice.

    Interactions are claimed the same way by their `trigger_id`, which Slack gives each
    invocation (a click, a modal submission, a command): a signed request replayed within
    Slack's five-minute signature window carries the same trigger_id and is acknowledged and
    dropped, while the next click on the same card (a new invocation) is handled.

    A slash command is acknowledged at once, without a claim: its trigger_id goes to the core
    as the request's `once_key` and is claimed in the answer's own transaction
    (`bot.conversation.Core`), so the ack waits for no database and a replay is still answered
    once (and a command whose answer failed is not claimed).

    When the database is down the claim cannot be made; the request goes on and the core
    answers "temporarily unavailable, nothing was recorded" (nothing to replay).

    The claim runs on the ack's own threads (`handlers.slack.pacing`), never queued behind the
    answers of earlier requests."""
    run = pacing.for_ack if pacing is not None else asyncio.to_thread

    def claim(event_key: str) -> bool:
        with session_scope(rt.engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                # The ack waits for this commit; PostgreSQL need not wait for its disk. The row
                # still survives a crash of this process (the server has it), and the commit of
                # whatever the request then writes flushes the log up to and including it, so
                # only a server crash in the next fraction of a second can forget a claim of a
                # request that wrote nothing: a read whose retry is then answered twice.
                session.execute(SYNC_COMMIT_OFF)
            return repo.mark_seen(session, event_key, rt.clock.now())

    async def once(req, body: dict, next_, logger) -> BoltResponse | None:
        key = invocation_key(body)
        if key is not None and not body.get("command"):
            try:
                first = await run(claim, key)
            except Exception as exc:
                if not is_database_outage(exc):
                    raise
                logger.warning("Slack %s: the database is unavailable, so it could not be checked for a replay", key)
                first = True
            if not first:
                retry = (req.headers.get("x-slack-retry-num") or [None])[0]
                what = f"retry {retry}" if retry else "replay"
                logger.info("Slack %s already handled; %s acknowledged and dropped", key, what)
                return BoltResponse(status=200, body="")
        await next_()
        return None

    return once


SYNC_COMMIT_OFF = text("SET LOCAL synchronous_commit = off")


def events_handler(bolt: AsyncApp, signing_secret: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler of POST /slack/events for `bolt` (`handlers.slack.mount` routes to it)."""

    async def slack_events(request: web.Request) -> web.StreamResponse:
        return await answer(bolt, signing_secret, request)

    return slack_events


async def answer(bolt: AsyncApp, signing_secret: str, request: web.Request) -> web.StreamResponse:
    """POST /slack/events: events, slash commands and interactivity on one URL.

    The signature is checked here first (Bolt checks it again): Bolt parses the body before it
    verifies it, and both a body it cannot parse (malformed JSON in an event or in the `payload`
    field, JSON that is not an object) and a timestamp header that is not a number escape from
    Bolt as a 500. So: 401 unless signed by Slack, then 400 for a body that is not a JSON object."""
    if not await _signed_by_slack(signing_secret, request):
        return web.json_response({"error": "invalid request signature"}, status=401)
    try:
        bolt_request = await to_bolt_request(request)
        readable = isinstance(bolt_request.body, dict)
    except Exception:  # only parsing happens in there: whatever it raises, the body is unreadable
        readable = False
    if not readable:
        log.warning("Slack: a signed request with an unreadable body was refused (400)")
        return web.json_response(
            {"error": "the request body (or its `payload` field) is not a JSON object"}, status=400
        )
    try:
        bolt_response = await bolt.async_dispatch(bolt_request)
    except Exception as exc:  # Bolt builds its handlers' arguments from the payload, eagerly
        if not _raised_by_bolt(exc):
            raise
        log.warning("Slack request refused: Bolt cannot read its payload (%s: %s)", type(exc).__name__, exc)
        return web.json_response({"error": "the payload is not shaped like a Slack request"}, status=400)
    return await to_aiohttp_response(bolt_response)


async def _signed_by_slack(signing_secret: str, request: web.Request) -> bool:
    """Slack's v0 signature and a timestamp less than five minutes old (as Bolt checks it)."""
    verifier = SignatureVerifier(signing_secret)
    try:
        return verifier.is_valid(
            body=await request.text(),
            timestamp=request.headers.get("X-Slack-Request-Timestamp") or "",
            signature=request.headers.get("X-Slack-Signature") or "",
        )
    except ValueError:  # a timestamp that is not a number, a body that is not UTF-8
        return False


