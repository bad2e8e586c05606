""""People whose directory entry has an email but no chat identity get email", with Slack
configured: Slack offers to reach anyone with an email (it looks them up by it), and when
`users.lookupByEmail` says `users_not_found` the person is simply not on Slack. That is
`NotOnChannel`, and the message goes on by email whatever `delivery.email_fallback` says,
with one ledger row per attempt. Real fake Slack Web API, real local SMTP server."""

from __future__ import annotations

from sqlmodel import select

from bot import delivery
from handlers.slack.outbound import SlackChannel
from storage import repo
from storage.db import session_scope
from storage.models import SendLedger
from tests.email.conftest import HANNAH, HANNAH_EMAIL, nudge_views
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import TOKEN, slack_settings


async def test_someone_slack_does_not_know_is_emailed_without_the_fallback_setting(rt, sink):
    api = await FakeSlackApi(TOKEN).start()  # knows nobody: every lookup is users_not_found
    try:
        slack = SlackChannel(slack_settings(api), rt.clock.sleep, engine=rt.engine, clock=rt.clock)
        email = rt.channels["email"]
        email.fallback = False  # the policy's default
        channels = {"slack": slack, "email": email}
        with session_scope(rt.engine) as s:
            person = repo.person_by_key(s, HANNAH)
            assert person is not None and delivery.pick_channel(s, channels, person) is slack
        outcome = await delivery.send_to_person(
            rt.engine,
            channels,
            HANNAH,
            nudge_views(rt),
            key="msg:hos-scp:not-on-slack",
            kind="nudge",
            now=rt.clock.now(),
            meta={"refs": ["4.2.1", "4.2.2"]},
        )
        assert (outcome.status, outcome.channel) == ("sent", "email")
        assert len(api.calls_to("users.lookupByEmail")) == 1 and not api.calls_to("chat.postMessage")
        [mail] = sink.to(HANNAH_EMAIL)
        with session_scope(rt.engine) as s:
            rows = {r.key: r for r in s.exec(select(SendLedger)).all()}
        assert set(rows) == {"msg:hos-scp:not-on-slack", "msg:hos-scp:not-on-slack|fallback:email"}
        slack_row, email_row = rows["msg:hos-scp:not-on-slack"], rows["msg:hos-scp:not-on-slack|fallback:email"]
        assert (slack_row.channel, slack_row.status) == ("slack", "failed") and "users_not_found" in slack_row.last_error
        assert (email_row.channel, email_row.status) == ("email", "sent")
        assert email_row.message_ref == str(mail["Message-ID"])
    finally:
        await api.close()


async def test_any_other_slack_refusal_still_needs_the_fallback_setting(rt, sink):
    """Only "not on this channel" moves on by itself: a Slack that is refusing for another
    reason (here `account_inactive` on the DM) is a failure the SIT hears about, as before."""
    api = await FakeSlackApi(TOKEN).start()
    try:
        api.add_user("U0HANNAH", HANNAH_EMAIL, "Hannah")
        api.fail("conversations.open", error="account_inactive")
        slack = SlackChannel(slack_settings(api), rt.clock.sleep, engine=rt.engine, clock=rt.clock)
        email = rt.channels["email"]
        email.fallback = False
        outcome = await delivery.send_to_person(
            rt.engine,
            {"slack": slack, "email": email},
            HANNAH,
            nudge_views(rt),
            key="msg:hos-scp:inactive",
            kind="nudge",
            now=rt.clock.now(),
            meta={"refs": ["4.2.1", "4.2.2"]},
        )
        assert (outcome.status, outcome.channel) == ("failed", "slack")
        assert sink.to(HANNAH_EMAIL) == []
    finally:
        await api.close()
