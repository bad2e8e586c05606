"""`POST /mail/inbound`: an emailed reply to a nudge, as a raw RFC 822 message (what the
inbound-parse webhooks of mail services, or an Exchange / Power Automate forwarding flow, post).

Accepted only when, in this order: the shared secret header matches `ACTIONBOT_INBOUND_SECRET`
(constant-time compare; 401), the body is within `ACTIONBOT_MAIL_MAX_BYTES` (413) and is a
message with a From and a Message-ID (400), the receiving mail system's `Authentication-Results`
do not say the From domain failed DMARC (or DKIM and SPF), and, with
`ACTIONBOT_INBOUND_REQUIRE_AUTH`, say it passed (403; `sender_auth`), the sender is in the people directory (403), and
its In-Reply-To names a message the bot sent that person by email (a `send_ledger` row with
that Message-ID; 403). The new text (quotes and signature stripped) then goes to the core as a
message in that nudge's thread (`thread_refs` = its actions), so `amber - waiting on HR` alone
answers a nudge about one action, exactly as in chat. A webhook's retry of the same message is
handled once (`seen_event`, keyed by its Message-ID); if the core fails or the database is down
the mark is taken back and the answer is 503, so the retry is handled, not dropped. The answer
goes back by email, as a reply.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from aiohttp import web

from bot.outage import RETRY_AFTER_SECONDS, UNAVAILABLE, is_database_outage
from bot.requests import ChatRequest, Identity, Reply
from bot.runtime import Runtime
from bot.views import NoticeView
from cards.email import render_email
from handlers.email import sender_auth
from handlers.email.outbound import EmailChannel
from handlers.email.quoting import html_to_text, strip_quoted, update_lines
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)

PATH = "/mail/inbound"
SECRET_HEADER = "X-Actionbot-Inbound-Secret"
MAX_TEXT = 4000  # characters of new text a reply may carry to the core


def _problem(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


def _unavailable() -> web.Response:
    """503 with Retry-After: mail services' inbound webhooks retry on a 5xx."""
    response = _problem(503, "the plan database is temporarily unavailable; nothing was recorded, retry later")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def parse_message(raw: bytes) -> EmailMessage | None:
    """The message, or None when it is not one (no headers we can use)."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        if not msg.keys() or (msg.defects and not msg["From"]):
            return None
        return msg  # type: ignore[return-value]
    except Exception:  # the parser is lenient; anything it still cannot take is the sender's fault
        return None


def sender_address(msg: EmailMessage) -> str | None:
    try:
        found = [addr for _, addr in getaddresses([str(msg["From"])]) if "@" in addr]
    except Exception:
        return None
    return found[0].strip().lower() if len(found) == 1 else None


def new_text(msg: EmailMessage) -> str:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except Exception:
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return update_lines(strip_quoted(content))


class InboundEndpoint:
    def __init__(self, rt: Runtime, channel: EmailChannel, secret: str, max_bytes: int, *, require_auth: bool = False):
        self.rt = rt
        self.require_auth = require_auth
        self.channel = channel
        self.secret = secret.encode("utf-8")
        self.max_bytes = max_bytes

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self.secret):
            return _problem(401, "unauthorized")
        if request.content_length is not None and request.content_length > self.max_bytes:
            return _problem(413, f"message larger than {self.max_bytes} bytes")
        raw = await request.content.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            return _problem(413, f"message larger than {self.max_bytes} bytes")
        msg = parse_message(raw)
        if msg is None:
            return _problem(400, "not an RFC 822 message")
        address = sender_address(msg)
        message_id = str(msg.get("Message-ID", "")).strip()
        if address is None or not message_id:
            return _problem(400, "the message needs one From address and a Message-ID")
        checked = sender_auth.verdict(msg.get_all("Authentication-Results") or [], address.rsplit("@", 1)[1])
        if checked == sender_auth.FAIL:
            log.warning("refused an emailed reply from %s: its domain failed DMARC/DKIM/SPF", address)
            return _problem(403, "the sender's domain failed authentication (Authentication-Results)")
        if self.require_auth and checked != sender_auth.PASS:
            return _problem(403, "the sender's domain is not authenticated (no passing Authentication-Results)")
        in_reply_to = str(msg.get("In-Reply-To", "")).strip().split()
        text = new_text(msg)
        outcome = await asyncio.to_thread(
            self._handle, address, in_reply_to[0] if in_reply_to else "", message_id, text
        )
        if isinstance(outcome, web.Response):
            return outcome
        reply, person_name, person_email, nudge_ref = outcome
        if reply is None:
            return web.json_response({"status": "duplicate"})
        recorded = len(reply.recorded)
        try:
            rendered = render_email(reply.views)
            await self.channel.deliver(rendered, to=person_email, to_name=person_name, in_reply_to=message_id)
        except Exception as exc:  # the update stands; the acknowledgement is a courtesy
            log.warning("could not acknowledge an emailed reply (%s): %s", nudge_ref, exc)
        return web.json_response({"status": "handled", "recorded": recorded})

    def _handle(self, address: str, in_reply_to: str, message_id: str, text: str) -> Any:
        now = self.rt.clock.now()
        with session_scope(self.rt.engine) as session:
            person = repo.person_by_email(session, address)
            if person is None or (person.email or "").lower() != address:
                return _problem(403, "the sender is not in the people directory")
            row = repo.sent_message(session, "email", in_reply_to) if in_reply_to else None
            if row is None or row.recipient != person.key:
                return _problem(403, "not a reply to a message the bot sent this person")
            refs = tuple(str(r) for r in (row.payload or {}).get("refs", []) if isinstance(r, str))
            nudge_ref = row.key
            seen_key = f"email:{message_id}"[:200]
            if not repo.mark_seen(session, seen_key, now):
                return None, person.name, person.email, nudge_ref
            name, email = person.name, person.email or address
        if not text.strip():
            reply = Reply(
                [NoticeView("Your reply had no text above the quoted message; nothing was recorded.", "warning")]
            )
        elif len(text) > MAX_TEXT:
            reply = Reply(
                [NoticeView(f"Your reply is longer than {MAX_TEXT} characters; nothing was recorded.", "warning")]
            )
        else:
            request = ChatRequest(
                identity=Identity(channel="email", user_id=address, email=address, display_name=name),
                text=text,
                kind="message",
                thread_refs=refs,
            )
            try:
                reply = self.rt.core.handle(request)
            except Exception as exc:  # nothing recorded: the sender's retry must not be a "duplicate"
                self._forget(seen_key, now)
                if not is_database_outage(exc):
                    raise
                return _unavailable()
            if not reply.recorded and any(isinstance(v, NoticeView) and v.text == UNAVAILABLE for v in reply.views):
                self._forget(seen_key, now)  # the core met an outage: 503, and the retry is handled
                return _unavailable()
        return reply, name, email, nudge_ref

    def _forget(self, seen_key: str, at: datetime) -> None:
        """Un-mark the message as seen (in a transaction of its own: the core's failed), so the
        webhook's retry is handled. Marked before the core and un-marked on failure keeps two
        concurrent deliveries of one message from both being recorded."""
        try:
            with session_scope(self.rt.engine) as session:
                repo.forget_seen(session, seen_key, at)
        except Exception:
            log.warning("could not un-mark %s after a failed reply; its retry will be taken as a duplicate", seen_key)
