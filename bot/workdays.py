"""Working days and working hours: when a message may reach a person.

A working day is a weekday that is not a bank holiday in England and Wales (the `holidays`
package, subdivision ENG), read on the RECIPIENT's local date; working hours are read on their
local clock (default 09:00–17:30, Europe/London). All arithmetic is done on local dates and
local wall-clock times and converted to UTC last, so a 09:00 message stays at 09:00 across
both daylight-saving changes, and nothing is ever placed between 01:00 and 02:00 local time
(the hour that repeats or disappears in the UK).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

QUIET_START = time(1, 0)
QUIET_END = time(2, 0)


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_zone(name: object) -> bool:
    """True for an IANA zone name; False for anything else, text or not (a policy file or a
    people import can hold a list or a number where a zone belongs)."""
    if not isinstance(name, str) or not name:
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def in_quiet_hour(t: time) -> bool:
    """01:00–02:00 local: skipped or repeated when the clocks change, so never used."""
    return QUIET_START <= t < QUIET_END


@dataclass(frozen=True)
class WorkCalendar:
    """Bank holidays plus working hours. Pure: every answer depends only on its arguments."""

    country: str = "GB"
    subdiv: str | None = "ENG"
    day_start: time = time(9, 0)
    day_end: time = time(17, 30)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)  # memo: pure answers only

    def _holidays(self, year: int):
        key = ("holidays", year)
        if key not in self._cache:
            import holidays  # loaded when the first date is checked, not when a process starts

            self._cache[key] = holidays.country_holidays(self.country, subdiv=self.subdiv, years=year)
        return self._cache[key]

    def holiday_name(self, d: date) -> str | None:
        return self._holidays(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        known = self._cache.get(d)
        if known is None:
            known = self._cache[d] = d.weekday() < 5 and d not in self._holidays(d.year)
        return known

    def next_working_day(self, d: date, *, include: bool = True) -> date:
        """`d` itself when it is a working day (and `include`), else the next one."""
        d = d if include else d + timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def previous_working_day(self, d: date, *, include: bool = True) -> date:
        d = d if include else d - timedelta(days=1)
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """Step `n` working days after `d` (negative: before); `d` itself is not counted, so
        `add_working_days(Fri, 1)` is Monday and `add_working_days(Sun, -3)` is Wednesday."""
        key = ("add", d, n)  # the rules ask the same few (due date, n) pairs for every action
        found = self._cache.get(key)
        if found is None:
            step, left, found = (1 if n >= 0 else -1), abs(n), d
            while left:
                found += timedelta(days=step)
                if self.is_working_day(found):
                    left -= 1
            self._cache[key] = found
        return found

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, d = 0, start
        while d < end:
            d += timedelta(days=1)
            count += self.is_working_day(d)
        return count

    def nth_working_day(self, year: int, month: int, n: int) -> date:
        """The n-th working day of a month (1 = the first)."""
        first = self.next_working_day(date(year, month, 1))
        return self.add_working_days(first, n - 1)

    # --- instants -------------------------------------------------------------------------

    def local(self, instant: datetime, tz: str) -> datetime:
        return instant.astimezone(zone(tz))

    def at(self, d: date, t: time, tz: str) -> datetime:
        """Local wall-clock `t` on day `d` in `tz`, as a UTC instant (DST-correct)."""
        key = ("at", d, t, tz)  # asked for the same few days and zones for every action
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = datetime.combine(d, t, zone(tz)).astimezone(UTC)
        return found

    def in_working_hours(self, instant: datetime, tz: str) -> bool:
        loc = self.local(instant, tz)
        return self.is_working_day(loc.date()) and self.day_start <= loc.time() < self.day_end

    def next_slot(self, instant: datetime, tz: str, send_time: time | None = None) -> datetime:
        """The first instant at or after `instant` when a message may reach someone in `tz`:
        inside working hours on a working day, and not before `send_time` that day."""
        key = ("slot", instant, tz, send_time)  # a message's items share a few trigger instants
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._next_slot(instant, tz, send_time)
        return found

    def _next_slot(self, instant: datetime, tz: str, send_time: time | None) -> datetime:
        opening = max(send_time or self.day_start, self.day_start)
        loc = self.local(instant, tz)
        d = loc.date()
        if self.is_working_day(d):
            if loc.time() < opening:
                return self.at(d, opening, tz)
            if loc.time() < self.day_end:
                return instant.astimezone(UTC)
        return self.at(self.next_working_day(d, include=False), opening, tz)
