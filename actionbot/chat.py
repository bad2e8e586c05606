"""The scheduler inside `actionbot chat`: nudges that come due while the chat runs are printed
in the terminal, through the same tick, policy and ledger as Slack and Teams.

The chat's tick only ever messages the person at the keyboard, through the terminal channel,
and never the SIT or anyone else, so running a chat beside `actionbot serve` claims nothing
that belongs to another channel or person.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TextIO

from actionbot.scheduler_wiring import load_policy_or_exit, tick_interval
from bot.policy import Policy
from scheduler.tick import Ticker

log = logging.getLogger(__name__)


def chat_ticker(rt, person_key: str, policy: Policy) -> Ticker:
    def terminal_only() -> dict:
        channel = rt.channels.get("terminal")
        return {"terminal": channel} if channel is not None else {}

    return Ticker(
        rt.engine,
        rt.clock,
        policy,
        terminal_only,
        plan_key=rt.settings.actionbot_plan,
        recipients={person_key},
        include_sit=False,
        retries=False,
    )


async def _every(ticker: Ticker, seconds: float) -> None:
    await asyncio.sleep(0.5)  # let the chat open (and register the terminal channel) first
    while True:
        await ticker.run()
        await asyncio.sleep(seconds)


async def chat_with_scheduler(
    rt, who: str, stdin: TextIO, stdout: TextIO, *, background: bool = True, charts: Path | None = None
) -> int:
    """`run_chat` with a tick before each line and (unless `background` is off, as in tests)
    one every policy tick in the background. `charts`: where pictures are saved (default: a
    folder in the system's temporary directory)."""
    from handlers.terminal.chat import resolve_as, run_chat

    resolved = resolve_as(rt, who)
    if isinstance(resolved, str):
        return await run_chat(rt, who, stdin, stdout)  # it prints the same error
    identity, _label = resolved
    policy = load_policy_or_exit(rt.settings)
    ticker = chat_ticker(rt, identity.user_id, policy)

    async def on_tick(_rt) -> None:
        await ticker.run()

    task = (
        asyncio.create_task(_every(ticker, tick_interval(policy, rt.settings.actionbot_speed))) if background else None
    )
    try:
        return await run_chat(rt, who, stdin, stdout, on_tick=on_tick, charts=charts)
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
