"""Ofsted references as the plan writes them: "Para 98, 100 &101 Rec 1 & 2".

Every finding of a plan names the inspection report's paragraphs and recommendations it answers.
The importer keeps the cell as written; the board groups the plan by recommendation, so the
numbers are read here, once, from the forms the plans use: `Para`/`Paras` then numbers (ranges
such as `97-100` are kept as written), `Rec`/`Recs`/`Recommendation` then numbers, separated by
commas, `&`, `and` or `;`, with or without a space (`Rec11`, `Para 31Rec 14`). "Para & Rec 118"
names one paragraph of the report's recommendations section, so its numbers are paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"(?P<word>paras?|recommendations?|recs?)|(?P<num>\d+(?:\s*-\s*\d+)?)", re.IGNORECASE)


@dataclass(frozen=True)
class OfstedRefs:
    """The paragraphs and recommendation numbers one cell names, in the order written."""

    paragraphs: tuple[str, ...]
    recommendations: tuple[int, ...]


def parse_ofsted_refs(text: str | None) -> OfstedRefs:
    """Read a cell such as "Para 94 Rec 15; Para 95 Rec 7" (never raises: unknown words are skipped)."""
    paragraphs: list[str] = []
    recommendations: list[int] = []
    mode: str | None = None
    para_waiting = False  # "Para & Rec 118": a paragraph word with no number before "Rec"
    for m in _TOKEN.finditer(text or ""):
        word = m.group("word")
        if word:
            kind = "rec" if word.lower().startswith("rec") else "para"
            para_waiting = kind == "para" or (para_waiting and kind == "rec" and mode == "para")
            if kind == "rec" and para_waiting:
                continue  # the numbers that follow are still the paragraph's
            mode = kind
            continue
        number = re.sub(r"\s+", "", m.group("num"))
        if mode == "para":
            para_waiting = False
            if number not in paragraphs:
                paragraphs.append(number)
        elif mode == "rec" and number.isdigit() and int(number) not in recommendations:
            recommendations.append(int(number))
    return OfstedRefs(tuple(paragraphs), tuple(recommendations))
