"""What Slack POSTs to `/slack/events`, built and signed the way Slack does it.

Slash commands and interactivity arrive form-encoded (interactivity as one `payload` field of
JSON), Events API callbacks as JSON; every request carries `X-Slack-Request-Timestamp` and
`X-Slack-Signature` = v0 HMAC-SHA256 of "v0:{timestamp}:{raw body}" with the signing secret.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from slack_sdk.signature import SignatureVerifier

TEAM = {"id": "T0FAKE", "domain": "fake-council"}
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"
_ids = itertools.count(1)


def manifest_command() -> str:
    """The slash command `manifest.yml` registers: what Slack sends as `command` (one only)."""
    commands = yaml.safe_load(MANIFEST.read_text())["features"]["slash_commands"]
    assert len(commands) == 1, commands
    return commands[0]["command"]


def signed(
    secret: str, body: str, content_type: str, *, timestamp: int | None = None, retry: int | None = None
) -> dict[str, str]:
    """Headers for `body` as Slack would send them (a wrong secret forges a signature)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def slash_command(
    text: str,
    user: str,
    response_url: str,
    channel: str = "C0PLAN",
    *,
    raw: bool = False,
    command: str | None = None,
) -> str:
    """The slash command as Slack POSTs it; `command` defaults to the one manifest.yml
    registers. `raw=True`: `text` is already what Slack sends (e.g. a real mention `<!channel>`)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": channel,
            "channel_name": "improvement-plan",
            "user_id": user,
            "user_name": user.lower(),
            "command": command or manifest_command(),
            "text": text if raw else slack_escaped(text),
            "api_app_id": "A0ACTIONBOT",
            "response_url": response_url,
            "trigger_id": f"{next(_ids)}.trigger",
        }
    )


def mention_event(
    user: str, text: str, channel: str = "C0PLAN", *, thread_ts: str | None = None, raw: bool = False
) -> dict[str, Any]:
    """An app_mention event: `@actionbot …` typed in a channel the bot is in. Slack writes the
    mention as `<@UBOT>` at the start of the text."""
    event = {
        "type": "app_mention",
        "user": user,
        "text": text if raw else f"<@UBOT> {slack_escaped(text)}",
        "ts": f"1476540000.{next(_ids):06d}",
        "channel": channel,
        "event_ts": f"1476540000.{next(_ids):06d}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def event_callback(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM["id"],
            "api_app_id": "A0ACTIONBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM["id"], "user_id": "UBOT", "is_bot": True}],
        }
    )


def dm_event(
    user: str, text: str, channel: str | None = None, thread_ts: str | None = None, *, raw: bool = False
) -> dict[str, Any]:
    """A message.im event: what a person typed in the bot's DM (Slack escapes & < >; with
    `raw=True` the text is already as Slack sends it, e.g. a real mention `<@U123>`)."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": channel or "D" + user[1:],
        "user": user,
        "text": text if raw else slack_escaped(text),
        "ts": f"1476530000.{next(_ids):06d}",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def block_actions(
    user: str,
    message: dict[str, Any],
    channel: str,
    action: dict[str, Any],
    response_url: str,
    *,
    ephemeral: bool = False,
) -> str:
    """A button click on a message the bot posted (as it is stored by the fake API, or as it
    was sent to a response_url when `ephemeral`)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "api_app_id": "A0ACTIONBOT",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": ephemeral},
        "trigger_id": f"{next(_ids)}.trigger",
        "team": TEAM,
        "channel": {"id": channel, "name": "directmessage"},
        "message": message,
        "response_url": response_url,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    return urlencode({"payload": json.dumps(payload)})


def home_click(user: str, view_id: str, action: dict[str, Any]) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "api_app_id": "A0ACTIONBOT",
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view_id},
        "trigger_id": f"{next(_ids)}.trigger",
        "team": TEAM,
        "view": {"id": view_id, "type": "home"},
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    return urlencode({"payload": json.dumps(payload)})


def view_submission(
    user: str, opened_view: dict[str, Any], rag: str | None, note: str | None, date: str | None = None
) -> str:
    """Submitting the modal the bot opened, with these inputs filled in."""
    from cards import blockkit_ids as ids

    values: dict[str, Any] = {
        ids.RAG_BLOCK: {
            ids.RAG_INPUT: {
                "type": "static_select",
                "selected_option": (
                    {"text": {"type": "plain_text", "text": rag.title()}, "value": rag} if rag else None
                ),
            }
        },
        ids.NOTE_BLOCK: {ids.NOTE_INPUT: {"type": "plain_text_input", "value": note}},
        ids.DATE_BLOCK: {ids.DATE_INPUT: {"type": "plain_text_input", "value": date}},
    }
    return modal_submission(user, opened_view, values)


def reopen_submission(user: str, opened_view: dict[str, Any], reason: str | None) -> str:
    """Submitting the reopen modal the bot opened, with this reason typed (None: left empty)."""
    from cards import blockkit_ids as ids

    values = {ids.REASON_BLOCK: {ids.REASON_INPUT: {"type": "plain_text_input", "value": reason}}}
    return modal_submission(user, opened_view, values)


def modal_submission(user: str, opened_view: dict[str, Any], values: dict[str, Any]) -> str:
    """A view_submission of `opened_view` with these input values (Slack's state.values shape)."""
    payload = {
        "type": "view_submission",
        "team": TEAM,
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["id"]},
        "api_app_id": "A0ACTIONBOT",
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_ids)}.trigger",
        "view": {**opened_view, "state": {"values": values}},
    }
    return urlencode({"payload": json.dumps(payload)})


def button(message: dict[str, Any], verb: str, ref: str) -> dict[str, Any]:
    """The button for `verb` on action `ref` in a posted message, as Slack reports a click."""
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element.get("value") == f"{verb}|{ref}":
                return {
                    "type": "button",
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "text": element["text"],
                    "value": element["value"],
                }
    raise AssertionError(f"no {verb} button for {ref} in the message")


def slack_escaped(text: str) -> str:
    """Slack escapes &, < and > in the text it sends apps."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
