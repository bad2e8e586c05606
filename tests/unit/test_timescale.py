from datetime import date

import pytest

from domain.timescale import TimescaleError, parse_timescale
from domain.vocabulary import Recurrence


@pytest.mark.parametrize(
    ("text", "start", "due", "recurrence"),
    [
        ("Sep 16", date(2016, 9, 1), date(2016, 9, 30), None),
        ("Sept. -Dec 16", date(2016, 9, 1), date(2016, 12, 31), None),
        ("Jun – Sep 16", date(2016, 6, 1), date(2016, 9, 30), None),
        ("Oct -Dec 16", date(2016, 10, 1), date(2016, 12, 31), None),
        ("Jan – Mar 17", date(2017, 1, 1), date(2017, 3, 31), None),
        ("Nov – Feb 17", date(2016, 11, 1), date(2017, 2, 28), None),
        ("Oct 16 – Mar 17", date(2016, 10, 1), date(2017, 3, 31), None),
        ("Jun / Sep 16", date(2016, 6, 1), date(2016, 9, 30), None),
        ("Aug – Feb17", date(2016, 8, 1), date(2017, 2, 28), None),
        ("April 17", date(2017, 4, 1), date(2017, 4, 30), None),
        ("Dec16", date(2016, 12, 1), date(2016, 12, 31), None),
        ("By Apr 17", None, date(2017, 4, 30), None),
        ("By end Nov 16", None, date(2016, 11, 30), None),
        ("End Oct 16", None, date(2016, 10, 31), None),
        ("End of Sep16", None, date(2016, 9, 30), None),
        ("By end Sep16 then quarterly prog", None, date(2016, 9, 30), Recurrence.QUARTERLY),
        ("From Aug 16", date(2016, 8, 1), None, Recurrence.ONGOING),
        ("Annually", None, None, Recurrence.ANNUALLY),
        ("Ongoing", None, None, Recurrence.ONGOING),
        ("Monthly", None, None, Recurrence.MONTHLY),
        ("Quarterly", None, None, Recurrence.QUARTERLY),
        ("30/09/2016", None, date(2016, 9, 30), None),
        ("3/4/2017", None, date(2017, 4, 3), None),
        ("30 September 2016", None, date(2016, 9, 30), None),
        ("2016-09-30", None, date(2016, 9, 30), None),
    ],
)
def test_plan_timescales(text, start, due, recurrence):
    ts = parse_timescale(text)
    assert (ts.start, ts.due, ts.recurrence) == (start, due, recurrence)
    assert ts.text == " ".join(text.split())


def test_two_digit_number_after_month_is_a_year_never_a_day():
    # dateparser alone reads "Sep 30" as 30 September of this year.
    assert parse_timescale("Sep 30").due == date(2030, 9, 30)
    assert parse_timescale("Feb 16").due == date(2016, 2, 29)  # leap year: last day of the month


def test_completed_marker_is_a_flag():
    assert parse_timescale("(completed)").completed
    ts = parse_timescale("Sep 16 (completed)")
    assert ts.completed and ts.due == date(2016, 9, 30)
    assert not parse_timescale("Sep 16").completed


@pytest.mark.parametrize("text", ["soon", "", "Q3", "Sep", "31/02/2016"])
def test_unreadable_timescale_names_the_text(text):
    with pytest.raises(TimescaleError) as err:
        parse_timescale(text)
    if text.strip():
        assert repr(" ".join(text.split())) in str(err.value)
