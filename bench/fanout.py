"""Fan-out: a nudge round at a council's largest size, within the platforms' rate limits.

A synthetic plan (`bench/synthetic.py`, default 10,000 actions to 2,000 people) is imported,
everyone is linked to the platform, and the scheduler's first tick of the day sends the round
through a local fake that enforces the platform's limits and answers 429 + Retry-After over
them (`tests/fakes/rate_limited_slack.py`, `tests/fakes/rate_limited_connector.py`). The bot
and the fake share a `FastForwardClock`: waiting for a limit costs no real time, while the
round's real work is counted as it happens, so a 40-minute round runs in the time its work
takes. Printed, per platform: messages planned and sent, 429s, the time the round took on the
shared clock, the least time the fake's limits allow for what was sent (`minimum_seconds`) and
the ratio (target <= 1.1), real wall and CPU time, and the ledger check (every planned message
exactly one sent ledger row and exactly one message at the fake).

Run: `python -m bench fanout` (Slack then Teams, 2,000 actions to 400 people: about three real
minutes on a loaded 2-core machine); `BENCH_FANOUT=10000:2000` for the issue's size (about 13
real minutes there);
`BENCH_FANOUT_CHANNELS=slack` or `teams` for one platform.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from bench.scale import ACTIONBOT, CPU, PLAN_KEY, UK, line, load, seconds
from bench.synthetic import generate
from bot.policy import load_policy
from domain.clock import FastForwardClock, FixedClock
from handlers.slack.outbound import SlackChannel
from handlers.slack.settings import SlackSettings
from handlers.teams.outbound import TeamsChannel
from scheduler.tick import Ticker
from storage.db import make_engine, upgrade
from storage.importers import import_plan_file
from tests.fakes.fanout_round import RoundResult, link_slack, link_teams, run_round, teams_channel
from tests.fakes.rate_limited_connector import RateLimitedBotConnector
from tests.fakes.rate_limited_slack import RateLimitedSlackApi

START = datetime(2016, 9, 14, 10, 0, tzinfo=UK)  # a Wednesday: the synthetic plan's round is due


def prepare(tmp: Path, actions: int, people: int) -> Path:
    """The plan and directory imported once into an SQLite file each platform gets a copy of."""
    plan_csv, people_csv = generate(tmp / "files", actions, people)
    db = tmp / "template.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    import_plan_file(engine, FixedClock(START), str(plan_csv), plan_key=PLAN_KEY, title="Synthetic")
    engine.dispose()
    env = os.environ | {"DATABASE_URL": f"sqlite:///{db}", "ACTIONBOT_PLAN": PLAN_KEY}
    done = subprocess.run(
        [str(ACTIONBOT), "people", "import", str(people_csv)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"people import failed: {done.stderr}")
    return db


async def slack_round(engine) -> tuple[RoundResult, RateLimitedSlackApi, SlackChannel]:
    clock = FastForwardClock(START)
    api = await RateLimitedSlackApi(lambda: clock.now().timestamp()).start()
    try:
        link_slack(engine, api)
        settings = SlackSettings(
            _env_file=None,
            slack_bot_token=api.token,
            slack_signing_secret="bench",
            slack_api_url=api.api_url,
            slack_app_token=None,
            slack_sit_channel="C0SIT",
        )
        channel = SlackChannel(settings, clock.sleep, engine=engine, clock=clock)
        ticker = Ticker(engine, clock, load_policy(None), {"slack": channel}, plan_key=PLAN_KEY)
        return await run_round(ticker, clock, api), api, channel
    finally:
        await api.close()


async def teams_round(engine) -> tuple[RoundResult, RateLimitedBotConnector, TeamsChannel]:
    clock = FastForwardClock(START)
    connector = await RateLimitedBotConnector(now=lambda: clock.now().timestamp()).start()
    try:
        link_teams(engine, connector, clock.now())
        channel = teams_channel(engine, clock)
        ticker = Ticker(engine, clock, load_policy(None), {"teams": channel}, plan_key=PLAN_KEY)
        return await run_round(ticker, clock, connector), connector, channel
    finally:
        await connector.stop()


def report(name: str, result: RoundResult, fake, pacer, extra: str = "") -> None:
    minimum = fake.minimum_seconds()
    ratio = result.elapsed / minimum if minimum else float("inf")
    sent = sum(result.ledger[k] for k in result.planned)
    line("messages planned / sent (ledger)", f"{len(result.planned):,} / {sent:,}", extra)
    line("429s received", f"{fake.rate_limited:,}", f"pacer waited {pacer.waits:,} times, {pacer.waited:,.0f} s")
    line("round on the shared clock", f"{result.elapsed:,.1f} s", f"{result.ticks} tick(s)")
    line("least the fake's limits allow", f"{minimum:,.1f} s", "")
    line("ratio", f"{ratio:.3f}x", "target <= 1.1x" + ("" if ratio <= 1.1 else "  OVER"))
    line("  of which real (the round's own work)", f"{result.real:,.1f} s", f"CPU {CPU[0]:.1f} s for the whole run")
    problems = result.problems()
    line(
        "ledger check",
        "ok" if not problems else "FAILED",
        "; ".join(problems) or "every planned message: one sent ledger row, one message received, none stray",
    )
    print(f"    (ledger rows by status: {dict(result.statuses)})")


def run_platform(name: str, template: Path, tmp: Path) -> None:
    db = tmp / f"{name}.db"
    shutil.copy(template, db)
    engine = make_engine(f"sqlite:///{db}")
    print(f"  {name}")
    if name == "slack":
        took, (result, fake, channel) = seconds(lambda: asyncio.run(slack_round(engine)))
        opens = fake.accepted["conversations.open"]
        report(name, result, fake, channel.pacer, f"{opens:,} conversations.open (tier 3) to find DM channels")
    else:
        took, (result, fake, channel) = seconds(lambda: asyncio.run(teams_round(engine)))
        report(name, result, fake, channel.pacer, f"{len(fake.accepted):,} conversations")
    line("real wall time of the run (with the fake's start)", f"{took:.1f} s", f"CPU {CPU[0]:.1f} s; {load()}")
    engine.dispose()


def main() -> None:
    actions, people = (int(x) for x in os.environ.get("BENCH_FANOUT", "2000:400").split(":"))
    names = [n.strip() for n in os.environ.get("BENCH_FANOUT_CHANNELS", "slack,teams").split(",") if n.strip()]
    print(f"Fan-out: one nudge round, {actions:,} actions to {people:,} people, through rate-limited fakes; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        took, template = seconds(lambda: prepare(Path(tmp), actions, people))
        print(f"  (plan and directory imported in {took:.1f} s)")
        for name in names:
            run_platform(name, template, Path(tmp))
    print(f"  (after the run: {load()})\n")


if __name__ == "__main__":
    main()
