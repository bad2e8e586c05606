"""A crash between claiming a message and marking it sent, on Slack: the bot looks for the
ledger key in its messages' metadata before sending again, so a message that did go out is not
sent twice, and one that did not is sent once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.identity import link_identity
from bot.policy import load_policy
from domain.clock import FixedClock
from handlers.slack.outbound import SlackChannel
from scheduler.tick import Ticker
from storage.models import SendLedger
from tests.fakes.outbound import SimulatedCrash
from tests.slack.conftest import slack_settings

UK = ZoneInfo("Europe/London")
KEY = "msg:hos-scp:2016-09-01"  # Sadie Carpenterly's round request on 1 September


class CrashAfterPost(SlackChannel):
    """Slack has the message; the process dies before the ledger row is marked."""

    async def send_to_person(self, person, views, *, kind, meta):
        await super().send_to_person(person, views, kind=kind, meta=meta)
        raise SimulatedCrash


class CrashBeforePost(SlackChannel):
    """The process dies after the claim, before anything reaches Slack."""

    async def send_to_person(self, person, views, *, kind, meta):
        raise SimulatedCrash


def link_slack_id(engine) -> None:
    with Session(engine) as s:
        link_identity(s, "slack", "U0HOSSCP", "hos-scp")
        s.commit()


def ledger(engine) -> SendLedger:
    with Session(engine) as s:
        return s.exec(select(SendLedger).where(SendLedger.key == KEY)).one()


async def crash_then_restart(engine, slack_api, crashing: type[SlackChannel]) -> None:
    link_slack_id(engine)
    settings = slack_settings(slack_api)
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    policy = load_policy()
    first = Ticker(
        engine, clock, policy, {"slack": crashing(settings, clock.sleep, engine=engine)}, recipients={"hos-scp"}, include_sit=False
    )
    with pytest.raises(SimulatedCrash):
        await first.tick()
    assert ledger(engine).status == "claimed"
    clock.set(datetime(2016, 9, 1, 9, 10, tzinfo=UK))  # the claim is now stale: the restarted process acts
    restarted = Ticker(
        engine, clock, policy, {"slack": SlackChannel(settings, clock.sleep, engine=engine)}, recipients={"hos-scp"}, include_sit=False
    )
    await restarted.tick()


async def test_a_message_that_went_out_before_the_crash_is_not_sent_again(reference_engine, slack_api):
    await crash_then_restart(reference_engine, slack_api, CrashAfterPost)
    (post,) = slack_api.calls_to("chat.postMessage")
    assert post.body["metadata"]["event_payload"]["ledger_key"] == KEY
    assert slack_api.calls_to("conversations.history")
    row = ledger(reference_engine)
    assert (row.status, row.message_ref) == ("sent", f"D0HOSSCP:{post.answer['ts']}")


async def test_a_message_lost_in_the_crash_is_sent_once_after_restart(reference_engine, slack_api):
    await crash_then_restart(reference_engine, slack_api, CrashBeforePost)
    (post,) = slack_api.calls_to("chat.postMessage")  # only the re-send
    assert post.body["metadata"]["event_payload"]["ledger_key"] == KEY
    assert ledger(reference_engine).status == "sent"
