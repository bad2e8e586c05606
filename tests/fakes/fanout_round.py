"""A nudge round through the rate-limiting fakes, checked against the send ledger.

Shared by the fan-out benchmark (`bench/fanout.py`, 10,000 actions to 2,000 people) and its
tests (`tests/e2e/test_fanout.py`, a small round): everyone in the directory is linked to the
platform (a Slack user, or a Teams conversation reference), the scheduler's ticks run on a
`FastForwardClock` shared with the fake until everything planned is sent, and the ledger and
what the fake received are compared key by key.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from bot.identity import link_identity
from domain.clock import FastForwardClock
from handlers.teams import addresses
from handlers.teams.deferred import DeferredAdapter
from handlers.teams.outbound import TeamsChannel
from handlers.teams.sdk import TeamsAdapter
from scheduler.planned import SIT
from scheduler.tick import Ticker
from storage import repo
from storage.db import session_scope
from storage.models import SendLedger
from tests.fakes.rate_limited_connector import RateLimitedBotConnector
from tests.fakes.rate_limited_slack import RateLimitedSlackApi

TENANT = "tenant-fanout"
BOT = {"id": "28:actionbot", "name": "actionbot"}


def slack_user_id(person_key: str) -> str:
    return f"U{person_key.upper()}"


def link_slack(engine, api: RateLimitedSlackApi) -> int:
    """Everyone in the directory gets a Slack account on the fake, linked to them."""
    with session_scope(engine) as session:
        people = repo.all_people(session)
        for person in people:
            api.add_user(slack_user_id(person.key), person.email, person.name)
            link_identity(session, "slack", slack_user_id(person.key), person.key)
    return len(people)


def teams_reference(connector: RateLimitedBotConnector, conversation_id: str, kind: str, user_id: str) -> dict:
    return {
        "serviceUrl": connector.url,
        "channelId": "msteams",
        "bot": BOT,
        "user": {"id": user_id},
        "conversation": {"id": conversation_id, "conversationType": kind, "tenantId": TENANT},
    }


def link_teams(engine, connector: RateLimitedBotConnector, now) -> int:
    """Everyone gets a personal chat with the bot (a stored reference), and the SIT a channel."""
    with session_scope(engine) as session:
        people = repo.all_people(session)
        for person in people:
            ref = teams_reference(connector, f"a:chat-{person.key}", "personal", f"29:{person.key}")
            addresses.remember(session, addresses.person_key(person.key), {"reference": ref}, now)
        sit = teams_reference(connector, "19:sit@thread.tacv2", "channel", "29:sit")
        addresses.remember(session, addresses.SIT, {"reference": sit}, now)
    return len(people)


def teams_channel(engine, clock: FastForwardClock) -> TeamsChannel:
    """The real Teams sender, unauthenticated (the fake connector checks no token), pacing itself
    on the round's clock."""
    adapter = TeamsAdapter(app_id=None, app_password=None, tenant_id=None, app_type="MultiTenant")
    return TeamsChannel(engine, clock, DeferredAdapter(lambda: adapter), sleep=clock.sleep)


@dataclass
class RoundResult:
    planned: list[str]  # the ledger key of every message the round planned
    ticks: int
    elapsed: float  # seconds on the shared clock, from the first tick to the last
    real: float  # of which real seconds
    ledger: Counter = field(default_factory=Counter)  # sent rows per planned key
    received: Counter = field(default_factory=Counter)  # messages the fake accepted per ledger key
    statuses: Counter = field(default_factory=Counter)  # every ledger row's status

    def problems(self) -> list[str]:
        """Every planned message must be one sent ledger row and one message the platform
        received; nothing else may have arrived."""
        planned = set(self.planned)
        out = []
        missing = sorted(k for k in planned if self.ledger[k] != 1)
        if missing:
            out.append(f"{len(missing)} planned message(s) without exactly one sent ledger row, e.g. {missing[:3]}")
        lost = sorted(k for k in planned if self.received[k] == 0)
        if lost:
            out.append(f"{len(lost)} planned message(s) the platform never received, e.g. {lost[:3]}")
        twice = sorted(k for k, n in self.received.items() if n > 1)
        if twice:
            out.append(f"{len(twice)} message(s) received more than once, e.g. {twice[:3]}")
        stray = sorted(set(self.received) - planned)
        if stray:
            out.append(f"{len(stray)} message(s) received that were not planned, e.g. {stray[:3]}")
        return out


def ledger_key_of(row: SendLedger) -> str:
    """The planned message a ledger row is for (a SIT message is claimed per channel: `key|slack`)."""
    return row.key.split("|", 1)[0] if row.recipient == SIT else row.key


async def run_round(
    ticker: Ticker, clock: FastForwardClock, fake: Any, *, max_ticks: int = 20, tick_gap: float = 60.0
) -> RoundResult:
    """The first tick plans and sends the round; later ticks (each `tick_gap` seconds on, like
    the scheduler's) send what was left to retry, until every planned message is sent. The
    round ends when its last tick returns: the check between ticks is this harness's work, not
    the bot's, so it is left off the figures (its real time is still spent)."""
    start, real0 = clock.elapsed(), clock.real()
    first = await ticker.tick()
    end, real_end = clock.elapsed(), clock.real()
    checks = 0.0  # the harness's own time, between one tick's end and the next one's start
    planned = [p.key for p in first.planned if not p.unreachable]
    ticks = 1
    while ticks < max_ticks and not _all_sent(ticker.engine, planned):
        checks += clock.real() - real_end
        await clock.sleep(tick_gap)
        await ticker.tick()
        end, real_end = clock.elapsed(), clock.real()
        ticks += 1
    result = RoundResult(planned, ticks, end - start - checks, real_end - real0 - checks)
    with session_scope(ticker.engine) as session:
        for row in session.exec(select(SendLedger)).all():
            result.statuses[row.status] += 1
            if row.status == "sent":
                result.ledger[ledger_key_of(row)] += 1
    result.received = fake.received()
    return result


def _all_sent(engine, planned: list[str]) -> bool:
    with session_scope(engine) as session:
        sent = Counter(
            ledger_key_of(r) for r in session.exec(select(SendLedger).where(SendLedger.status == "sent")).all()
        )
    return all(sent[k] == 1 for k in planned)
