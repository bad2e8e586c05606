"""Handing a message to the SMTP server (aiosmtplib), with its answer sorted into what
`bot.delivery` needs: a permanent refusal (5xx: no such mailbox, policy) is not retried and
the SIT is told; a temporary one (4xx, a refused connection, a timeout) is retried by the
ledger's schedule (1, 4, 16 minutes)."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import aiosmtplib

from bot.delivery import DeliveryError
from handlers.email.settings import SmtpTarget

log = logging.getLogger(__name__)


def classify(exc: Exception) -> DeliveryError:
    """The DeliveryError for an SMTP failure; never carries the password (aiosmtplib's messages
    hold the server's reply only)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        permanent = bool(codes) and all(500 <= c < 600 for c in codes)
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return DeliveryError(f"the mail server refused the recipient ({detail})", permanent=permanent)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        permanent = 500 <= exc.code < 600
        return DeliveryError(f"the mail server answered {exc.code} {exc.message}", permanent=permanent)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return DeliveryError("the mail server did not answer in time", permanent=False)
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return DeliveryError(f"could not talk to the mail server: {type(exc).__name__}", permanent=False)
    raise exc


async def send_message(target: SmtpTarget, message: EmailMessage, *, timeout: float = 30.0) -> None:
    """Send one message; raises DeliveryError (permanent or not) when the server does not take it."""
    try:
        await aiosmtplib.send(
            message,
            hostname=target.host,
            port=target.port,
            username=target.username,
            password=target.password,
            use_tls=target.security == "tls",
            start_tls=target.security == "starttls",
            timeout=timeout,
        )
    except Exception as exc:
        raise classify(exc) from exc
