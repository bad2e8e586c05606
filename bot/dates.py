"""Free-text dates people type in chat ("end of Oct", "next Friday", "31/10/2016").

UK day-first, always relative to the injected clock, preferring the future (a proposed new date
or a snooze is never in the past). dateparser does the general work; the forms it gets wrong
or refuses ("end of next month", "Oct 16" as a year) are handled first.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from domain.timescale import MONTHS, TimescaleError, _month_end, parse_full_date, parse_timescale

_END_OF = re.compile(r"^(?:the\s+)?end\s+of\s+(?:the\s+)?(.+)$")


def parse_date(text: str, today: date) -> date | None:
    """A date from free text, or None when it cannot be read. Month-only answers mean the end.

    A date past the calendar's ends ("next month" in December 9999, a year 0) cannot be read
    either: None, like any other text that is not a date."""
    try:
        return _parse_date(text, today)
    except (ValueError, OverflowError):
        return None


def _parse_date(text: str, today: date) -> date | None:
    t = " ".join(text.lower().strip().rstrip(".").split())
    if not t:
        return None
    full = parse_full_date(t)
    if full is not None:
        return full
    m = _END_OF.match(t)
    if m:
        return _end_of(m.group(1), today)
    if t in MONTHS:
        return _next_month_named(MONTHS[t], today)
    try:
        ts = parse_timescale(t)
        if ts.due is not None and ts.recurrence is None:
            return ts.due
    except TimescaleError:
        pass
    import dateparser  # loaded on the first date it must guess: its language data is large

    found = dateparser.parse(
        t,
        languages=["en"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return found.date() if found else None


def _end_of(what: str, today: date) -> date | None:
    if what in ("month", "this month"):
        return _month_end(today.year, today.month)
    if what == "next month":
        y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return _month_end(y, m)
    if what in ("year", "this year"):
        return date(today.year, 12, 31)
    if what in MONTHS:
        return _next_month_named(MONTHS[what], today)
    try:
        ts = parse_timescale(what)
        return ts.due
    except TimescaleError:
        return None


def _next_month_named(month: int, today: date) -> date:
    """'Oct' means the coming October (this one if we are in it or before it)."""
    year = today.year if month >= today.month else today.year + 1
    return _month_end(year, month)
