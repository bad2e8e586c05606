"""Slack's Web API rate limits, as the outbound sender paces itself by them (`bot.rate_limits`).

From Slack's documentation (per app, per workspace): `chat.postMessage` about one message a
second per channel with short bursts; `conversations.open`, `conversations.history`,
`users.lookupByEmail` and `chat.update` are tier 3 (50+ a minute, occasional bursts). The
bursts are not published: 3 messages a channel and 5 tier-3 calls are assumed (a wrong guess
costs one 429 and its Retry-After, which the client honours). `chat.postMessage` also has a
workspace-wide limit Slack gives no figure for: not paced here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from bot.rate_limits import Pacer, Sleep, TokenBucket

POST_PER_CHANNEL = (1.0, 3)  # calls a second, burst
TIER_3 = (50 / 60, 5)
TIER_3_METHODS = ("conversations_open", "conversations_history", "users_lookupByEmail", "chat_update")


def slack_pacer(now: Callable[[], float], sleep: Sleep) -> Pacer:
    pacer = Pacer(now, sleep)
    for method in TIER_3_METHODS:
        pacer.define(method, TokenBucket(*TIER_3))
    return pacer


def keys_for(pacer: Pacer, method: str, kwargs: dict[str, Any]) -> tuple[Hashable, ...]:
    """The limits one call falls under: its method's tier, and a message's channel."""
    if method == "chat_postMessage" and kwargs.get("channel"):
        return (pacer.limit(("channel", str(kwargs["channel"])), lambda: TokenBucket(*POST_PER_CHANNEL)),)
    return (method,)
