"""A database outage (issue #9): the bot runs on a PostgreSQL server the test started itself, and
the test stops that server in the middle of a scheduler round, talks to the bot on Slack, Teams
and the core while it is down, then starts it again.

- Chat answers "temporarily unavailable, nothing was recorded", on every channel, never a
  traceback; an HTTP endpoint that needs the database answers 503.
- The scheduler skips its ticks (one log line, no crash) and catches up once the database is
  back: what is due is derived from the database, so what was missed goes out once.
- Once the database is back everything works again, without restarting anything.
- Nothing is lost or duplicated: every message is in the ledger once, marked sent, and sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text
from sqlmodel import func, select

from actionbot.app import create_app
from bot.outage import UNAVAILABLE
from bot.policy import load_policy
from bot.requests import ChatRequest, Identity
from bot.runtime import import_reference
from cards.text import render_all
from domain.clock import FixedClock
from handlers import outbound_channels
from scheduler.leader import LeaderLock
from scheduler.tick import Ticker
from storage.db import make_engine, session_scope, upgrade
from storage.models import ActionUpdate, SendLedger
from tests.conftest import uk
from tests.e2e.throwaway_postgres import ThrowawayPostgres
from tests.fakes import slack_payloads as slack
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.outbound import RecordingChannel
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import TOKEN, USERS, SlackBench, section_texts, slack_runtime, slack_settings
from tests.teams.conftest import BOT, TENANT, card_texts

# The first working day of October 2016, after the 09:00 send time: the monthly round opens,
# the weekly digest is due, and every lead with an open action has a message waiting.
ROUND_DAY = uk(2016, 10, 3, 9, 30)
HANNAH = {"id": "29:hannah", "name": "Hannah S&CP", "aadObjectId": "aad-hannah"}


@pytest.fixture(scope="module")
def pg() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres.create()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def outage_engine(pg):
    """The reference plan in a fresh schema of the throw-away server."""
    admin = create_engine(pg.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS outage CASCADE"))
        conn.execute(text("CREATE SCHEMA outage"))
    admin.dispose()
    engine = make_engine(pg.url, schema="outage")
    upgrade(engine)
    import_reference(engine, FixedClock(uk(2016, 6, 1, 9, 0)), actor="test")
    yield engine
    engine.dispose()


@pytest.fixture
async def slack_api():
    fake = FakeSlackApi(TOKEN)
    await fake.start()
    for user_id, (email, name) in USERS.items():
        fake.add_user(user_id, email, name)
    yield fake
    await fake.close()


class StopsTheDatabase(RecordingChannel):
    """Records every message; delivering the `on_send`-th one stops the database server, as if
    it went down just after the platform accepted the message."""

    def __init__(self, pg: ThrowawayPostgres, on_send: int):
        super().__init__(name="fake")
        self.pg, self.on_send = pg, on_send

    def _send(self, to: str, views, kind: str, meta: dict[str, Any]) -> str:
        ref = super()._send(to, views, kind, meta)
        if len(self.sent) == self.on_send:
            self.pg.stop()
        return ref


def teams_activity(connector: FakeBotConnector, text_: str, n: int) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"outage-{n}",
        "channelId": "msteams",
        "serviceUrl": connector.url,
        "from": HANNAH,
        "conversation": {"id": "a:personal-hannah", "conversationType": "personal", "tenantId": TENANT},
        "recipient": BOT,
        "channelData": {"tenant": {"id": TENANT}},
        "text": text_,
    }


def counts(engine) -> tuple[int, dict[str, int]]:
    with session_scope(engine) as s:
        updates = s.exec(select(func.count()).select_from(ActionUpdate)).one()
        statuses: dict[str, int] = {}
        for row in s.exec(select(SendLedger)).all():
            statuses[row.status] = statuses.get(row.status, 0) + 1
    return updates, statuses


async def test_a_database_outage_mid_round_loses_nothing_and_duplicates_nothing(
    pg, outage_engine, slack_api, caplog
):
    caplog.set_level(logging.INFO)
    clock = FixedClock(ROUND_DAY)
    rt = slack_runtime(slack_settings(slack_api), outage_engine, clock)
    rt.channels = outbound_channels(rt)
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    bench = SlackBench(http, slack_api, rt)
    connector = await FakeBotConnector().start()
    channel = StopsTheDatabase(pg, on_send=3)
    leader = LeaderLock(outage_engine)
    ticker = Ticker(outage_engine, clock, load_policy(), {"fake": channel}, leader=leader)
    try:
        # ------------------------------------------------ before: all is well
        reply = await bench.dm_reply("U0HOSSCP", "4.2.1 green - on track before the outage")
        assert "Recorded" in section_texts(reply.body["blocks"])
        assert counts(outage_engine)[0] == 1
        dm, nudge_card = await bench.nudge("4.2.1")  # a nudge card, and its modal opened from Amber
        await bench.click("U0HOSSCP", dm, nudge_card, "amber", "4.2.1")
        opened = (await slack_api.wait_for("views.open"))[0].body["view"]

        # ------------------------------------------------ the server goes down in the middle of the round
        assert await ticker.run() is None  # the tick was cut short, and said so; nothing raised
        assert len(channel.sent) == 3
        assert await ticker.run() is None  # a later tick while it is down: skipped
        clock.advance(timedelta(minutes=1))
        assert await ticker.run() is None
        assert len(channel.sent) == 3
        down_lines = [
            r for r in caplog.records if r.name == "scheduler.tick" and "database is unavailable" in r.getMessage()
        ]
        assert len(down_lines) == 1 and down_lines[0].levelno == logging.WARNING
        assert not [r for r in caplog.records if r.name == "scheduler.tick" and r.exc_info]

        # ------------------------------------------------ chat while it is down
        reply = await bench.dm_reply("U0HOSSCP", "4.2.1 amber - waiting on HR")
        dm_text = section_texts(reply.body["blocks"])
        assert "temporarily unavailable" in dm_text and "nothing was recorded" in dm_text

        code, _ = await bench.post(
            slack.slash_command("4.2.1", "U0HOSSCP", slack_api.response_url("down")), slack.FORM
        )
        assert code == 200
        status_text = section_texts((await slack_api.response_to("down")).body["blocks"])
        assert "temporarily unavailable" in status_text

        async with http.post(
            "/api/messages", json=teams_activity(connector, "4.2.1 red - no budget", 1)
        ) as response:
            assert response.status in (200, 201)
        [card] = connector.sent_cards()
        assert "temporarily unavailable" in card_texts(card) and "nothing was recorded" in card_texts(card)

        code, ack = await bench.submit("U0HOSSCP", opened, "amber", "waiting on HR sign-off")
        assert code == 200 and ack["response_action"] == "errors"  # the modal stays open, and says why
        assert "temporarily unavailable" in " ".join(ack["errors"].values())
        code, _ = await bench.click("U0HOSSCP", dm, nudge_card, "green", "4.2.1")
        assert code == 200
        [notice] = await slack_api.wait_for("chat.postEphemeral")
        assert "temporarily unavailable" in section_texts(notice.body["blocks"])

        terminal = rt.core.handle(ChatRequest(Identity("terminal", "hos-scp"), text="4.2.1 green - done"))
        assert UNAVAILABLE in render_all(terminal.views)

        async with http.get("/healthz") as response:
            assert response.status == 503
            assert "Traceback" not in await response.text()

        every_reply = [dm_text, status_text, card_texts(card), render_all(terminal.views)]
        assert not any("Traceback" in t or "OperationalError" in t for t in every_reply)

        # ------------------------------------------------ the server is back: no restart of anything
        pg.start()
        clock.set(ROUND_DAY + timedelta(minutes=2))
        report = await ticker.run()
        assert report is not None and report.leader
        assert any("database is back" in r.getMessage() for r in caplog.records)
        sent_after_first_catch_up = len(channel.sent)
        assert sent_after_first_catch_up > 3

        # later ticks, even after the stale-claim window, send nothing more
        for minutes in (3, 10, 20):
            clock.set(ROUND_DAY + timedelta(minutes=minutes))
            await ticker.run()
        assert len(channel.sent) == sent_after_first_catch_up

        keys = [s.key for s in channel.sent]
        assert len(keys) == len(set(keys)), "a message was sent twice"
        _, statuses = counts(outage_engine)
        assert set(statuses) <= {"sent", "unreachable"}, statuses  # nothing left claimed or failed
        with session_scope(outage_engine) as s:
            sent_rows = s.exec(select(SendLedger).where(SendLedger.status == "sent", SendLedger.channel == "fake")).all()
            ledger_keys = {r.key for r in sent_rows}
        ledger_keys = {k.split("|", 1)[0] for k in ledger_keys}  # a SIT post's key names its channel
        assert ledger_keys == set(keys)  # every message sent is recorded, every recorded one was sent

        # chat works again, and what was typed during the outage was not recorded
        reply = await bench.dm_reply("U0HOSSCP", "4.2.1 amber - waiting on HR, after the outage")
        assert "Recorded" in section_texts(reply.body["blocks"])
        async with http.post("/api/messages", json=teams_activity(connector, "status 4.2.1", 2)) as response:
            assert response.status in (200, 201)
        assert "temporarily unavailable" not in card_texts(connector.sent_cards()[-1])
        async with http.get("/healthz") as response:
            assert response.status == 200
        assert counts(outage_engine)[0] == 2
        with session_scope(outage_engine) as s:
            notes = [u.note for u in s.exec(select(ActionUpdate).order_by(ActionUpdate.id)).all()]
        assert notes == ["on track before the outage", "waiting on HR, after the outage"]
        tracebacks = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info]
        assert tracebacks == [], "an outage is logged in one line, without a traceback"
    finally:
        leader.release()
        await http.close()
        await connector.stop()
