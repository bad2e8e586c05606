"""Reporting periods: a calendar month (`2016-09`) or any date range, in the plan's time zone.

The highlight report, the indicator readings and the update round all speak of "a period", so
its edges (first and last instant, the period before it) are defined once, here.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @classmethod
    def containing(cls, day: date) -> Period:
        return cls.month(day.year, day.month)

    @classmethod
    def of(cls, value: Period | str | date) -> Period:
        """A Period from a Period, a month such as `2016-09` / `Sep 2016`, or a day (its month)."""
        if isinstance(value, Period):
            return value
        if isinstance(value, datetime):
            return cls.containing(value.date())
        if isinstance(value, date):
            return cls.containing(value)
        first = parse_month(value)
        if first is None:
            raise ValueError(f"cannot read {value!r} as a month: use YYYY-MM, e.g. 2016-09")
        return cls.containing(first)

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == Period.containing(self.start).end

    @property
    def key(self) -> str:
        """Stable text for file names and ledger keys: `2016-09`, or `2016-09-01_2016-09-15`."""
        if self.is_month:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.start:%B %Y}"
        return f"{self.start.day} {self.start:%b %Y} – {self.end.day} {self.end:%b %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The month before a month; for a range, the same number of days just before it."""
        if self.is_month:
            return Period.containing(self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def months(self) -> list[Period]:
        """The calendar months this period touches, oldest first."""
        out, cursor = [], self.start.replace(day=1)
        while cursor <= self.end:
            month = Period.containing(cursor)
            out.append(month)
            cursor = month.end + timedelta(days=1)
        return out

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def start_at(self, tz: str = "Europe/London") -> datetime:
        """The first instant of the period (UTC), midnight in the plan's time zone."""
        return datetime.combine(self.start, time.min, ZoneInfo(tz)).astimezone(UTC)

    def end_at(self, tz: str = "Europe/London") -> datetime:
        """The last instant of the period (UTC): just before the next day's midnight."""
        return datetime.combine(self.end, time.max, ZoneInfo(tz)).astimezone(UTC)


def parse_month(text: str) -> date | None:
    """`2016-09`, `2016-09-01`, `09/2016`, `Sep 2016`, `September 2016`, `Sep 16` → 2016-09-01."""
    t = " ".join(text.strip().lower().replace(".", " ").split())
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", t)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = re.fullmatch(r"(\d{1,2})/(\d{4})", t)
        if m:
            month, year = int(m.group(1)), int(m.group(2))
        else:
            m = re.fullmatch(r"([a-z]+)[ -]?(\d{2}|\d{4})", t)
            if not m or m.group(1) not in _MONTHS:
                return None
            month, year = _MONTHS[m.group(1)], int(m.group(2))
            year += 2000 if year < 100 else 0
    if not 1 <= month <= 12:
        return None
    try:
        first = date(year, month, 1)
        if m and m.re.pattern.startswith(r"(\d{4})-") and m.group(3):
            date(year, month, int(m.group(3)))
    except ValueError:
        return None
    return first
