"""Indicator readings: `kpi 4a 85%` in chat and `actionbot kpi import FILE` (both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from actionbot.kpi_csv import import_readings
from bot.indicators import BETTER, ON_TARGET, WORSE, direction, parse_target, parse_value
from domain.clock import FixedClock
from storage.models import AuditEvent, Indicator, IndicatorReading
from storage.plan_store import PlanValidationError
from tests.conftest import uk
from tests.report.seed import say


def readings(engine, code: str) -> list[IndicatorReading]:
    with Session(engine) as s:
        ind = s.exec(select(Indicator).where(Indicator.code == code)).one()
        return list(s.exec(select(IndicatorReading).where(IndicatorReading.indicator_id == ind.id)).all())


def text_of(reply) -> str:
    return "\n".join(v.text for v in reply.views)


def test_performance_officer_records_last_months_reading(reference_any_engine):
    reply = say(reference_any_engine, uk(2016, 10, 4, 10, 0), "pi-officer", "kpi 5a 85%")
    assert "Recorded 5a" in text_of(reply) and "85% for September 2016" in text_of(reply)
    assert "Target 16/17: 100% — worse than target." in text_of(reply)
    (r,) = readings(reference_any_engine, "5a")
    assert (r.period, r.value, r.numeric, r.author_key, r.source) == (
        date(2016, 9, 1),
        "85%",
        85.0,
        "pi-officer",
        "terminal",
    )
    with Session(reference_any_engine) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.kind == "kpi.reading")).one()
        assert event.subject == "5a" and event.details["period"] == "2016-09" and event.actor == "pi-officer"


def test_a_named_month_and_a_correction(reference_any_engine):
    say(reference_any_engine, uk(2016, 10, 4, 10, 0), "sit-manager", "kpi 7e 14 for Aug 2016")
    reply = say(reference_any_engine, uk(2016, 10, 5, 10, 0), "sit-manager", "kpi 7e 16 2016-08")
    assert "replaces 14" in text_of(reply) and "August 2016" in text_of(reply)
    assert [(r.period, r.value) for r in readings(reference_any_engine, "7e")] == [
        (date(2016, 8, 1), "14"),
        (date(2016, 8, 1), "16"),
    ]


@pytest.mark.parametrize(
    ("who", "text", "refusal"),
    [
        ("hos-cr", "kpi 5a 85%", "Only the performance officer"),  # a lead, but not of readings
        ("nobody-known", "kpi 5a 85%", "I don't know you yet"),
        ("pi-officer", "kpi 5a 185%", "not a percentage between 0 and 100"),
        ("pi-officer", "kpi 5a lots", "has no figure"),
        ("pi-officer", "kpi 5a 85% for Dec 2016", "has not started yet"),
        ("pi-officer", "kpi 5a 85% for Smarch 2016", "can't read the month"),
    ],
)
def test_refusals_write_nothing(reference_engine, who, text, refusal):
    reply = say(reference_engine, uk(2016, 10, 4, 10, 0), who, text)
    assert refusal in text_of(reply)
    assert readings(reference_engine, "5a") == []


def test_unknown_code_suggests_close_ones_and_help(reference_engine):
    reply = say(reference_engine, uk(2016, 10, 4, 10, 0), "pi-officer", "kpi 5z 85%")
    assert "No indicator 5z — did you mean 5" in text_of(reply)
    assert reply.views[0].suggestions and all(c.startswith("5") for c in reply.views[0].suggestions)
    assert "kpi CODE VALUE" in text_of(say(reference_engine, uk(2016, 10, 4), "pi-officer", "kpi"))


def test_show_an_indicator_and_the_missing_list(reference_engine):
    say(reference_engine, uk(2016, 10, 4, 10, 0), "pi-officer", "kpi 7a 92%")
    shown = text_of(say(reference_engine, uk(2016, 10, 5, 10, 0), "dcs", "kpi 7a"))
    assert "7a" in shown and "latest 92% for September 2016" in shown and "target 16/17: 100%" in shown
    missing = text_of(say(reference_engine, uk(2016, 10, 5, 10, 0), "dcs", "kpi missing Sep 2016"))
    assert missing.startswith("140 readings missing for September 2016") and "7a," not in missing


def test_direction_against_targets():
    assert direction(92, parse_target("16/17", "100%"), True) == WORSE
    assert direction(16, parse_target("16/17", "15"), True) == BETTER
    assert direction(400, parse_target("16/17", "426"), False) == BETTER
    assert direction(426, parse_target("16/17", "426"), False) == ON_TARGET
    assert direction(90, parse_target("16/17", "60 -120"), None) == ON_TARGET
    assert direction(130, parse_target("16/17", "60 -120"), True) == BETTER
    assert direction(50, parse_target("16/17", "TBC"), True) == ""
    assert direction(50, parse_target("16/17", "15"), None) == ""
    assert parse_value("12 (5.4%)", "number and percent") == ("12 (5.4%)", 5.4)
    assert parse_value("1,234", "number") == ("1,234", 1234.0)


CSV_GOOD = 'code,period,value\n5a,2016-09,85%\n7e,Sep 2016,16\nA1-1,09/2016,"2,390"\n'


def test_csv_import_writes_every_row(reference_any_engine, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(CSV_GOOD, encoding="utf-8")
    result = import_readings(reference_any_engine, FixedClock(uk(2016, 10, 6, 9, 0)), str(path))
    assert result.written == 3 and result.periods == ("2016-09",)
    assert [(r.value, r.numeric, r.source) for r in readings(reference_any_engine, "A1-1")] == [
        ("2,390", 2390.0, "csv:readings.csv")
    ]


def test_csv_import_reports_every_bad_row_and_writes_nothing(reference_any_engine, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Code,Period,Value\n"
        "5a,2016-09,85%\n"  # good
        "5zz,2016-09,85%\n"  # unknown code
        "5b,2016-13,50%\n"  # bad month
        "5c,2016-09,150%\n"  # not a percentage
        "5a,2016-09,86%\n"  # the same code and month twice
        "5d,2017-01,50%\n",  # in the future
        encoding="utf-8",
    )
    with pytest.raises(PlanValidationError) as caught:
        import_readings(reference_any_engine, FixedClock(uk(2016, 10, 6, 9, 0)), str(path))
    problems = [(p.row, p.column) for p in caught.value.problems]
    assert problems == [(3, "code"), (4, "period"), (5, "value"), (6, "code"), (7, "period")]
    assert "5a 2016-09 is already given at row 2" in str(caught.value)
    assert readings(reference_any_engine, "5a") == []


def test_csv_import_needs_the_three_columns(reference_engine, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("code,value\n5a,85%\n", encoding="utf-8")
    with pytest.raises(PlanValidationError, match="period"):
        import_readings(reference_engine, FixedClock(uk(2016, 10, 6, 9, 0)), str(path))


def test_missing_readings_are_asked_of_their_owners(reference_engine):
    from bot.indicators import missing_by_owner, reading_request
    from bot.periods import Period
    from storage import repo

    say(reference_engine, uk(2016, 10, 4, 10, 0), "pi-officer", "kpi 5a 85%")
    with Session(reference_engine) as session:
        plan = repo.active_plan(session)
        asks = missing_by_owner(session, plan, Period.of("2016-09"))
    assert list(asks) == ["pi-officer"]  # no indicator names an owner role: the performance officer
    codes = [i.code for i in asks["pi-officer"]]
    assert len(codes) == 140 and "5a" not in codes
    view = reading_request("Pip Inchcombe (fictional)", Period.of("2016-09"), asks["pi-officer"])
    assert view.text.startswith("Hello Pip, the highlight report for September 2016 is missing 140")
    assert "`kpi 2a 85% for Sep 2016`" in view.text
