"""`POST /mail/inbound` on the real app: a raw RFC 822 reply to a nudge, posted as a mail
service's inbound webhook posts it. Refused without the shared secret (401), when too large
(413) or not a message (400), from a sender not in the directory or not replying to a nudge
that person was sent (403); a good reply is parsed by the core, quotes stripped, recorded once
however often it is posted, and acknowledged by email."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import create_engine
from sqlmodel import select

from handlers.email.sender_auth import verdict
from storage.db import session_scope
from storage.models import ActionUpdate, AuditEvent
from tests.email.conftest import BOT, HANNAH_EMAIL, INBOUND, send_nudge

QUOTE = """
On Wed, 14 Sep 2016 at 10:00, actionbot <{bot}> wrote:
> Hello Hannah, please update these actions:
>   4.2.1  Not yet rated
> 4.2.2 green
"""


def reply(nudge: EmailMessage, body: str, *, sender: str = HANNAH_EMAIL, in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Hannah <{sender}>"
    msg["To"] = BOT
    msg["Subject"] = "Re: " + str(nudge["Subject"])
    msg["Message-ID"] = make_msgid(domain="example.invalid")
    msg["In-Reply-To"] = in_reply_to if in_reply_to is not None else str(nudge["Message-ID"])
    msg.set_content(body)
    return bytes(msg)


async def post(served, raw: bytes, secret: str | None = INBOUND):
    headers = {"Content-Type": "message/rfc822"}
    if secret is not None:
        headers["X-Actionbot-Inbound-Secret"] = secret
    async with served.http.post(served.url + "/mail/inbound", data=raw, headers=headers) as resp:
        return resp.status, await resp.json()


def updates(rt) -> list[tuple[str, str, str, str]]:
    with session_scope(rt.engine) as s:
        rows = s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email")).all()
        from storage.models import Action

        return [(s.get(Action, u.action_id).ref, u.rag, u.note, u.author_key) for u in rows]


async def nudge(rt, sink) -> EmailMessage:
    await send_nudge(rt)
    [msg] = sink.to(HANNAH_EMAIL)
    return msg


async def test_a_reply_is_recorded_once_and_acknowledged(rt, sink, served):
    n = await nudge(rt, sink)
    raw = reply(
        n, "4.2.1 amber - waiting on HR\n\nThanks,\nHannah\n-- \nHannah S&CP\nHead of Service" + QUOTE.format(bot=BOT)
    )
    assert await post(served, raw) == (200, {"status": "handled", "recorded": 1})
    assert updates(rt) == [("4.2.1", "amber", "waiting on HR", "hos-scp")]
    assert await post(served, raw) == (200, {"status": "duplicate"})  # the webhook retried
    assert len(updates(rt)) == 1
    acks = sink.to(HANNAH_EMAIL)[1:]
    assert len(acks) == 1
    ack = acks[0]
    assert ack["In-Reply-To"] and ack["Subject"].startswith("Re: ")
    assert "4.2.1" in ack.get_body(preferencelist=("plain",)).get_content()


async def test_quoted_text_is_not_read_as_updates(rt, sink, served):
    n = await nudge(rt, sink)
    # the quote holds "4.2.2 green": only the new text above it counts
    raw = reply(n, "4.2.1 green" + QUOTE.format(bot=BOT))
    assert (await post(served, raw))[0] == 200
    assert [u[:2] for u in updates(rt)] == [("4.2.1", "green")]


async def test_a_rag_word_alone_answers_a_nudge_about_one_action(rt, sink, served):
    await send_nudge(rt, refs=("4.2.1",), key="msg:hos-scp:one")
    [n] = sink.to(HANNAH_EMAIL)
    assert (await post(served, reply(n, "green\n")))[0] == 200
    assert [u[:2] for u in updates(rt)] == [("4.2.1", "green")]


async def test_a_refused_update_records_nothing_and_says_why(rt, sink, served):
    n = await nudge(rt, sink)
    status, body = await post(served, reply(n, "4.2.1 amber"))  # Amber needs a reason
    assert status == 200 and body["recorded"] == 0
    assert updates(rt) == []
    ack = sink.to(HANNAH_EMAIL)[1]
    assert "Nothing was recorded" in ack.get_body(preferencelist=("plain",)).get_content()


async def test_a_bad_or_missing_secret_is_401(rt, sink, served):
    n = await nudge(rt, sink)
    for secret in (None, "", "inbound-shared-secret-43", INBOUND + "x"):
        assert (await post(served, reply(n, "4.2.1 green"), secret=secret))[0] == 401
    assert updates(rt) == []


async def test_an_unknown_sender_is_403(rt, sink, served):
    n = await nudge(rt, sink)
    status, body = await post(served, reply(n, "4.2.1 green", sender="mallory@elsewhere.invalid"))
    assert status == 403 and "directory" in body["error"]
    assert updates(rt) == [] and len(sink.received) == 1  # no acknowledgement to a stranger


async def test_another_directory_member_replying_to_hannahs_nudge_is_403(rt, sink, served):
    n = await nudge(rt, sink)
    assert (await post(served, reply(n, "4.2.1 green", sender="dcs@example.invalid")))[0] == 403
    assert updates(rt) == []


async def test_no_matching_in_reply_to_is_403(rt, sink, served):
    n = await nudge(rt, sink)
    for ref in ("", "<not-a-nudge@example.invalid>"):
        status, body = await post(served, reply(n, "4.2.1 green", in_reply_to=ref))
        assert status == 403 and "reply" in body["error"]
    assert updates(rt) == []


async def test_too_large_is_413_and_malformed_is_400(rt, sink, served, channel):
    n = await nudge(rt, sink)
    big = reply(n, "4.2.1 green\n" + "x" * (channel.settings.actionbot_mail_max_bytes + 10))
    assert (await post(served, big))[0] == 413
    assert (await post(served, b""))[0] == 400
    assert (await post(served, b"\x00\xff not a message at all"))[0] == 400
    no_id = EmailMessage()
    no_id["From"] = HANNAH_EMAIL
    no_id.set_content("4.2.1 green")
    assert (await post(served, bytes(no_id)))[0] == 400
    assert updates(rt) == []


async def test_the_reply_is_in_the_audit_trail_as_an_email_update(rt, sink, served):
    n = await nudge(rt, sink)
    await post(served, reply(n, "4.2.1 green"))
    with session_scope(rt.engine) as s:
        [u] = s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email")).all()
        assert u.author_key == "hos-scp"
        assert s.exec(select(AuditEvent).where(AuditEvent.kind == "person.linked")).all() == []


async def test_a_reply_the_core_could_not_record_is_503_and_its_retry_is_handled(rt, sink, served, tmp_path):
    """The message is marked seen before the core runs (two concurrent deliveries are handled
    once); when the core cannot reach its database the mark is taken back and the answer is
    503, so the webhook's retry is recorded instead of being dropped as a duplicate."""
    n = await nudge(rt, sink)
    raw = reply(n, "4.2.1 amber - waiting on HR")
    working = rt.core.engine
    rt.core.engine = create_engine(f"sqlite:///{tmp_path}/no-such-dir/actionbot.db")  # cannot be opened
    try:
        status, body = await post(served, raw)
    finally:
        rt.core.engine = working
    assert status == 503 and "temporarily unavailable" in body["error"]
    assert updates(rt) == []
    assert await post(served, raw) == (200, {"status": "handled", "recorded": 1})
    assert await post(served, raw) == (200, {"status": "duplicate"})
    assert updates(rt) == [("4.2.1", "amber", "waiting on HR", "hos-scp")]


async def test_a_core_failure_un_marks_the_reply_too(rt, sink, served):
    n = await nudge(rt, sink)
    raw = reply(n, "4.2.2 green")
    working = rt.core.engine
    rt.core.engine = create_engine("sqlite://")  # no tables: a failure that is not an outage
    try:
        async with served.http.post(
            served.url + "/mail/inbound", data=raw, headers={"X-Actionbot-Inbound-Secret": INBOUND}
        ) as resp:
            assert resp.status >= 500
    finally:
        rt.core.engine = working
    assert await post(served, raw) == (200, {"status": "handled", "recorded": 1})
    assert updates(rt) == [("4.2.2", "green", "", "hos-scp")]


def signed(raw: bytes, *results: str) -> bytes:
    """The message as the receiving mail service hands it on: its Authentication-Results on top."""
    return b"".join(f"Authentication-Results: mx.council.example; {r}\r\n".encode() for r in results) + raw


DOMAIN = HANNAH_EMAIL.split("@")[1]


def test_the_verdict_reads_dmarc_first_then_dkim_and_spf():
    assert verdict([f"mx; dmarc=fail (p=reject) header.from={DOMAIN}"], DOMAIN) == "fail"
    assert verdict([f"mx; dmarc=pass header.from={DOMAIN}; spf=fail smtp.mailfrom=x@{DOMAIN}"], DOMAIN) == "pass"
    assert verdict([f"mx; dkim=fail header.d={DOMAIN}; spf=fail smtp.mailfrom=x@{DOMAIN}"], DOMAIN) == "fail"
    assert verdict([f"mx; dkim=pass header.d=mail.{DOMAIN}; spf=fail smtp.mailfrom=x@{DOMAIN}"], DOMAIN) == "pass"
    assert verdict(["mx; dmarc=fail header.from=elsewhere.example"], DOMAIN) == "none"  # not this domain
    assert verdict([f"mx; dmarc=none header.from={DOMAIN}; dkim=pass header.d={DOMAIN}"], DOMAIN) == "pass"
    assert verdict(["mx; none"], DOMAIN) == verdict([], DOMAIN) == "none"


async def test_a_reply_whose_domain_failed_dmarc_is_403_and_records_nothing(rt, sink, served):
    n = await nudge(rt, sink)
    forged = signed(reply(n, "4.2.1 green"), f"dmarc=fail (p=none) header.from={DOMAIN}")
    status, body = await post(served, forged)
    assert status == 403 and "authentication" in body["error"]
    forged = signed(reply(n, "4.2.1 green"), f"dkim=fail header.d={DOMAIN}; spf=fail smtp.mailfrom={DOMAIN}")
    assert (await post(served, forged))[0] == 403
    assert updates(rt) == []
    genuine = signed(reply(n, "4.2.1 green"), f"dmarc=pass header.from={DOMAIN}")
    assert await post(served, genuine) == (200, {"status": "handled", "recorded": 1})


@pytest.fixture
def require_auth(email_env, monkeypatch):
    monkeypatch.setenv("ACTIONBOT_INBOUND_REQUIRE_AUTH", "true")


async def test_with_require_auth_only_a_passing_domain_is_accepted(require_auth, rt, sink, served):
    n = await nudge(rt, sink)
    status, body = await post(served, reply(n, "4.2.1 green"))  # no Authentication-Results at all
    assert status == 403 and "not authenticated" in body["error"]
    assert (await post(served, signed(reply(n, "4.2.1 green"), f"dmarc=none header.from={DOMAIN}")))[0] == 403
    assert updates(rt) == []
    passed = signed(reply(n, "4.2.1 green"), f"spf=pass smtp.mailfrom=hannah@{DOMAIN}")
    assert await post(served, passed) == (200, {"status": "handled", "recorded": 1})
