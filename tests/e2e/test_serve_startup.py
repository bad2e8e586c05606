"""`serve` listens before its scheduler's first tick (issue #14: /healthz within 2 s of start),
and /healthz tells the truth meanwhile: the scheduler is on, expected, and has not ticked yet."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient, TestServer

from actionbot.app import create_app
from actionbot.scheduler_wiring import attach_scheduler
from bot.config import Settings
from bot.runtime import build_runtime
from domain.clock import FixedClock
from tests.fakes.outbound import RecordingChannel

T0 = datetime(2016, 9, 14, 10, 0, tzinfo=ZoneInfo("Europe/London"))


async def test_healthz_answers_before_the_first_tick_and_says_it_has_not_ticked(reference_engine):
    clock = FixedClock(T0)
    rt = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=clock)
    rt.channels = {"fake": RecordingChannel()}
    app = create_app(rt)
    handle = attach_scheduler(app, rt, first_tick_after=3600)  # the first tick far away: no race
    async with TestClient(TestServer(app, port=0)) as client:
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 200 and body["status"] == "ok" and body["actions"] == 307
        assert body["scheduler"] == {
            "enabled": True,  # this process runs one, so it is expected to tick
            "healthy": True,  # within three intervals of its start
            "last_tick": None,  # and it has not ticked yet
            "process": None,
            "stale_after_seconds": 180.0,
        }
        assert handle.scheduler is not None and handle.scheduler.running
        await handle.ticker.run()
        body = await (await client.get("/healthz")).json()
        assert body["scheduler"]["last_tick"] == clock.now().isoformat()
