"""Splitting a Lead or Agency Involvement cell into names.

Cells name several roles or agencies in many ways: "DCS / HOS QI", "Health, Police", "DCS and
DPH", one per line. But names themselves contain the same separators ("HOS Placements and
Brokerage", "Schools/Education", "Task and finish group"), so splitting blindly would invent
roles. The rules, in order:

1. "N/A", "None", "-" mean nobody.
2. A line containing " / " (spaced slash, what our export writes) or ";" is split only there:
   the pieces are the names, whole.
3. A cell of several lines (Word paragraphs, line breaks) has one name per line, except that a
   line with commas is split at the commas: the author has already chosen the line breaks.
4. A single line is split on ",", "/" and " and " (outside brackets), except that a name the
   importer already knows (a role in the database, a name used by a plan before, a piece found
   by rule 2 anywhere in the same file) is kept whole, and " and " splits only when every part
   starts with a capital letter or a digit, because "Task and finish group" is one body and
   "DCS and DPH" are two roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NOBODY = {"n/a", "na", "none", "nil", "-", "–", "—", "not applicable", "tbc"}
_STRICT = re.compile(r"\s+/\s+|\s*;\s*")
_BULLET = re.compile(r"^\s*(?:[-•▪◦·*\uf0b7]\s*)+")
_SEPARATOR = re.compile(r",|/|\band\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_COMMA = re.compile(",")
_COMMA_OR_SLASH = re.compile(r"[,/]")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def clean(name: str) -> str:
    """Collapse whitespace ("HOS  QI" → "HOS QI") and drop bullets and stray punctuation."""
    name = _BULLET.sub("", name.replace("\u00a0", " "))
    return " ".join(name.split()).strip(" ,.;")


def strict_pieces(cell: str) -> list[str]:
    """The names rule 3 finds in a cell: what a file teaches about names with separators in them."""
    out = []
    for line in str(cell or "").splitlines():
        if _STRICT.search(line):
            out.extend(p for p in (clean(x) for x in _STRICT.split(line)) if p and "," not in p)
    return out


def split_names(cell: object, known: Iterable[str] = ()) -> list[str]:
    """The names in one cell (rules above). For many cells against the same `known` names, build
    one `NameSplitter` instead: it prepares `known` once, not once a cell."""
    return NameSplitter(known).split(cell)


class NameSplitter:
    """`split_names` with the known names prepared once.

    A large plan has thousands of distinct lead cells and, on a re-import, thousands of known
    names; preparing the names per cell made importing grow with their product (and compiled
    more patterns than `re` caches)."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self.known = {c.casefold(): c for c in (clean(k) for k in known) if c}
        # names with a separator in them, longest first, each protected whole before splitting
        self.protected = [
            re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
            for name in sorted(self.known.values(), key=len, reverse=True)
            if _SEPARATOR.search(name)
        ]

    def split(self, cell: object) -> list[str]:
        text = str(cell or "").replace("\r", "\n")
        if clean(text).lower() in NOBODY:
            return []
        names: list[str] = []
        lines = [line for line in (clean(x) for x in text.split("\n")) if line and line.lower() not in NOBODY]
        for line in lines:
            if _STRICT.search(line):
                names.extend(clean(p) for p in _STRICT.split(line))
            elif len(lines) > 1:
                names.extend(clean(p) for p in _split_outside_brackets(line, _COMMA))
            else:
                names.extend(self._split_loose(line))
        seen: dict[str, str] = {}
        for n in names:
            if n and n.lower() not in NOBODY:
                seen.setdefault(n.casefold(), n)
        return list(seen.values())

    def _split_loose(self, line: str) -> list[str]:
        if line.casefold() in self.known:
            return [line]
        protected: list[str] = []

        def protect(match: re.Match) -> str:
            protected.append(match.group(0))
            return f"\x00{len(protected) - 1}\x00"

        for pattern in self.protected:
            line = pattern.sub(protect, line)

        def restore(text: str) -> str:
            return clean(_PLACEHOLDER.sub(lambda m: protected[int(m.group(1))], text))

        out = []
        for part in _split_outside_brackets(line, _COMMA_OR_SLASH):
            pieces = _split_outside_brackets(part, _AND)
            restored = [restore(p) for p in pieces]
            if len(restored) > 1 and all(p and (p[0].isupper() or p[0].isdigit()) for p in restored):
                out.extend(restored)
            else:
                out.append(restore(part))
        return [p for p in out if p]


def _split_outside_brackets(text: str, separator: re.Pattern) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = separator.match(text, i)
            if m and m.end() > i:
                parts.append(text[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(text[start:])
    return parts
