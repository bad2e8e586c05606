from datetime import date

import pytest

from bot.dates import parse_date

TODAY = date(2016, 9, 14)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("end of Oct", date(2016, 10, 31)),
        ("End of October", date(2016, 10, 31)),
        ("end of next month", date(2016, 10, 31)),
        ("end of month", date(2016, 9, 30)),
        ("31/10/2016", date(2016, 10, 31)),
        ("03/04/2017", date(2017, 4, 3)),  # UK day-first
        ("next Friday", date(2016, 9, 16)),
        ("Monday", date(2016, 9, 19)),  # the coming Monday, never the past one
        ("tomorrow", date(2016, 9, 15)),
        ("Feb", date(2017, 2, 28)),  # the coming February
        ("Nov 16", date(2016, 11, 30)),  # a month and a two-digit year
        ("30 November 2016", date(2016, 11, 30)),
    ],
)
def test_free_text_dates_relative_to_the_clock(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "whenever", "31/02/2016"])
def test_unreadable_dates_are_none(text):
    assert parse_date(text, TODAY) is None
