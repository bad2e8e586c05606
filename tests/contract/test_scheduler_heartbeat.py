"""The scheduler's heartbeat and /healthz: each finished tick records when it ran (in the
database, so the web process sees the `clock` process's ticks); /healthz reports the last tick
and answers 503 when a scheduler is expected and has not ticked for more than three tick
intervals. Time is a FixedClock: nothing sleeps."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session, select

import actionbot.scheduler_wiring as wiring
from actionbot.app import create_app
from bot.config import Settings
from bot.policy import load_policy
from bot.runtime import build_runtime
from domain.clock import FixedClock
from scheduler import heartbeat
from scheduler.tick import Ticker
from storage.models import SchedulerHeartbeat
from tests.fakes.outbound import RecordingChannel
from tests.fakes.ticks import observe_ticks

UK = ZoneInfo("Europe/London")
T0 = datetime(2016, 9, 14, 10, 0, tzinfo=UK)


def rows(engine) -> list[SchedulerHeartbeat]:
    with Session(engine) as s:
        return s.exec(select(SchedulerHeartbeat)).all()


def test_health_rule_three_intervals(any_engine):
    assert heartbeat.health(any_engine, T0) == heartbeat.SchedulerHealth(False, True, None, None, None)
    heartbeat.record(any_engine, "host clock", T0, 60.0, leader=True)
    at_limit = heartbeat.health(any_engine, T0 + timedelta(seconds=180))
    assert at_limit.enabled and at_limit.healthy and at_limit.process == "host clock"
    assert at_limit.last_tick == T0 and at_limit.stale_after_seconds == 180
    late = heartbeat.health(any_engine, T0 + timedelta(seconds=181))
    assert late.enabled and not late.healthy
    # the newest row of any process counts (two clocks, one of them gone)
    heartbeat.record(any_engine, "other clock", T0 + timedelta(seconds=170), 60.0, leader=False)
    assert heartbeat.health(any_engine, T0 + timedelta(seconds=300)).healthy
    # an upsert, not a second row
    heartbeat.record(any_engine, "host clock", T0 + timedelta(seconds=400), 60.0, leader=True)
    assert sorted(r.process for r in rows(any_engine)) == ["host clock", "other clock"]
    # a clean stop removes the promise of ticks
    heartbeat.remove(any_engine, "host clock")
    heartbeat.remove(any_engine, "other clock")
    assert not heartbeat.health(any_engine, T0 + timedelta(days=3)).enabled


def test_a_scheduler_in_this_process_counts_from_its_start(any_engine):
    local = heartbeat.LocalScheduler(started_at=T0, tick_seconds=60.0)
    assert heartbeat.health(any_engine, T0 + timedelta(seconds=100), local).healthy  # first tick not due yet
    assert not heartbeat.health(any_engine, T0 + timedelta(seconds=181), local).healthy  # never ticked
    # an old row of a process that died long ago does not make a fresh start look stale
    heartbeat.record(any_engine, "gone", T0 - timedelta(days=1), 60.0, leader=False)
    assert heartbeat.health(any_engine, T0 + timedelta(seconds=60), local).healthy


def test_a_finished_tick_records_a_heartbeat_and_a_failed_one_does_not(reference_any_engine):
    clock = FixedClock(T0)
    policy = load_policy()
    ok = Ticker(reference_any_engine, clock, policy, {"fake": RecordingChannel()}, heartbeat_process="h clock")
    assert asyncio.run(ok.run()) is not None
    [row] = rows(reference_any_engine)
    assert (row.process, row.tick_seconds, row.leader) == ("h clock", float(policy.tick_seconds), True)
    assert row.last_tick_at.replace(tzinfo=row.last_tick_at.tzinfo or ZoneInfo("UTC")) == T0
    clock.advance(timedelta(minutes=5))
    broken = Ticker(
        reference_any_engine,
        clock,
        policy,
        {"fake": RecordingChannel()},
        plan_key="no-such-plan",  # every tick fails
        heartbeat_process="h clock",
    )
    assert asyncio.run(broken.run()) is None
    [row] = rows(reference_any_engine)
    assert heartbeat.health(reference_any_engine, clock.now()).last_tick == T0  # not moved by the failed tick


async def test_healthz_in_the_web_process_reports_the_clock_process(reference_engine):
    clock = FixedClock(T0)
    rt = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=clock)
    app = create_app(rt, with_scheduler=False)  # the Procfile's web: the scheduler runs in `clock`
    async with TestClient(TestServer(app, port=0)) as client:
        body = await (await client.get("/healthz")).json()
        assert body["status"] == "ok" and body["scheduler"]["enabled"] is False  # no clock has ever run
        heartbeat.record(reference_engine, "box clock", T0, 60.0, leader=True)
        clock.advance(timedelta(minutes=3))
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 200 and body["scheduler"]["last_tick"] == T0.astimezone(ZoneInfo("UTC")).isoformat()
        clock.advance(timedelta(seconds=1))
        response = await client.get("/healthz")
        body = await response.json()
        assert response.status == 503 and body["status"] == "scheduler-stale"
        assert body["scheduler"] == {
            "enabled": True,
            "healthy": False,
            "last_tick": T0.astimezone(ZoneInfo("UTC")).isoformat(),
            "process": "box clock",
            "stale_after_seconds": 180.0,
        }


async def test_healthz_of_serve_turns_503_when_its_scheduler_stops_ticking(reference_engine, monkeypatch):
    clock = FixedClock(T0)
    rt = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=clock)
    rt.channels = {"fake": RecordingChannel()}
    first_tick = observe_ticks(monkeypatch)
    app = create_app(rt, with_scheduler=True)
    handle = app[wiring.SCHEDULER]
    async with TestClient(TestServer(app, port=0)) as client:
        await asyncio.wait_for(first_tick.wait(), timeout=30)  # the first tick runs as the app starts
        [row] = rows(reference_engine)
        assert row.process == heartbeat.process_name("serve")
        assert (await client.get("/healthz")).status == 200
        clock.advance(timedelta(seconds=3 * 60 + 1))  # the next real tick is a minute away
        assert (await client.get("/healthz")).status == 503
        await handle.ticker.run()  # a tick: healthy again
        body = await (await client.get("/healthz")).json()
        assert body["status"] == "ok" and body["scheduler"]["last_tick"] == clock.now().isoformat()
    assert rows(reference_engine) == []  # stopped cleanly: no ticks promised any more
