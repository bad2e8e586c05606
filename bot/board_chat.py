"""`board` in chat: a personal link to the board's web view, for the person asking only.

The link is single use and valid for 15 minutes (`bot.signed_links`); opening it starts an
8-hour session (`bot.board_access`). It goes to a known person only, in a private reply (never
into a channel or group chat, where anyone could open it first: `ChatRequest.shared`), and it
points at the plan the person is on (`use plan`, `… in KEY` does not apply: `board` is not a
status query). The board's address is `ACTIONBOT_PUBLIC_URL`, else this machine's port.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.board_access import CHAT_LINK_TTL, PURPOSE
from bot.requests import Reply
from bot.views import NoticeView

if TYPE_CHECKING:
    from bot.conversation import Turn

_BOARD = re.compile(r"^(?:board|board\s+link|board\s+view)$", re.IGNORECASE)


def command(turn: Turn, text: str) -> Reply | None:
    if not _BOARD.match(text.strip()):
        return None
    from bot import signed_links

    actor = turn.actor
    if actor.person is None:
        return Reply(
            [NoticeView("I don't know who you are yet, so I can't give you a board link. Ask the SIT to add you.", "warning")]
        )
    if turn.request.shared:
        return Reply(
            [NoticeView("Ask me for `board` in a direct message: a link posted here could be opened by anyone "
                        "who reads this conversation.", "warning")]
        )
    board = turn.board
    if board is None:
        return Reply([NoticeView("The board's web view is not served by this process.", "warning")])
    plan = turn.state.plan
    try:
        token, _ = signed_links.issue(
            turn.session,
            secret=board.secret or "",
            purpose=PURPOSE,
            person_key=actor.person.key,
            subject={"plan": plan.key},
            ttl=CHAT_LINK_TTL,
            now=turn.now,
            single_use=True,
            issued_by=actor.person.key,
        )
    except signed_links.SecretKeyMissing:
        return Reply([NoticeView("The board is not set up here yet (ACTIONBOT_SECRET_KEY is not set).", "warning")])
    url = f"{board.url.rstrip('/')}/board/link/{token}"
    minutes = int(CHAT_LINK_TTL.total_seconds() // 60)
    return Reply(
        [NoticeView(f"Your link to the board's view of {plan.title}: {url}\nIt works once, within {minutes} minutes, "
                    "and opens an 8-hour session in your browser. Don't share it.")],
        private=True,
    )
