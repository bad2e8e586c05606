"""The board's web view (`/board`): read-only pages of a plan for people who are not in chat.

Not a chat channel (it receives no messages and sends none): `mount_board` adds its routes to
the one aiohttp server. `routes.py` reads requests and answers; `security.py` holds the headers
every board response carries. The pages are rendered by `cards/board_html.py` from the core's
`bot.board` view models; who may read them is `bot.board_access`.
"""

from __future__ import annotations

from handlers.web.routes import mount_board

__all__ = ["mount_board"]
