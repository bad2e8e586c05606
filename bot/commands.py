"""The registry of extra text commands the core tries before status queries and updates.

Each entry is a function `(turn, text) -> Reply | None` from its own module (one line each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot import (
    audits,
    board_chat,
    channel_setup,
    kpi,
    leave,
    no_change,
    plans,
    report_chat,
    risk_log,
    signoff,
    snooze,
)

if TYPE_CHECKING:
    from bot.conversation import Turn
    from bot.requests import Reply

TEXT_COMMANDS: tuple[Callable[[Turn, str], Reply | None], ...] = (
    channel_setup.command,  # iam ROLE (dev mode), set sit channel
    snooze.command,  # snooze 4.2.1 until Monday
    leave.command,  # away until 12/09, back
    kpi.command,  # kpi 4a 85% (performance indicator readings)
    no_change.command,  # no change, no change except 4.2.1, 4.3.2 (the rest of this round)
    signoff.command,  # signoff 4.2.1, reopen 4.2.1 - reason (SIT admins)
    audits.command,  # audit 4.2.1 due Mar 17 (SIT admins), status audits
    report_chat.command,  # report, report p4 (the highlight report so far this month)
    risk_log.command,  # risk p4 add "…" …, issues p4, risk R12 close - reason
    plans.command,  # plans, use plan yj
    board_chat.command,  # board (a personal link to the board's web view)
)
