"""CSV injection: a cell that starts like a formula is written with a leading apostrophe.

Spreadsheet programs run a CSV cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab
or carriage return) as a formula: `=HYPERLINK(…)` or `=cmd|' /C calc'!A0` typed into an
action's update would run on the SIT's machine when they open the export. OWASP's advice
(https://owasp.org/www-community/attacks/CSV_Injection) is to prefix such a cell with a single
quote, which makes it text. Every CSV the project writes passes its cells through `neutralise`
(the plan export, the highlight report's CSV, the scheduler preview's CSV); numbers are left
alone, so `-2` stays a number.

Our own importer reads an exported cell back with `restore`, so export → import gives exactly
the text that was exported. To make the pair exact for text that itself starts with
apostrophes before a formula character (`'=x`), the rule looks past any leading apostrophes:
a text whose first non-apostrophe character is a formula character gains one apostrophe on
export and loses one on import; every other text is untouched both ways.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def _looks_like_formula(text: str) -> bool:
    return text.lstrip(QUOTE).startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """The cell as it may be written to a CSV: text that could start a formula gets a quote."""
    if isinstance(value, str) and _looks_like_formula(value):
        return QUOTE + value
    return value


def restore(text: str) -> str:
    """The text a neutralised cell stood for (the inverse of `neutralise` on text)."""
    if text.startswith(QUOTE) and _looks_like_formula(text):
        return text[1:]
    return text
