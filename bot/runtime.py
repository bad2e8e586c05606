"""Everything a process needs, built once from settings: engine, clock, core. No globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.board_access import BoardLinks
from bot.config import Settings
from bot.conversation import Core
from bot.policy import PolicyError, default_policy, policy_from_settings
from domain.clock import Clock, clock_from
from storage.db import make_engine, session_scope, upgrade
from storage.plan_store import ImportSummary, save_people, save_plan
from storage.reference import load_reference_people, load_reference_plan


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    core: Core
    channels: dict[str, Any] = field(default_factory=dict)  # name → outbound channel (see bot.delivery)


def build_runtime(
    settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None
) -> Runtime:
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    clock = clock or clock_from(settings.actionbot_now, settings.actionbot_speed)
    try:
        policy = policy_from_settings(settings)
    except PolicyError:
        policy = default_policy()  # the scheduler reports a bad ACTIONBOT_POLICY itself, loudly
    board = BoardLinks(settings.board_url, settings.actionbot_secret_key)
    core = Core(engine, clock, settings.actionbot_plan, policy, board=board)
    return Runtime(settings, engine, clock, core)


def import_reference(engine: Engine, clock: Clock, *, actor: str = "cli") -> tuple[ImportSummary, ImportSummary]:
    """Load the embedded Bromley plan and its fictional people (one transaction)."""
    with session_scope(engine) as session:
        plan = save_plan(session, load_reference_plan(), actor=actor, now=clock.now(), source="reference")
        people = save_people(session, load_reference_people(), actor=actor, now=clock.now(), source="reference")
    return plan, people


def ensure_database(engine: Engine) -> None:
    upgrade(engine)
