"""The commands a person is told to type, written once and shown the way each place needs them.

The core says "`status priority 4`" wherever it suggests a command (help, "page 2" hints, error
texts, nudge cards). What a person must actually type depends on where they read it: in Slack
the bot's slash command comes first (`/actionbot status priority 4`, the name configurable as
`SLACK_COMMAND`), in Teams and the terminal nothing does. So views never spell a prefix: they
mark the start of a command with `typed()`, and each channel's renderer fills in its one prefix
with `shown()` as the last step of rendering. The help text, hints and errors exist once.

The mark is U+2063 INVISIBLE SEPARATOR: invisible if it ever leaked into a message, and removed
from everything a person sends (`without_marks`), so typed text can never pose as a command.
"""

from __future__ import annotations

from typing import Any

MARK = "\u2063"


def typed(command: str) -> str:
    """`status priority 4` → the same words, marked as a command to type."""
    return MARK + command


def shown(value: Any, prefix: str) -> Any:
    """Every marked command in a rendered message (a string, or a card's dicts and lists) with
    the channel's prefix in front: `"/actionbot "` in Slack, `""` in Teams and the terminal."""
    if isinstance(value, str):
        return value.replace(MARK, prefix) if MARK in value else value
    if isinstance(value, dict):
        return {k: shown(v, prefix) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v, prefix) for v in value]
    if isinstance(value, tuple):
        return tuple(shown(v, prefix) for v in value)
    return value


def without_marks(text: str) -> str:
    """What a person typed, with any mark taken out (so it never turns into a prefix)."""
    return text.replace(MARK, "") if MARK in text else text
