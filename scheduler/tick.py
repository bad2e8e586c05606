"""The reconcile tick: derive what is due from the database, the policy and the clock, and send
it through the ledger. Nothing is remembered between ticks, so a restart, a second process or
a tick that runs late all converge on the same messages, each sent once.

    tick → snapshot (each live plan as of now, people, snoozes, readings, who no channel reaches, ledger)
         → scheduler.planner.plan_every (pure; every live plan, see scheduler.plan_scopes)
         → bot.delivery.send_to_person / send_to_sit (ledger claim, then the channel), or
           bot.delivery.record_unreachable for a person no channel reaches (ledger only)
         → retries of failed sends and of claims a crash left behind
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import decisions, delivery
from bot.outage import is_database_outage
from bot.plan_state import StateCache
from bot.plans import plan_heading
from bot.policy import Policy
from bot.recipients import DirectoryCache
from bot.workdays import valid_zone
from domain.clock import Clock
from scheduler import escalations, heartbeat
from scheduler.action_memo import ActionMemo, Handled
from scheduler.leader import LeaderLock
from scheduler.messages import monthly_report_views, person_views, weekly_digest_views
from scheduler.plan_scopes import SEPARATOR, PlanScope, prefix_for, prefix_of
from scheduler.planned import SIT, Item, Planned
from scheduler.planner import plan_every, zones_in_use
from scheduler.rules import round_of
from scheduler.snapshot import HistoryReader, load_inputs, load_people
from storage import ledger, repo
from storage.bulk import collector_paused, heap_frozen
from storage.db import session_scope
from storage.models import SendLedger

log = logging.getLogger(__name__)

FROM_DATABASE = ("digest", "report")  # their views read the ledger and the trail, not only the plan's state


@dataclass(frozen=True)
class UnmarkedSend:
    """A message the channel delivered after which the database went away before the ledger
    row could be marked sent. It is the one thing a tick keeps in memory: left claimed, the row
    would be sent again as a crash's stale claim (a duplicate); it is marked (and its
    escalations recorded) by the first tick that reaches the database again. A process that
    dies meanwhile falls back to the documented at-least-once re-send."""

    key: str
    ref: str
    claimed_by: str  # only a row still claimed by this sender is marked (a reclaim by another wins)
    items: tuple[Item, ...]
    at: datetime


@dataclass
class TickReport:
    leader: bool = True
    planned: list[Planned] = field(default_factory=list)
    outcomes: list[delivery.SendOutcome] = field(default_factory=list)
    retried: list[delivery.SendOutcome] = field(default_factory=list)

    def summary(self) -> str:
        if not self.leader:
            return "not the scheduler leader: nothing to do"
        counts: dict[str, int] = {}
        for o in self.outcomes + self.retried:
            counts[o.status] = counts.get(o.status, 0) + 1
        done = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing due"
        return f"{len(self.planned)} message(s) due; {done}"


class Ticker:
    """One process's scheduler: call `await tick()` as often as you like.

    `recipients` limits who is messaged (the terminal chat passes the person at the keyboard);
    `include_sit` and `retries` are off there too, so a chat never claims other people's
    messages or the SIT's digests.
    """

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        policy: Policy,
        channels: Callable[[], dict[str, Any]] | dict[str, Any],
        *,
        plan_key: str | None = None,
        leader: LeaderLock | None = None,
        recipients: set[str] | None = None,
        include_sit: bool = True,
        retries: bool = True,
        worker: str | None = None,
        heartbeat_process: str | None = None,
        heartbeat_seconds: float | None = None,
    ):
        self.engine, self.clock, self.policy = engine, clock, policy
        self._channels = channels
        self.plan_key = plan_key
        self.leader = leader
        self.recipients = recipients
        self.include_sit = include_sit
        self.retries = retries
        self.worker = worker or f"{delivery.worker_id()}#{uuid.uuid4().hex[:6]}"
        self._running = asyncio.Lock()
        self._history = HistoryReader()  # the ledger read incrementally, tick after tick
        self._states = StateCache(keep=4)  # each live plan's state, while its trail is unchanged
        self._directory = DirectoryCache()  # the people directory, while it is unchanged
        self._action_memos: dict[str, ActionMemo] = {}  # by plan prefix (scheduler.action_memo)
        self._warned_no_channel = False
        self._database_down = False
        self._unmarked: list[UnmarkedSend] = []
        # the row `scheduler.heartbeat` keeps for /healthz (None: the terminal chat, tests)
        self.heartbeat_process = heartbeat_process
        self.heartbeat_seconds = heartbeat_seconds or float(policy.tick_seconds)

    @property
    def channels(self) -> dict[str, Any]:
        return self._channels() if callable(self._channels) else self._channels

    async def wait_idle(self) -> None:
        """Wait for a tick in progress to finish (shutting down never cuts a send in half)."""
        async with self._running:
            return

    async def run(self) -> TickReport | None:
        """The APScheduler job: one tick at a time per process; errors are logged, not raised,
        so one bad tick never stops the next."""
        if self._running.locked():
            return None
        async with self._running:
            started = self.clock.now()
            try:
                report = await self.tick()
                if self.heartbeat_process:  # only a tick that finished counts as a heartbeat
                    heartbeat.record(
                        self.engine, self.heartbeat_process, started, self.heartbeat_seconds, leader=report.leader
                    )
            except Exception as exc:
                if not is_database_outage(exc):
                    log.exception("scheduler tick failed; the next tick tries again")
                elif not self._database_down:  # one line per outage, not one per tick
                    log.warning(
                        "scheduler: the database is unavailable (%s); ticks are skipped until it is back, "
                        "then what is due is sent",
                        type(exc).__name__,
                    )
                self._database_down = is_database_outage(exc) or self._database_down
                return None
        if self._database_down:
            log.info("scheduler: the database is back; ticks resumed")
            self._database_down = False
        acted = any(o.status in ("sent", "retry", "failed", "unreachable") for o in report.outcomes + report.retried)
        if report.planned or report.retried:
            log.log(
                logging.INFO if acted else logging.DEBUG,
                "tick %s: %s",
                self.clock.now().isoformat(timespec="minutes"),
                report.summary(),
            )
        return report

    async def tick(self) -> TickReport:
        now = self.clock.now()
        self._record_unmarked()  # before any leader check: these sends were this process's own
        if self.leader is not None and not self.leader.is_leader():
            return TickReport(leader=False)
        channels = self.channels
        if not self._anyone_at_work(now):
            return TickReport()  # outside everyone's working hours nothing is sent, first or retried
        if not channels:
            if not self._warned_no_channel:
                log.warning(
                    "no outbound channel is configured: the scheduler sends nothing (see `actionbot config check`)"
                )
                self._warned_no_channel = True
            return TickReport()
        with ExitStack() as for_the_sends:  # the plans' state is kept for the sends, not collected over and over
            with collector_paused(), session_scope(self.engine) as session:  # planning allocates what it keeps
                version = repo.trail_version(session)  # before anything is written (see StateCache)
                scopes = self.scopes(session, now, channels, version)
                history = self._history.read(session)
                memos = self._memos(scopes, version, now)
                planned = [p for p in plan_every(scopes, self.policy, history, now, memos) if self._wanted(p)]
                # what reads the database is read now, before this round's sends (a digest counts
                # what was sent before it); a person's views come from the plan's state alone and
                # are made just before their send, so the first message goes out without waiting
                # for thousands of cards (the fan-out benchmark: about a second at 2,000 people)
                early = {
                    i: self.views_for(session, p, scopes, now)
                    for i, p in enumerate(planned)
                    if p.kind in FROM_DATABASE and not p.unreachable
                }
                if self.include_sit:
                    for scope in scopes:
                        escalations.resolve(session, scope.inputs.state, now)
                plan_keys = {scope.prefix: scope.inputs.state.plan.key for scope in scopes}
                # frozen before the collector is back on: what planning built is never walked, not even once
                for_the_sends.enter_context(heap_frozen())
            report = TickReport(planned=planned)
            # the SIT's digests and reports are planned last and are the heaviest to render (a
            # chart): each channel that can starts on them now, while the people's messages go
            early = {i: delivery.prepare(channels, views) if views else views for i, views in early.items()}
            for i, p in enumerate(planned):
                views = [] if p.unreachable else early[i] if i in early else self.views_for(None, p, scopes, now)
                if p.unreachable or views:
                    report.outcomes += await self.send(p, views, now, channels, plan_keys)
            # the SIT's decisions (dates approved or rejected, completions reopened) to the lead, once
            report.outcomes += await decisions.send_due(self.engine, channels, now, self.recipients)
            if self.retries:
                report.retried = await self.retry(now, channels)
        return report

    def _anyone_at_work(self, now: datetime) -> bool:
        cal = self.policy.calendar
        with session_scope(self.engine) as session:
            zones = repo.timezones_in_use(session) | {self.policy.default_timezone}
        return any(cal.in_working_hours(now, tz) for tz in zones if valid_zone(tz))

    def _wanted(self, p: Planned) -> bool:
        if p.recipient == SIT:
            return self.include_sit
        return self.recipients is None or p.recipient in self.recipients

    def scopes(
        self,
        session: Session,
        now: datetime,
        channels: dict[str, Any] | None = None,
        version: tuple[int, int] | None = None,
    ) -> list[PlanScope]:
        """Every live plan, the default one first (its ledger keys carry no prefix; see
        `scheduler.plan_scopes`). The default is served even when it is not live, as before.
        With the trail's `version`, a plan's state is reused while it is unchanged (`StateCache`),
        and the people directory likewise (`DirectoryCache`); it is read once for every plan."""
        default = repo.active_plan(session, self.plan_key)
        plans = [default] + [p for p in repo.live_plans(session) if p.id != default.id]
        states = self._states if version is not None else None
        kept = self._directory if version is not None else None
        people = load_people(session, channels, kept, version[1] if version is not None else 0)
        return [
            PlanScope(prefix_for(p.key, default.key), load_inputs(session, p, now, channels, states, version, people))
            for p in plans
        ]

    def _memos(self, scopes: list[PlanScope], version: tuple[int, int], now: datetime) -> dict[str, ActionMemo]:
        """Each plan's memory of its actions' items (`scheduler.action_memo`), brought up to
        date: kept while the day, the newest audit event (every change to the people directory
        is audited), the snoozes and the directory's size are the same, and told which items
        the ledger newly holds. An action with a new update is a new `ActionState` object, which
        the memo evaluates again by itself."""
        cal = self.policy.calendar
        handled: dict[str, list[Handled]] = {}
        for prefix, item in self._history.handled:
            handled.setdefault(prefix, []).append(item)
        policy = self.policy
        escalations_set = [policy.escalation, *policy.escalation_by_priority.values()]
        silence_same_day = any(e.on_silence and e.silence_working_days == 0 for e in escalations_set)
        memos = {}
        for scope in scopes:
            inputs = scope.inputs
            zones = zones_in_use(inputs, self.policy)
            key = (
                inputs.state.plan.id,
                version[1],
                tuple(sorted((tz, cal.local(now, tz).date()) for tz in zones)),
                tuple(sorted(inputs.snoozes.items())),
                len(inputs.directory.people),
                id(self.policy),
            )
            memo = self._action_memos.setdefault(scope.prefix, ActionMemo())
            memo.begin(key, handled.get(scope.prefix, []), silence_same_day=silence_same_day)
            memos[scope.prefix] = memo
        return memos

    def views_for(self, session: Session | None, p: Planned, scopes: list[PlanScope], now: datetime) -> list[Any]:
        """A message's views, each item shown from its own plan; a message about several
        plans names each plan above its part. Only the kinds in `FROM_DATABASE` read the
        `session`; the others need none."""
        by_prefix = {s.prefix: s.inputs for s in scopes}
        if p.kind in FROM_DATABASE:
            inputs = by_prefix.get(prefix_of(p.key))
            if inputs is None:
                return []  # its plan is no longer live: nothing to show
            if session is None:
                raise ValueError(f"a {p.kind}'s views read the database: a session is needed")
            if p.kind == "digest":
                return weekly_digest_views(session, inputs.state, now)
            year, month = (int(x) for x in p.key.split(":", 1)[1].split("-"))
            return monthly_report_views(session, inputs.state, round_of(self.policy, year, month), now)
        groups: dict[str, list[Item]] = {}
        for item in p.items:
            groups.setdefault(prefix_of(item.key), []).append(item)
        views: list[Any] = []
        for prefix, items in groups.items():
            inputs = by_prefix.get(prefix)
            if inputs is None:
                continue
            part = person_views(replace(p, items=tuple(items)), inputs.state, inputs.directory)
            if part and len(groups) > 1:
                views.append(plan_heading(inputs.state.plan))
            views += part
        return views

    async def send(
        self, p: Planned, views: list[Any], now: datetime, channels, plan_keys: dict[str, str] | None = None
    ) -> list[delivery.SendOutcome]:
        """`plan_keys` (plan prefix → plan key) lets the message say which plan each action is
        from (`meta["plans"]`, ref → key): a channel whose answers arrive without a chat
        context (an email link) needs it when two live plans share an action id. An id that this
        very message asks about in two plans is left out: one link per id could not say which."""
        meta = {**p.payload(), "refs": p.refs, "ledger_key": p.key, "why": p.why()}
        if plan_keys:
            of_ref: dict[str, set[str]] = {}
            for i in p.items:
                if i.ref and prefix_of(i.key) in plan_keys:
                    of_ref.setdefault(i.ref, set()).add(plan_keys[prefix_of(i.key)])
            meta["plans"] = {ref: next(iter(keys)) for ref, keys in of_ref.items() if len(keys) == 1}
        if p.unreachable:  # recorded, not sent: its steps count, and the SIT's message names them
            outcomes = [
                delivery.record_unreachable(
                    self.engine, p.key, recipient=p.recipient, kind=p.kind, now=now, reason=p.unreachable, meta=meta
                )
            ]
        elif p.recipient == SIT:
            outcomes = await delivery.send_to_sit(
                self.engine, channels, views, key=p.key, kind=p.kind, now=now, meta=meta
            )
        else:
            outcomes = [
                await delivery.send_to_person(
                    self.engine, channels, p.recipient, views, key=p.key, kind=p.kind, now=now, meta=meta
                )
            ]
        unmarked = [o for o in outcomes if o.status == "unmarked"]
        for o in unmarked:  # delivered while the database went away: recorded when it is back
            self._unmarked.append(UnmarkedSend(o.key, o.detail, delivery.worker_id(), tuple(p.items), now))
        if not unmarked and any(o.status in ("sent", "retry", "failed", "unreachable") for o in outcomes):
            self._record_escalations(list(p.items), now)
        return outcomes

    def _record_unmarked(self) -> None:
        """Mark the sends that were delivered while the database was down (see `UnmarkedSend`).
        Raises while it is still down, so the tick is skipped like any other."""
        while self._unmarked:
            u = self._unmarked[0]
            with session_scope(self.engine) as session:
                row = session.exec(select(SendLedger).where(SendLedger.key == u.key)).first()
                if row is not None and row.status in ("claimed", "retry") and row.claimed_by == u.claimed_by:
                    ledger.mark_sent(session, row, u.at, u.ref)
            self._record_escalations(list(u.items), u.at)
            self._unmarked.pop(0)
            log.info("scheduler: recorded %s, delivered while the database was unavailable", u.key)

    def _record_escalations(self, items: list[Item], now: datetime) -> None:
        if not any(i.kind == "escalation" for i in items):
            return
        with session_scope(self.engine) as session:
            default = repo.active_plan(session, self.plan_key)
            groups: dict[str, list[Item]] = {}
            for item in items:
                groups.setdefault(prefix_of(item.key), []).append(item)
            for prefix, group in groups.items():
                plan = repo.plan_by_key(session, prefix.removesuffix(SEPARATOR)) if prefix else default
                if plan is not None:  # the ids of the actions escalated, not of the whole plan
                    ids = repo.action_ids(session, plan.id, {i.ref for i in group if i.kind == "escalation"})
                    escalations.record(session, ids, group, now)

    # --- retries ---------------------------------------------------------------------------

    async def retry(self, now: datetime, channels) -> list[delivery.SendOutcome]:
        """Failed sends after their backoff, and claims a crash left unsent (at-least-once)."""
        stale = timedelta(minutes=self.policy.stale_claim_minutes)
        with session_scope(self.engine) as session:
            rows = [r for r in ledger.retryable(session, now, stale) if self._retry_wanted(r)]
            if not rows:
                return []
            scopes = self.scopes(session, now)
            work = []
            for row in rows:
                if not self.policy.calendar.in_working_hours(
                    now, (row.payload or {}).get("timezone") or self.policy.default_timezone
                ):
                    continue  # a retry, too, waits for the recipient's working hours
                was_claimed = row.status == "claimed"
                if not ledger.reclaim(session, row, now, self.worker):
                    continue  # another process took it
                p = _planned_from_row(row, now, self.policy.default_timezone)
                work.append((row.id, row.key, was_claimed, p, self.views_for(session, p, scopes, now)))
        outcomes = []
        for row_id, key, was_claimed, p, views in work:
            outcomes.append(await self._resend(row_id, key, was_claimed, p, views, now, channels))
        return outcomes

    def _retry_wanted(self, row: SendLedger) -> bool:
        if "items" not in (row.payload or {}):
            return False  # not a scheduler message (a manual nudge, a notice): nothing to rebuild it from
        if row.recipient == SIT:
            return self.include_sit
        return self.recipients is None or row.recipient in self.recipients

    async def _resend(self, row_id, key, was_claimed, p: Planned, views, now, channels) -> delivery.SendOutcome:
        """One reclaimed row sent again through `bot.delivery.resend`, the path every send takes
        (attempt, mark, fallback channel, the SIT told after the last try). What stays here is
        the scheduler's part: the escalations a delivered message carries are recorded (as after
        a first send), and a delivery the database could not record is kept as an `UnmarkedSend`
        (claimed by this ticker, which reclaimed the row) rather than re-sent as a stale claim."""
        meta = {**p.payload(), "refs": p.refs, "ledger_key": key, "why": p.why()}
        outcome = await delivery.resend(
            self.engine, channels, row_id, views, now=now, meta=meta, was_claimed=was_claimed, worker=self.worker
        )
        if outcome.status == "unmarked":
            self._unmarked.append(UnmarkedSend(outcome.key, outcome.detail, self.worker, tuple(p.items), now))
        elif outcome.status == "sent":
            try:
                self._record_escalations(list(p.items), now)
            except Exception as exc:
                if not is_database_outage(exc):
                    raise
                # marked sent already: the next tick that reaches the database records them
                self._unmarked.append(UnmarkedSend(outcome.key, outcome.detail, self.worker, tuple(p.items), now))
                raise
        return outcome


def _planned_from_row(row: SendLedger, now: datetime, default_tz: str) -> Planned:
    payload = row.payload or {}
    recipient = payload.get("recipient") or row.recipient
    items = tuple(Item.from_payload(d, recipient, now) for d in payload.get("items", []))
    return Planned(row.key.split("|", 1)[0], row.kind, recipient, now, payload.get("timezone") or default_tz, items)
