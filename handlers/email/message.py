"""Building one RFC 5322 message from rendered parts: multipart/alternative (plain text first,
then HTML), the chart as a multipart/related inline picture, a fresh Message-ID (the send
ledger's `message_ref`, which a reply's In-Reply-To names) and the headers that keep
autoresponders from answering a bot (RFC 3834 `Auto-Submitted`)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from cards.email import RenderedEmail


def domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2] or "actionbot.invalid"


def build_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: str,
    to_name: str = "",
    now: datetime,
    in_reply_to: str | None = None,
    ledger_key: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(Address(display_name=to_name, addr_spec=to)) if to_name else to
    msg["Subject"] = (
        ("Re: " + rendered.subject) if in_reply_to and not rendered.subject.startswith("Re:") else rendered.subject
    )
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=domain_of(sender))
    msg["Auto-Submitted"] = "auto-generated" if not in_reply_to else "auto-replied"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if ledger_key:
        msg["X-Actionbot-Key"] = ledger_key
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    if rendered.images:
        html = msg.get_payload()[1]
        for image in rendered.images:
            html.add_related(image.png, maintype="image", subtype="png", cid=f"<{image.cid}>", filename=image.filename)
    return msg
