"""Which Slack delivery a request is, so that a retry or a replay is handled once.

Slack re-sends an Events API callback it thinks we missed (same `event_id`, X-Slack-Retry-Num),
and a signed request can be replayed within the signature's five minutes (same `trigger_id`).
`invocation_key` names one delivery as a `seen_event` key: `handlers.slack.app` claims it before
the ack for events and interactions, and a slash command hands it to the core as the request's
`once_key` (claimed in the answer's own transaction)."""

from __future__ import annotations

import hashlib

from bot.requests import ONCE_KEY_MAX


def invocation_key(body: dict) -> str | None:
    """The `seen_event` key of one delivery from Slack: an Events API callback's event_id, or an
    interaction's / slash command's trigger_id. None for what has neither (nothing to dedupe)."""
    if body.get("type") == "event_callback":
        kind, value = "", body.get("event_id")
    elif body.get("type") in ("block_actions", "view_submission") or body.get("command"):
        kind, value = "trigger:", body.get("trigger_id")
    else:
        return None
    if not isinstance(value, str) or not value:
        return None
    key = f"slack:{kind}{value}"
    if len(key) > ONCE_KEY_MAX:  # not what Slack sends; still one key per value
        key = f"slack:{kind}sha256:{hashlib.sha256(value.encode()).hexdigest()}"
    return key
