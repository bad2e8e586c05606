"""A nudge round within Teams' throttling limits (issue #14, fan-out): the rate-limiting fake
connector answers 429 + Retry-After over a limit, the sender paces itself so a round meets
(almost) none, every activity carries its ledger key, and nothing is lost or sent twice."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from bot.policy import load_policy
from bot.views import NoticeView
from domain.clock import FastForwardClock, FixedClock
from scheduler.tick import Ticker
from tests.conftest import uk
from tests.fakes.fanout_round import link_teams, run_round, teams_channel
from tests.fakes.rate_limited_connector import RateLimitedBotConnector

ROUND = uk(2016, 9, 14, 10, 0)  # the reference plan's round: 21 messages


@pytest.fixture
async def limited():
    clock = FixedClock(ROUND)
    fake = await RateLimitedBotConnector(now=lambda: clock.now().timestamp()).start()
    fake.clock = clock
    yield fake
    await fake.stop()


async def post(fake, conversation: str) -> tuple[int, str | None]:
    url = f"{fake.url}v3/conversations/{conversation}/activities"
    async with aiohttp.ClientSession() as session, session.post(url, json={"type": "message", "text": "hi"}) as r:
        await r.read()
        return r.status, r.headers.get("Retry-After")


async def test_the_fake_allows_7_a_second_in_a_conversation_then_429_with_retry_after(limited):
    answers = [await post(limited, "a:one") for _ in range(8)]
    assert [status for status, _ in answers] == [201] * 7 + [429]
    assert answers[7][1] == "1"
    assert (await post(limited, "a:two"))[0] == 201  # another conversation has its own windows
    limited.clock.advance(timedelta(seconds=1))
    assert (await post(limited, "a:one"))[0] == 201  # 8 in 2 s
    assert (await post(limited, "a:one"))[0] == 429
    assert limited.refused == {"a:one": 2}


async def test_the_fake_allows_30_a_second_across_conversations(limited):
    statuses = [(await post(limited, f"a:c{i}"))[0] for i in range(31)]
    assert statuses == [201] * 30 + [429]


async def test_a_small_round_is_paced_and_each_message_arrives_once_with_its_ledger_key(reference_engine):
    clock = FastForwardClock(ROUND)
    fake = await RateLimitedBotConnector(now=lambda: clock.now().timestamp()).start()
    try:
        link_teams(reference_engine, fake, clock.now())
        channel = teams_channel(reference_engine, clock)
        ticker = Ticker(reference_engine, clock, load_policy(None), {"teams": channel})
        result = await run_round(ticker, clock, fake)
    finally:
        await fake.stop()
    assert len(result.planned) >= 15 and result.problems() == []
    assert fake.rate_limited <= 2
    assert sum(fake.received().values()) == len(result.planned)
    assert len(fake.accepted) >= 15  # one conversation per person, and the SIT's channel


async def test_ten_messages_to_one_conversation_wait_for_its_windows_instead_of_meeting_429s(reference_engine):
    clock = FastForwardClock(ROUND)
    fake = await RateLimitedBotConnector(now=lambda: clock.now().timestamp()).start()
    try:
        link_teams(reference_engine, fake, clock.now())
        channel = teams_channel(reference_engine, clock)
        for i in range(10):
            await channel.send_to_sit([NoticeView(f"notice {i}")], kind="notice", meta={"ledger_key": f"n:{i}"})
    finally:
        await fake.stop()
    assert fake.rate_limited == 0
    assert fake.received() == {f"n:{i}": 1 for i in range(10)}
    assert channel.pacer.waits >= 2  # the 8th waits out the 1-second window, the 9th and 10th the 2-second one
    assert clock.elapsed() >= 2.0  # 10 messages in one conversation: 8 in any 2 s
