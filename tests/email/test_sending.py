"""Sending by email through `bot.delivery`, to a real local SMTP server: a nudge is one
multipart message (plain text + HTML) whose Message-ID is the ledger row's message_ref, with
one-click links per action; a 5xx refusal is a permanent failure (the SIT is told), a 4xx a
retry; the SIT digest carries its chart inline (cid:)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot import delivery
from bot.identity import link_identity
from bot.report import build_report, digest_views
from storage import repo
from storage.db import session_scope
from storage.models import SendLedger, SignedLink
from tests.email.conftest import BOT, HANNAH, HANNAH_EMAIL, SIT, links_in, send_nudge


def _row(rt, key: str) -> SendLedger:
    with session_scope(rt.engine) as s:
        row = s.exec(select(SendLedger).where(SendLedger.key == key)).one()
        s.expunge(row)
        return row


async def test_a_nudge_is_one_multipart_message_with_its_message_id_in_the_ledger(rt, sink):
    outcome = await send_nudge(rt)
    assert outcome.status == "sent" and outcome.channel == "email"
    [msg] = sink.to(HANNAH_EMAIL)
    assert BOT in str(msg["From"]) and HANNAH_EMAIL in str(msg["To"])
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["Subject"].startswith("Update needed: 4.2.1") and "(+1 more)" in msg["Subject"]
    assert msg["Auto-Submitted"] == "auto-generated"
    row = _row(rt, "msg:hos-scp:2016-09-14")
    assert row.status == "sent" and row.channel == "email"
    assert row.message_ref == str(msg["Message-ID"]) and row.message_ref.startswith("<")
    with session_scope(rt.engine) as s:
        assert repo.sent_message(s, "email", str(msg["Message-ID"])).key == row.key


async def test_each_action_gets_its_own_signed_links(rt, sink):
    await send_nudge(rt)
    [msg] = sink.to(HANNAH_EMAIL)
    links = links_in(msg)
    assert set(links) == {"4.2.1", "4.2.2"}
    assert set(links["4.2.1"]) == {"green", "completed", "amber", "red", "update"}
    token_1 = links["4.2.1"]["green"].split("/u/")[1].split("?")[0]
    token_2 = links["4.2.2"]["green"].split("/u/")[1].split("?")[0]
    assert token_1 != token_2
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert links["4.2.1"]["amber"].replace("&", "&amp;") in html
    with session_scope(rt.engine) as s:
        rows = s.exec(select(SignedLink).where(SignedLink.purpose == "email.answer")).all()
        assert {r.subject["ref"] for r in rows} == {"4.2.1", "4.2.2"}
        assert {r.person_key for r in rows} == {HANNAH} and all(r.single_use for r in rows)
        assert all((r.expires_at - r.issued_at).days == 14 for r in rows)


async def test_a_typed_note_is_escaped_in_the_html(rt, sink, channel):
    from bot.views import NoticeView

    await channel.send_to_sit([NoticeView('<script>alert("x")</script> & `status`')], kind="notice", meta={})
    [msg] = sink.to(SIT)
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<code>status</code>" in html


async def test_a_refused_mailbox_is_a_permanent_failure_and_the_sit_is_told(rt, sink):
    sink.refuse[HANNAH_EMAIL] = "550 5.1.1 no such user"
    outcome = await send_nudge(rt)
    assert outcome.status == "failed" and "550" in outcome.detail
    told = sink.to(SIT)
    assert len(told) == 1 and "Could not reach" in told[0].get_body(preferencelist=("plain",)).get_content()


async def test_a_temporary_refusal_is_retried(rt, sink):
    sink.refuse[HANNAH_EMAIL] = "451 4.3.0 try again later"
    outcome = await send_nudge(rt)
    assert outcome.status == "retry"
    assert sink.to(SIT) == []


async def test_no_mail_server_is_a_retry_not_a_crash(rt, sink):
    await sink.stop()
    outcome = await send_nudge(rt)
    assert outcome.status == "retry" and "mail server" in outcome.detail


async def test_the_sit_digest_carries_its_chart_inline(rt, sink, channel):
    with session_scope(rt.engine) as s:
        plan = repo.active_plan(s)
        report = build_report(s, plan, "2016-09", as_of=rt.clock.now())
    outcomes = await delivery.send_to_sit(
        rt.engine, rt.channels, digest_views(report), key="report:2016-09", kind="report", now=rt.clock.now()
    )
    assert [o.status for o in outcomes] == ["sent"]
    [msg] = sink.to(SIT)
    html_part = msg.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert 'src="cid:chart"' in html
    related = [p for p in msg.walk() if p.get_content_type() == "multipart/related"]
    assert related, "the HTML and its picture travel together"
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<chart>" and image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("preferred", [None, "email"])
async def test_who_email_reaches(rt, preferred):
    channel = rt.channels["email"]
    with session_scope(rt.engine) as s:
        p = repo.person_by_key(s, HANNAH)
        p.preferred_channel = preferred
        assert channel.can_reach(s, p)  # an email, no chat identity
        link_identity(s, "slack", "U123", p.key)
        s.flush()
        assert channel.can_reach(s, p) is (preferred == "email")  # on chat: only by choice
        p.email = None
        assert not channel.can_reach(s, p)
        s.rollback()
