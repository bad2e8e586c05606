"""A nudge round within Slack's rate limits (issue #14, fan-out): the rate-limiting fake answers
429 + Retry-After over a limit, the sender paces itself so a round meets (almost) none, each
person's DM channel is opened once and remembered, and nothing is lost or sent twice."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from bot import delivery
from bot.policy import load_policy
from bot.views import NoticeView
from domain.clock import FastForwardClock, FixedClock
from handlers.slack import dm_channels
from handlers.slack.outbound import SlackChannel
from scheduler.tick import Ticker
from storage import repo
from storage.db import session_scope
from tests.conftest import uk
from tests.fakes.fanout_round import RoundResult, link_slack, run_round
from tests.fakes.rate_limited_slack import RateLimitedSlackApi
from tests.slack.conftest import TOKEN, slack_settings

ROUND_1 = uk(2016, 9, 14, 10, 0)  # the reference plan's round: 21 messages, 19 of them DMs
ROUND_2 = uk(2016, 10, 3, 10, 0)


@pytest.fixture
async def limited():
    """A rate-limited fake Slack whose time stands still unless a test moves it."""
    clock = FixedClock(ROUND_1)
    fake = await RateLimitedSlackApi(lambda: clock.now().timestamp(), token=TOKEN).start()
    fake.clock = clock
    yield fake
    await fake.close()


async def call(fake, method: str, **body) -> tuple[int, dict, str | None]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.api_url}{method}", json=body, headers={"Authorization": f"Bearer {TOKEN}"}) as r,
    ):
        return r.status, await r.json(), r.headers.get("Retry-After")


async def test_the_fake_refuses_a_sixth_tier_3_call_at_once_with_an_accurate_retry_after(limited):
    limited.add_user("U1", "one@example.invalid")
    answers = [await call(limited, "conversations.open", users="U1") for _ in range(6)]
    assert [status for status, _, _ in answers] == [200] * 5 + [429]
    assert answers[5][1] == {"ok": False, "error": "ratelimited"}
    assert answers[5][2] == "2"  # the next tier-3 token comes in 1.2 s: rounded up

    limited.clock.advance(timedelta(seconds=1.2))
    assert (await call(limited, "conversations.open", users="U1"))[0] == 200
    assert limited.refused == {"conversations.open": 1}


async def test_the_fake_limits_messages_per_channel_not_across_channels(limited):
    posts = [await call(limited, "chat.postMessage", channel="D1", text="hi") for _ in range(4)]
    assert [status for status, _, _ in posts] == [200, 200, 200, 429]  # a burst of 3, then 1 a second
    assert posts[3][2] == "1"
    assert (await call(limited, "chat.postMessage", channel="D2", text="hi"))[0] == 200


async def slack_round(engine, start) -> tuple[RoundResult, RateLimitedSlackApi, SlackChannel]:
    """One round from `start` by a new sender (nothing kept in memory) through a new rate-limited fake."""
    clock = FastForwardClock(start)
    fake = await RateLimitedSlackApi(lambda: clock.now().timestamp(), token=TOKEN).start()
    try:
        link_slack(engine, fake)
        channel = SlackChannel(slack_settings(fake), clock.sleep, engine=engine, clock=clock)
        ticker = Ticker(engine, clock, load_policy(None), {"slack": channel})
        return await run_round(ticker, clock, fake), fake, channel
    finally:
        await fake.close()


async def test_a_small_round_is_paced_sent_once_each_and_the_next_round_opens_no_dm(reference_engine):
    first, fake, channel = await slack_round(reference_engine, ROUND_1)
    assert len(first.planned) >= 15 and first.problems() == []
    assert fake.rate_limited <= 2  # paced: a 429 only if the machine stalls between pacing and sending
    opened = [c.body["users"] for c in fake.calls_to("conversations.open") if c.status == 200]
    assert len(opened) == len(set(opened)) >= 10  # once per person
    assert channel.pacer.waits >= len(opened) - 5  # tier 3: past the burst, every open waited its turn
    assert first.elapsed >= fake.minimum_seconds() > 10

    # the next round, by a new process (nothing kept in memory): the DM channels are in the database
    second, fake, _ = await slack_round(reference_engine, ROUND_2)
    assert second.problems() == [] and len(second.planned) >= 15
    reopened = {c.body["users"] for c in fake.calls_to("conversations.open")}
    assert not reopened & set(opened)  # nobody's DM was opened again
    dms = [c for c in fake.calls_to("chat.postMessage") if str(c.body.get("channel", "")).startswith("D")]
    assert len(dms) >= 10


async def test_a_kept_dm_channel_slack_no_longer_knows_is_opened_again(reference_engine, slack_api):
    slack_api.add_user("U0HOSSCP", "hos-scp@example.invalid")
    clock = FixedClock(ROUND_1)
    with session_scope(reference_engine) as session:
        repo.put_identity(session, "slack", "U0HOSSCP", "hos-scp")
        dm_channels.remember(session, "hos-scp", "U0HOSSCP", "DGONE", clock.now())
    channel = SlackChannel(slack_settings(slack_api), clock.sleep, engine=reference_engine, clock=clock)
    slack_api.fail("chat.postMessage", error="channel_not_found")
    outcome = await delivery.send_to_person(
        reference_engine, {"slack": channel}, "hos-scp", [NoticeView("hello")], key="k:1", kind="nudge", now=clock.now()
    )
    assert outcome.status == "sent"
    assert [c.body["channel"] for c in slack_api.calls_to("chat.postMessage")] == ["DGONE", "D0HOSSCP"]
    with session_scope(reference_engine) as session:
        assert dm_channels.dm_channel(session, "hos-scp", "U0HOSSCP") == "D0HOSSCP"
        assert dm_channels.dm_channel(session, "hos-scp", "U0OTHER") is None  # kept for that account only
