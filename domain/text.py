"""Text hygiene at the boundary: what people type or a file holds, made safe to store for ever.

The audit trail keeps every note for ever and shows it again in chat, HTML, CSV, XLSX and PDF,
so text is cleaned once, where it enters (every `ChatRequest` in `Core.handle`, every cell in
the plan importer), not where it is shown. Removed:

- NUL and the other C0 control characters (and DEL and the C1 controls): invisible, they break
  CSV and HTML consumers, and PostgreSQL refuses NUL in text outright;
- the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which
  make a note read differently from what it says ("Trojan Source").

Line breaks and tabs stay where the field allows several lines (a chat message, a plan cell);
in a one-line field (a note, a date, an id) they become spaces, so words never run together.
Carriage returns become line breaks. Nothing else is touched: accents, emoji, right-to-left
scripts themselves and the ordinary directional marks (U+200E, U+200F) are all fine.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t")
_DROP = re.compile("[" + re.escape(_CONTROL + "".join(sorted(BIDI_CONTROLS))) + "]")
_NEWLINES = re.compile(r"\r\n?")
_LINE_BREAKS = re.compile(r"[\n\t]")
# anything `clean_text` would change, found in one scan: most text has none, and is returned as is
_TO_CLEAN = {
    True: re.compile("[\r" + re.escape(_CONTROL + "".join(sorted(BIDI_CONTROLS))) + "]"),
    False: re.compile("[\r\n\t" + re.escape(_CONTROL + "".join(sorted(BIDI_CONTROLS))) + "]"),
}


def clean_text(text: str, *, multiline: bool = True) -> str:
    """`text` without control characters or bidi overrides (see the module's docstring).

    `multiline=False` for a one-line field: line breaks and tabs become spaces.
    """
    if not _TO_CLEAN[multiline].search(text):
        return text  # (one scan: a 100,000-action import cleans every cell)
    text = _DROP.sub("", _NEWLINES.sub("\n", text))
    if not multiline:
        text = _LINE_BREAKS.sub(" ", text)
    return text


def is_clean(text: str, *, multiline: bool = True) -> bool:
    """True when `clean_text` would leave `text` unchanged."""
    return clean_text(text, multiline=multiline) == text
