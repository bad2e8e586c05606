"""The action-id grammar: the one definition of what `4.2.1` is, for every reader of ids.

An action id is `priority.finding.action`: three numbers of one to three ASCII digits, the last
optionally followed by one letter for a sub-action a plan added later (`1.1.1a`, `4.2.100`).
A finding id is the first two numbers (`4.2`). The importer, the chat parser, snooze, status,
approve/reject, Slack buttons and Teams cards all read ids through this module, so an id the
importer accepts is one people can type, and an id nobody can type is refused at import.

Ids are compared in one spelling (`canonical`): no leading zeros, the letter in lower case, so
`1.1.1A` and `01.1.1a` are the same action. Only ASCII digits count: `\\d` would also take other
scripts' digits, which `int()` then quietly turns into another action's number.

Embedded in a longer pattern (`TOKEN`), an id is a whole token: `1.1.1a` is never `1.1.1` plus
the RAG word `a`, and neither `14.2.1` nor `4.2.1.5` contains `4.2.1`. Kept free of storage and
platform imports so any layer can use it.
"""

from __future__ import annotations

import re

_NUMBER = "[0-9]{1,3}"
# The bare grammar, for embedding; the letter is matched case-sensitively even inside a pattern
# compiled with re.IGNORECASE (which would also let the Kelvin sign and the long s through).
PATTERN = rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?-i:[a-zA-Z])?"
FINDING_PATTERN = rf"{_NUMBER}\.{_NUMBER}"
# A whole token: not preceded by a word character or a dot, not followed by a word character
# or by a dot that goes on (a sentence's full stop after the id is fine).
TOKEN = rf"(?<![\w.]){PATTERN}(?!\w|\.\w)"
FINDING_TOKEN = rf"(?<![\w.]){FINDING_PATTERN}(?!\w|\.\w)"

_ACTION = re.compile(rf"(?P<p>{_NUMBER})\.(?P<f>{_NUMBER})\.(?P<a>{_NUMBER})(?P<letter>[a-zA-Z]?)")
_FINDING = re.compile(rf"(?P<p>{_NUMBER})\.(?P<f>{_NUMBER})")
_TOKEN = re.compile(TOKEN)

EXAMPLE = "4.2.1"
DESCRIPTION = "an action id like 4.2.1 (priority.finding.action, up to three digits each, e.g. 1.1.1a or 4.2.100)"


def canonical(text: object) -> str | None:
    """The one spelling of an action id (`01.1.1A` → `1.1.1a`), or None when `text` is not one."""
    if not isinstance(text, str):
        return None
    m = _ACTION.fullmatch(text.strip())
    if m is None:
        return None
    return f"{int(m['p'])}.{int(m['f'])}.{int(m['a'])}{m['letter'].lower()}"


def is_action_id(text: object) -> bool:
    return canonical(text) is not None


def canonical_finding(text: object) -> str | None:
    """The one spelling of a finding id (`4.02` → `4.2`), or None."""
    if not isinstance(text, str):
        return None
    m = _FINDING.fullmatch(text.strip())
    return f"{int(m['p'])}.{int(m['f'])}" if m else None


def find_all(text: str) -> list[str]:
    """Every action id written in `text`, as whole tokens, in canonical spelling and order."""
    return [c for m in _TOKEN.finditer(text) if (c := canonical(m.group(0))) is not None]


def priority_of(ref: str) -> int:
    """The priority number of a canonical action id (`4.2.1` → 4)."""
    return int(ref.split(".", 1)[0])


def finding_of(ref: str) -> str:
    """The finding id of an action id (`4.2.1a` → `4.2`)."""
    return ".".join(ref.split(".")[:2])
