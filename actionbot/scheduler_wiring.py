"""APScheduler wiring: the reconcile tick and the digest wake-ups, inside `actionbot serve`
(started and stopped with the aiohttp app) or alone in `actionbot clock` (the Procfile's
`clock:` process).

APScheduler only decides WHEN to look; what to send is always derived by the tick from the
database, the policy and the clock. Its job store is the default in-memory one on purpose:
nothing it remembers matters after a restart, so nothing is lost with it.

Job defaults, deliberately:
- `misfire_grace_time=None`: a tick that runs late still runs (APScheduler's default of 1 s
  silently drops a run that was delayed, e.g. by a busy event loop);
- `coalesce=True`: runs missed while the loop was blocked collapse into one;
- `max_instances=1`: a slow tick is never overlapped by the next (and `Ticker.run` also holds
  a lock, because the digest wake-ups call the same tick).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.policy import WEEKDAYS, Policy, PolicyError, policy_from_settings
from scheduler import heartbeat
from scheduler.leader import LeaderLock

if TYPE_CHECKING:  # the ticker (the rules, the planner, the core's views) loads with the first tick
    from scheduler.tick import Ticker

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
TICK_JOB = "actionbot.reconcile-tick"
WEEKLY_JOB = "actionbot.digest-weekly"
MONTHLY_JOB = "actionbot.report-monthly"


@dataclass
class SchedulerHandle:
    """What `attach_scheduler` keeps on the app (filled in at start-up)."""

    policy: Policy
    scheduler: AsyncIOScheduler | None = None
    leader: LeaderLock | None = None
    local: heartbeat.LocalScheduler | None = None  # what /healthz expects of this process's scheduler
    # set at start-up; the ticker is built by the first tick (or the first to ask for it), so
    # `serve` answers /healthz before the scheduler's modules are imported (issue #14)
    make_ticker: Callable[[], Ticker] | None = None
    built_ticker: Ticker | None = None

    @property
    def ticker(self) -> Ticker | None:
        if self.built_ticker is None and self.make_ticker is not None:
            self.built_ticker = self.make_ticker()
        return self.built_ticker

    async def tick(self) -> Any:
        """The scheduled jobs' callable: one tick of the (first built here) ticker."""
        ticker = self.ticker
        if ticker is None:
            raise RuntimeError("the scheduler has not started")
        return await ticker.run()


SCHEDULER = web.AppKey("scheduler", SchedulerHandle)


def tick_interval(policy: Policy, speed: float) -> float:
    """Seconds of real time between ticks: the policy's tick in the bot's clock, so a demo
    clock running 60× faster still looks every simulated minute (never more than once a second)."""
    return max(1.0, policy.tick_seconds / max(speed, 1.0))


# `serve` listens first and ticks after: its first tick (a day's first is the heaviest: the
# plans' state, every rule, the sends) would otherwise hold the event loop while the server
# comes up, and /healthz, Slack and Teams would wait for it. /healthz is truthful meanwhile:
# a scheduler started in the process counts as healthy for three tick intervals from its start
# (`scheduler.heartbeat`), and its `last_tick` shows it has not ticked yet.
SERVE_FIRST_TICK_AFTER_SECONDS = 2.0


def build_scheduler(
    tick: Callable[[], Awaitable[Any]],
    policy: Policy,
    *,
    speed: float = 1.0,
    timezone: str = "Europe/London",
    first_tick_after: float = 0.0,
) -> AsyncIOScheduler:
    sched = AsyncIOScheduler(timezone=timezone, job_defaults=dict(JOB_DEFAULTS))
    sched.add_job(
        tick,
        IntervalTrigger(seconds=tick_interval(policy, speed), timezone=timezone),
        id=TICK_JOB,
        name="reconcile: send what the database says is due",
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(seconds=first_tick_after),
    )
    if policy.weekly_enabled:
        t = policy.weekly_time
        sched.add_job(
            tick,
            CronTrigger(day_of_week=WEEKDAYS[policy.weekly_day][:3], hour=t.hour, minute=t.minute, timezone=timezone),
            id=WEEKLY_JOB,
            name="wake-up at the weekly digest time",
            replace_existing=True,
        )
    if policy.monthly_report_enabled:
        t = policy.monthly_report_time
        sched.add_job(
            tick,
            CronTrigger(day="1-20", hour=t.hour, minute=t.minute, timezone=timezone),
            id=MONTHLY_JOB,
            name="wake-up at the report time while a round may close",
            replace_existing=True,
        )
    return sched


async def stop_scheduler(sched: AsyncIOScheduler, ticker: Ticker | None) -> None:
    """Stop firing jobs, then let a tick in progress finish. AsyncIOScheduler.shutdown is
    queued on the loop, so yield once for it to take effect."""
    if sched.running:
        sched.shutdown(wait=False)
        await asyncio.sleep(0)
    if ticker is not None:
        await ticker.wait_idle()


def load_policy_or_exit(settings) -> Policy:
    try:
        return policy_from_settings(settings)
    except PolicyError as exc:
        raise SystemExit(f"actionbot: {exc.describe()}") from None


def clock_interval(policy: Policy, speed: float) -> float:
    """The tick interval in the bot's clock (what the heartbeat's age is measured in)."""
    return tick_interval(policy, speed) * max(speed, 1.0)


def make_ticker(rt, policy: Policy, leader: LeaderLock | None, *, kind: str | None = None) -> Ticker:
    """The process's ticker; with `kind` (`serve`, `clock`) it records a heartbeat per tick."""
    from scheduler.tick import Ticker

    return Ticker(
        rt.engine,
        rt.clock,
        policy,
        lambda: rt.channels,
        plan_key=rt.settings.actionbot_plan,
        leader=leader,
        heartbeat_process=heartbeat.process_name(kind) if kind else None,
        heartbeat_seconds=clock_interval(policy, rt.settings.actionbot_speed),
    )


def attach_scheduler(
    app: web.Application, rt, *, first_tick_after: float = SERVE_FIRST_TICK_AFTER_SECONDS
) -> SchedulerHandle:
    """Run the scheduler inside the web app: started on startup, stopped on cleanup. The policy
    is checked now, so a bad ACTIONBOT_POLICY stops `serve` before it listens."""
    handle = SchedulerHandle(policy=load_policy_or_exit(rt.settings))
    app[SCHEDULER] = handle

    async def start(_app: web.Application) -> None:
        handle.leader = LeaderLock(rt.engine)
        leader = handle.leader
        handle.make_ticker = lambda: make_ticker(rt, handle.policy, leader, kind="serve")
        handle.local = heartbeat.LocalScheduler(
            rt.clock.now(), clock_interval(handle.policy, rt.settings.actionbot_speed)
        )
        handle.scheduler = build_scheduler(
            handle.tick,
            handle.policy,
            speed=rt.settings.actionbot_speed,
            timezone=handle.policy.default_timezone,
            first_tick_after=first_tick_after,
        )
        handle.scheduler.start()

    async def stop(_app: web.Application) -> None:
        ticker = handle.built_ticker  # never built: it never ticked, so has no heartbeat to forget
        if handle.scheduler is not None:
            await stop_scheduler(handle.scheduler, ticker)
        if handle.leader is not None:
            handle.leader.release()
        if ticker is not None:
            forget_heartbeat(rt.engine, ticker)

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return handle


def forget_heartbeat(engine, ticker: Ticker) -> None:
    """A clean stop removes this process's heartbeat row: /healthz then no longer expects its
    ticks (a crash leaves the row, which goes stale and turns /healthz to 503)."""
    if not ticker.heartbeat_process:
        return
    try:
        heartbeat.remove(engine, ticker.heartbeat_process)
    except Exception:  # the database is gone too: the row goes stale, which is the truth
        log.warning("could not remove the scheduler heartbeat of %s", ticker.heartbeat_process, exc_info=True)


def run_clock(settings, *, stop: asyncio.Event | None = None) -> int:
    """`actionbot clock`: the scheduler alone, until SIGTERM or Ctrl+C."""
    from bot.runtime import build_runtime, ensure_database
    from handlers.registry import outbound_all

    policy = load_policy_or_exit(settings)
    rt = build_runtime(settings)
    ensure_database(rt.engine)
    rt.channels = outbound_all(rt)
    return asyncio.run(_clock(rt, policy, stop))


async def _clock(rt, policy: Policy, stop: asyncio.Event | None) -> int:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread / not supported
            loop.add_signal_handler(sig, stop.set)
    leader = LeaderLock(rt.engine)
    ticker = make_ticker(rt, policy, leader, kind="clock")
    sched = build_scheduler(ticker.run, policy, speed=rt.settings.actionbot_speed, timezone=policy.default_timezone)
    sched.start()
    print(
        f"actionbot clock: scheduler running (policy: {policy.source}; now {rt.clock.now():%Y-%m-%d %H:%M} UTC; "
        f"channels: {', '.join(sorted(rt.channels)) or 'none'}; tick every {tick_interval(policy, rt.settings.actionbot_speed):g} s). "
        "Ctrl+C to stop.",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await stop_scheduler(sched, ticker)
        leader.release()
        forget_heartbeat(rt.engine, ticker)
        rt.engine.dispose()
    print("actionbot clock: stopped", flush=True)
    return 0
