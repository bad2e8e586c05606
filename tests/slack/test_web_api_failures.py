"""The Slack outbound channel against a Web API that is busy, failing or refusing."""

from __future__ import annotations

from sqlmodel import select

from bot import delivery
from bot.identity import chat_id
from bot.nudges import nudge_view
from bot.plan_state import load_state
from bot.views import NoticeView
from storage import repo
from storage.db import session_scope
from storage.models import SendLedger


async def nudge_card(bench, ref: str = "4.2.1"):
    with session_scope(bench.rt.engine) as session:
        state = load_state(session, repo.active_plan(session), bench.rt.clock.now())
        return nudge_view("Sadie Carpenterly", [state.action(ref)])


async def send(bench, key: str):
    view = await nudge_card(bench)
    return await delivery.send_to_person(
        bench.rt.engine,
        {"slack": bench.rt.channels["slack"]},
        "hos-scp",
        [view],
        key=key,
        kind="nudge",
        now=bench.rt.clock.now(),
        meta={"refs": ["4.2.1"]},
    )


def ledger_row(bench, key: str) -> SendLedger:
    with session_scope(bench.rt.engine) as session:
        return session.exec(select(SendLedger).where(SendLedger.key == key)).one()


async def test_a_rate_limited_post_is_retried_after_retry_after(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")  # links the Slack id
    slack_bench.api.fail("chat.postMessage", status=429, retry_after=7)
    before = list(slack_bench.rt.clock.slept)
    outcome = await send(slack_bench, "nudge:test:429")
    assert outcome.status == "sent"
    first, second = slack_bench.api.calls_to("chat.postMessage")
    assert first.status == 429 and second.status == 200
    (waited,) = slack_bench.rt.clock.slept[len(before) :]
    assert 7 <= waited < 8  # Retry-After: 7 was honoured (plus jitter), on the injected clock
    row = ledger_row(slack_bench, "nudge:test:429")
    assert row.status == "sent" and row.message_ref == f"D0HOSSCP:{second.answer['ts']}"
    assert row.payload["refs"] == ["4.2.1"]


async def test_a_server_error_is_retried(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")
    slack_bench.api.fail("conversations.open", status=500)
    outcome = await send(slack_bench, "nudge:test:500")
    assert outcome.status == "sent"
    assert [c.status for c in slack_bench.api.calls_to("conversations.open")] == [500, 200]
    assert len(slack_bench.rt.clock.slept) == 1  # the backoff was waited on the injected clock


async def test_a_permanent_error_fails_the_send_without_retrying_it(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")
    slack_bench.api.fail("chat.postMessage", error="channel_not_found")
    outcome = await send(slack_bench, "nudge:test:gone")
    assert outcome.status == "failed"
    assert "channel_not_found" in outcome.detail
    row = ledger_row(slack_bench, "nudge:test:gone")
    assert row.status == "failed" and "channel_not_found" in row.last_error


async def test_a_transient_error_leaves_the_send_to_be_retried(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")
    slack_bench.api.fail("chat.postMessage", status=503, times=3)
    outcome = await send(slack_bench, "nudge:test:down")
    assert outcome.status == "retry"
    assert ledger_row(slack_bench, "nudge:test:down").status == "retry"


async def test_the_same_key_is_never_sent_twice(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")
    assert (await send(slack_bench, "nudge:test:once")).status == "sent"
    assert (await send(slack_bench, "nudge:test:once")).status == "duplicate"
    assert len(slack_bench.api.calls_to("chat.postMessage")) == 1


async def test_someone_with_neither_a_slack_id_nor_an_email_is_unreachable_on_slack(slack_bench):
    channel = slack_bench.rt.channels["slack"]
    with session_scope(slack_bench.rt.engine) as session:
        person = repo.person_by_key(session, "hos-scp")
        assert channel.can_reach(session, person)  # an email: looked up before the first message
        person.email = None
        assert not channel.can_reach(session, person)
        session.rollback()
    await slack_bench.status("mine", "U0HOSSCP")  # writing to the bot links them too
    with session_scope(slack_bench.rt.engine) as session:
        person = repo.person_by_key(session, "hos-scp")
        assert chat_id(session, "hos-scp", "slack") == "U0HOSSCP"
        assert channel.can_reach(session, person)


async def test_sit_messages_go_to_the_sit_channel(slack_bench):
    outcomes = await delivery.send_to_sit(
        slack_bench.rt.engine,
        {"slack": slack_bench.rt.channels["slack"]},
        [NoticeView("Monthly highlight report is ready & <waiting>")],
        key="digest:test",
        kind="digest",
        now=slack_bench.rt.clock.now(),
    )
    assert [o.status for o in outcomes] == ["sent"]
    (post,) = slack_bench.api.calls_to("chat.postMessage")
    assert post.body["channel"] == "C0SIT"
    assert post.body["metadata"]["event_type"] == "actionbot_digest"
    assert "ready &amp; &lt;waiting&gt;" in post.body["blocks"][0]["text"]["text"]


async def test_the_listeners_client_retries_too(slack_bench):
    """The client Bolt hands each listener has the same base URL and retry handlers."""
    slack_bench.api.fail("users.info", status=429, retry_after=3)
    answer = await slack_bench.status("mine", "U0HOSSCP")
    assert "Your open actions as All HOS, HOS S&amp;CP" in str(answer["blocks"])
    assert [c.status for c in slack_bench.api.calls_to("users.info")] == [429, 200]
    assert any(3 <= s < 4 for s in slack_bench.rt.clock.slept)
