"""`actionbot people import` and `actionbot kpi import` share the plan importer's CSV reading:
encodings by byte-order mark, the limits, and listed problems instead of tracebacks (issue #9)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from actionbot.cli import main
from storage import repo
from storage.models import Indicator, IndicatorReading
from tests.contract.test_import_export import _url

PEOPLE = "key,name,roles\r\ncex,Chief Exec (fictional),CEX\r\ndcs,Director – Children’s (fictional),DCS\r\n"
READINGS = "code,period,value\r\n5a,2016-09,85%\r\n"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "ACTIONBOT_PLAN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_people_csv_in_excels_encodings_is_imported(sqlite_engine, tmp_path, capsys, encoding):
    path = tmp_path / "people.csv"
    path.write_bytes(PEOPLE.encode(encoding))
    assert main(["--database-url", _url(sqlite_engine), "people", "import", str(path)]) == 0
    with Session(sqlite_engine) as s:
        assert {p.key: p.name for p in repo.all_people(s)}["dcs"] == "Director – Children’s (fictional)"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # over the csv module's own limit too; which of the two limits speaks depends on whether this
        # process raised csv.field_size_limit before (it is process-wide), so only the verdict counts
        (b"key,name\r\ncex," + b"x" * 140_000 + b"\r\n", "over the limit of 10,000"),
        (b"key,name\r\ncex," + b"x" * 10_001 + b"\r\n", "row 2: the cell has 10,001 characters"),
        (b"key,name\r\ncex,\x81\x8d\r\n", "the file is not text in UTF-8, UTF-16 or Windows-1252"),
    ],
    ids=["over-csv-field-limit", "over-cell-limit", "not-text"],
)
def test_a_hostile_people_csv_is_a_listed_problem(sqlite_engine, tmp_path, capsys, content, expected):
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    assert main(["--database-url", _url(sqlite_engine), "people", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"actionbot: {path}: nothing was imported; 1 problem(s):" in err and expected in err
    assert "Traceback" not in err


def test_people_rows_over_the_limit_are_refused(sqlite_engine, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ACTIONBOT_IMPORT_MAX_ROWS", "2")
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    assert main(["--database-url", _url(sqlite_engine), "people", "import", str(path)]) == 1
    assert "the file has more than 2 rows" in capsys.readouterr().err


def test_a_people_yaml_that_is_not_utf8_is_a_listed_problem(sqlite_engine, tmp_path, capsys):
    path = tmp_path / "people.yaml"
    path.write_bytes(b"- key: cex\n  name: \xff\xfe\n")
    assert main(["--database-url", _url(sqlite_engine), "people", "import", str(path)]) == 1
    assert "not UTF-8 text" in capsys.readouterr().err


def _readings(engine) -> list[str]:
    with Session(engine) as s:
        ind = s.exec(select(Indicator).where(Indicator.code == "5a")).one()
        return [r.value for r in s.exec(select(IndicatorReading).where(IndicatorReading.indicator_id == ind.id))]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8"])
def test_kpi_csv_in_excels_encodings_is_imported(reference_engine, tmp_path, capsys, encoding):
    path = tmp_path / "readings.csv"
    path.write_bytes(READINGS.encode(encoding))
    url = _url(reference_engine)
    assert main(["--database-url", url, "--as-of", "2016-10-06", "kpi", "import", str(path)]) == 0
    assert _readings(reference_engine) == ["85%"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"code,period,value\r\n5a,2016-09," + b"9" * 140_000 + b"\r\n", "over the limit of 10,000"),
        (b"code,period,value\r\n5a,2016-09,\x81\x8d\r\n", "is not text in UTF-8, UTF-16 or Windows-1252"),
        (b"\xff\xfe" + b"c\x00o", "starts with a UTF-16 byte-order mark but is not valid UTF-16"),
    ],
    ids=["over-csv-field-limit", "not-text", "broken-utf16"],
)
def test_a_hostile_kpi_csv_is_a_listed_problem(reference_engine, tmp_path, capsys, content, expected):
    path = tmp_path / "readings.csv"
    path.write_bytes(content)
    url = _url(reference_engine)
    assert main(["--database-url", url, "--as-of", "2016-10-06", "kpi", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported; 1 problem(s):" in err and expected in err
    assert _readings(reference_engine) == []
