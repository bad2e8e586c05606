"""Everything a process needs, built once from settings: engine, clock, core. No globals.

The core (`bot.conversation.Core`, which imports every service and view of the bot) is built the
first time `Runtime.core` is asked for: `serve` answers `/healthz` without it (issue #14), and
its first chat request builds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.policy import PolicyError, default_policy, policy_from_settings
from domain.clock import Clock, clock_from
from storage.db import make_engine, quick_lane, session_scope, upgrade_if_behind
from storage.plan_store import ImportSummary, save_people, save_plan
from storage.reference import load_reference_people, load_reference_plan

if TYPE_CHECKING:
    from bot.conversation import Core

T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    build_core: Callable[[], Core] = field(repr=False)
    channels: dict[str, Any] = field(default_factory=dict)  # name → outbound channel (see bot.delivery)
    # name → that channel's own settings object (handlers/<name>/settings.py); the core never
    # looks inside, it only keeps them so a process (or a test) loads each channel's once
    channel_settings: dict[str, Any] = field(default_factory=dict)

    _core: Core | None = field(default=None, init=False, repr=False)
    _core_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def core(self) -> Core:
        """The core, built on first use (once, whichever thread asks first)."""
        if self._core is None:
            with self._core_lock:
                if self._core is None:
                    self._core = self.build_core()
        return self._core

    async def close_connections(self) -> None:
        """Close what the core opened on the event loop (its quick lane's asynchronous
        connections, `storage.db.AsyncLane`), on that loop, as the app stops."""
        if self._core is not None and self._core.quick_lane is not None:
            await self._core.quick_lane.dispose()

    def channel_settings_for(self, name: str, load: Callable[[], T]) -> T:
        """The settings of channel `name`: those given to `build_runtime`, else `load()` once."""
        if name not in self.channel_settings:
            self.channel_settings[name] = load()
        return self.channel_settings[name]


def build_runtime(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    channel_settings: Mapping[str, Any] | None = None,
) -> Runtime:
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    clock = clock or clock_from(settings.actionbot_now, settings.actionbot_speed)
    try:
        policy = policy_from_settings(settings)
    except PolicyError:
        policy = default_policy()  # the scheduler reports a bad ACTIONBOT_POLICY itself, loudly

    def build_core() -> Core:
        from bot.board_access import BoardLinks
        from bot.conversation import Core

        board = BoardLinks(settings.board_url, settings.actionbot_secret_key)
        # built with the core, so in each `serve --workers` process after the fork
        return Core(engine, clock, settings.actionbot_plan, policy, board=board, quick_lane=quick_lane(engine))

    return Runtime(settings, engine, clock, build_core, channel_settings=dict(channel_settings or {}))


def import_reference(engine: Engine, clock: Clock, *, actor: str = "cli") -> tuple[ImportSummary, ImportSummary]:
    """Load the embedded Bromley plan and its fictional people (one transaction)."""
    with session_scope(engine) as session:
        plan = save_plan(session, load_reference_plan(), actor=actor, now=clock.now(), source="reference")
        people = save_people(session, load_reference_people(), actor=actor, now=clock.now(), source="reference")
    return plan, people


def ensure_database(engine: Engine) -> None:
    """Migrate when the schema is behind (`storage.db.upgrade_if_behind`)."""
    upgrade_if_behind(engine)
