"""Working days (England and Wales bank holidays), working hours in the recipient's time zone,
and both 2016 daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.workdays import WorkCalendar, in_quiet_hour

CAL = WorkCalendar()
UK = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_bank_holidays_and_weekends_are_not_working_days():
    assert CAL.holiday_name(date(2016, 8, 29)) == "Late Summer Bank Holiday"
    assert not CAL.is_working_day(date(2016, 8, 29))  # Monday, bank holiday
    assert not CAL.is_working_day(date(2016, 8, 27)) and not CAL.is_working_day(date(2016, 8, 28))
    assert CAL.is_working_day(date(2016, 8, 26)) and CAL.is_working_day(date(2016, 8, 30))
    assert not CAL.is_working_day(date(2016, 12, 27))  # Christmas Day (observed)
    assert not CAL.is_working_day(date(2017, 1, 2))  # New Year's Day (observed)


def test_working_day_arithmetic_skips_the_bank_holiday():
    assert CAL.add_working_days(date(2016, 8, 26), 1) == date(2016, 8, 30)
    assert CAL.add_working_days(date(2016, 8, 31), -3) == date(2016, 8, 25)  # 30, 26, 25 (not 29)
    assert CAL.add_working_days(date(2016, 7, 31), -3) == date(2016, 7, 27)  # from a Sunday
    assert CAL.add_working_days(date(2016, 7, 31), 1) == date(2016, 8, 1)
    assert CAL.working_days_between(date(2016, 8, 26), date(2016, 9, 2)) == 4  # 30, 31, 1, 2
    assert CAL.previous_working_day(date(2016, 7, 31)) == date(2016, 7, 29)


def test_nth_working_day_of_a_month():
    assert CAL.nth_working_day(2016, 9, 1) == date(2016, 9, 1)  # Thursday
    assert CAL.nth_working_day(2016, 9, 5) == date(2016, 9, 7)
    assert CAL.nth_working_day(2017, 1, 1) == date(2017, 1, 3)  # 1st Sunday, 2nd bank holiday
    assert CAL.nth_working_day(2016, 10, 1) == date(2016, 10, 3)  # 1st is a Saturday


def test_spring_dst_change_27_march_2016():
    # Thursday 24 March, evening: Good Friday, the weekend (clocks go forward on Sunday 27th)
    # and Easter Monday are skipped; next slot Tuesday 29 March 09:00 BST = 08:00 UTC.
    slot = CAL.next_slot(datetime(2016, 3, 24, 18, 0, tzinfo=UK), "Europe/London")
    assert slot == utc(2016, 3, 29, 8, 0)
    assert CAL.next_slot(datetime(2016, 3, 24, 7, 0, tzinfo=UK), "Europe/London") == utc(2016, 3, 24, 9, 0)


def test_autumn_dst_change_30_october_2016():
    assert CAL.next_slot(datetime(2016, 10, 28, 7, 0, tzinfo=UK), "Europe/London") == utc(2016, 10, 28, 8, 0)
    # clocks go back on Sunday 30th: Monday 09:00 GMT is 09:00 UTC
    assert CAL.next_slot(datetime(2016, 10, 28, 18, 0, tzinfo=UK), "Europe/London") == utc(2016, 10, 31, 9, 0)


def test_new_york_recipient_gets_their_own_working_hours():
    # 09:00 London is 04:00 in New York: wait for 09:00 EDT (13:00 UTC)
    assert CAL.next_slot(utc(2016, 9, 1, 8, 0), "America/New_York") == utc(2016, 9, 1, 13, 0)
    assert not CAL.in_working_hours(utc(2016, 9, 1, 8, 0), "America/New_York")
    assert CAL.in_working_hours(utc(2016, 9, 1, 13, 0), "America/New_York")
    # New York changes on 6 November: Monday 7th 09:00 EST is 14:00 UTC
    assert CAL.next_slot(utc(2016, 11, 5, 12, 0), "America/New_York") == utc(2016, 11, 7, 14, 0)
    # the English bank holiday applies to the recipient's local date
    assert CAL.next_slot(datetime(2016, 8, 29, 8, 0, tzinfo=NY), "America/New_York") == utc(2016, 8, 30, 13, 0)


@pytest.mark.parametrize(
    ("local", "inside"),
    [(time(8, 59), False), (time(9, 0), True), (time(17, 29), True), (time(17, 30), False), (time(1, 30), False)],
)
def test_working_hours_edges(local, inside):
    assert CAL.in_working_hours(datetime.combine(date(2016, 9, 14), local, UK), "Europe/London") is inside


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "Asia/Kolkata"])
def test_no_slot_is_ever_outside_hours_or_in_the_changing_hour(tz):
    """Every 15 minutes across both 2016 UK clock changes: each slot is a working day, inside
    09:00–17:30 local time, never 01:00–02:00, and never before the instant asked about."""
    for start in (utc(2016, 3, 24, 0, 0), utc(2016, 10, 27, 0, 0)):
        at = start
        while at < start + timedelta(days=7):
            slot = CAL.next_slot(at, tz)
            local = slot.astimezone(ZoneInfo(tz))
            assert slot >= at
            assert CAL.is_working_day(local.date())
            assert time(9, 0) <= local.time() < time(17, 30)
            assert not in_quiet_hour(local.time())
            at += timedelta(minutes=15)
