"""Timescales as the plan writes them ("Jun – Sep 16", "By Apr 17", "Ongoing") → start, due,
recurrence.

dateparser reads "Sep 16" as 16 September of this year and gives up on ranges, so the plan's
month tokens are recognised here: a two-digit number after a month is always a year. Full
dates fall back to dateparser with UK day-first order.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from domain.vocabulary import Recurrence

MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH_RE = r"(?P<{name}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_YEAR_RE = r"(?P<{name}>\d{{4}}|\d{{2}})"
_DASH = r"\s*(?:-|–|—|/|to)\s*"

_MONTH_YEAR = re.compile(rf"^{_MONTH_RE.format(name='m')}\s*{_YEAR_RE.format(name='y')}$")
_RANGE = re.compile(
    rf"^{_MONTH_RE.format(name='m1')}\s*(?:{_YEAR_RE.format(name='y1')})?{_DASH}"
    rf"{_MONTH_RE.format(name='m2')}\s*{_YEAR_RE.format(name='y2')}$"
)
_RECURRING = {
    "annually": Recurrence.ANNUALLY,
    "annual": Recurrence.ANNUALLY,
    "yearly": Recurrence.ANNUALLY,
    "ongoing": Recurrence.ONGOING,
    "on-going": Recurrence.ONGOING,
    "continuous": Recurrence.ONGOING,
    "monthly": Recurrence.MONTHLY,
    "quarterly": Recurrence.QUARTERLY,
}
_THEN = re.compile(r"^(.*?)\s*,?\s*then\s+(annually|quarterly|monthly|ongoing)\b.*$")
_COMPLETED = re.compile(r"\(?\bcompleted?\b\)?", re.IGNORECASE)


class TimescaleError(ValueError):
    """A timescale the parser cannot read; the message quotes it."""


@dataclass(frozen=True)
class Timescale:
    text: str
    start: date | None = None
    due: date | None = None
    recurrence: Recurrence | None = None
    completed: bool = False


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


def normalise(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@lru_cache(maxsize=4096)
def parse_timescale(text: str) -> Timescale:
    """Read one Timescale cell. Raises TimescaleError naming the text when it cannot.
    Kept per text (a Timescale is frozen): a large plan repeats the same few cells."""
    raw = normalise(text)
    body = raw
    completed = bool(_COMPLETED.search(body))
    body = normalise(_COMPLETED.sub(" ", body)).strip(" ,;")
    if not body:
        if completed:
            return Timescale(raw, completed=True)
        raise TimescaleError("empty timescale")
    lowered = body.lower().rstrip(".")
    if lowered in _RECURRING:
        return Timescale(raw, recurrence=_RECURRING[lowered], completed=completed)

    then = None
    m = _THEN.match(lowered)
    if m:  # "By end Sep16 then quarterly prog": a deadline, then a recurring report
        lowered, then = m.group(1).strip(), _RECURRING[m.group(2)]
    prefix = None
    m = re.match(r"^(by end of|by end|by|from|before|end of|end|until)\s+(.*)$", lowered)
    if m:
        prefix, lowered = m.group(1), m.group(2)

    start, due = _dates(lowered, raw)
    if prefix == "from":
        return Timescale(raw, start=start, recurrence=Recurrence.ONGOING, completed=completed)
    if prefix is not None:  # by / by end / end / end of / before / until: a deadline only
        return Timescale(raw, due=due, recurrence=then, completed=completed)
    return Timescale(raw, start=start, due=due, recurrence=then, completed=completed)


def _dates(lowered: str, raw: str) -> tuple[date | None, date]:
    """Start and due of a month, a range of months or a full date. A year no calendar has
    (`Sep 0000`) and a range that ends before it starts are TimescaleErrors like any other
    unreadable text, never a bare ValueError or an inverted timescale."""
    try:
        start, due = _read_dates(lowered, raw)
    except TimescaleError:
        raise
    except ValueError:  # date() refused the year
        raise TimescaleError(f"cannot read timescale {raw!r}: the year is out of range") from None
    if start is not None and start > due:
        raise TimescaleError(f"cannot read timescale {raw!r}: it ends ({due:%b %Y}) before it starts ({start:%b %Y})")
    return start, due


def _read_dates(lowered: str, raw: str) -> tuple[date | None, date]:
    m = _MONTH_YEAR.match(lowered)
    if m:
        y, mo = _year(m["y"]), _month(m["m"])
        return date(y, mo, 1), _month_end(y, mo)
    m = _RANGE.match(lowered)
    if m:
        y2, mo2, mo1 = _year(m["y2"]), _month(m["m2"]), _month(m["m1"])
        y1 = _year(m["y1"]) if m["y1"] else (y2 if mo1 <= mo2 else y2 - 1)
        return date(y1, mo1, 1), _month_end(y2, mo2)
    full = parse_full_date(lowered)
    if full is not None:
        return None, full
    raise TimescaleError(
        f"cannot read timescale {raw!r}: expected e.g. 'Sep 16', 'Jun – Sep 16', 'By Apr 17', "
        "'From Aug 16', 'Ongoing', 'Annually' or a date such as 30/09/2016"
    )


_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WORD_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4}|\d{2})$")


def parse_full_date(text: str) -> date | None:
    """A complete date: ISO, UK day-first numeric, or '30 September 2016'. None if not one."""
    text = text.strip().lower()
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        m = _NUMERIC_DATE.match(text)
        if m:
            return date(_year(m[3]), int(m[2]), int(m[1]))
        m = _WORD_DATE.match(text)
        if m and m[2].rstrip(".") in MONTHS:
            return date(_year(m[3]), _month(m[2]), int(m[1]))
    except ValueError:
        return None
    return None
