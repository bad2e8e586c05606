"""`actionbot report`, `actionbot kpi import` and `actionbot demo-data` as a person runs them."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from actionbot.cli import main
from bot.periods import Period, parse_month


@pytest.fixture
def db(_reference_sqlite_template, tmp_path) -> str:
    target = tmp_path / "cli.db"
    shutil.copy(_reference_sqlite_template, target)
    return f"sqlite:///{target}"


def test_done_when_demo_data_then_html_report_for_september(db, tmp_path, capsys):
    assert main(["--database-url", db, "demo-data"]) == 0
    assert "SAMPLE DATA" in capsys.readouterr().out
    assert main(["--database-url", db, "report", "--month", "2016-09", "--format", "html"]) == 0
    html = capsys.readouterr().out
    assert html.startswith("<!DOCTYPE html>")
    for section in (
        "Whole plan",
        "Charts",
        "Completed in the period",
        "Overdue",
        "Red and amber",
        "No update this round",
        "Proposed new dates awaiting approval",
        "Deadlines in the next 30 days",
        "Escalations raised",
        "Indicators (",
        "Appendix 1 performance measures",
        "SAMPLE DATA",
    ):
        assert section in html
    assert html.count('src="data:image/png;base64,') == 2
    assert "http://" not in html and "https://" not in html


def test_xlsx_pdf_and_md_files(db, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--database-url", db, "demo-data"]) == 0
    assert main(["--database-url", db, "report", "--month", "2016-09", "--format", "xlsx"]) == 0
    assert "wrote highlight-report-2016-09.xlsx" in capsys.readouterr().out
    wb = openpyxl.load_workbook(tmp_path / "highlight-report-2016-09.xlsx")
    assert wb.sheetnames[0] == "Summary" and len([n for n in wb.sheetnames if n.startswith("P")]) == 10
    assert main(["--database-url", db, "report", "--month", "2016-09", "--format", "pdf", "-o", "board.pdf"]) == 0
    assert (tmp_path / "board.pdf").read_bytes().startswith(b"%PDF-")
    assert main(["--database-url", db, "report", "--month", "2016-09", "--format", "md", "-o", "r.md"]) == 0
    md = (tmp_path / "r.md").read_text()
    assert "](r-rag-by-priority-2016-09.png)" in md and (tmp_path / "r-rag-by-priority-2016-09.png").exists()


def test_terminal_report_for_a_date_range_and_bad_periods(db, capsys):
    assert main(["--database-url", db, "report", "--from", "2016-09-01", "--to", "2016-09-15"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Highlight report — 1 Sep 2016 – 15 Sep 2016")
    assert "changes since the end of 17 Aug 2016 – 31 Aug 2016" in out
    assert main(["--database-url", db, "report", "--month", "Smarch"]) == 1
    assert "cannot read 'Smarch' as a month" in capsys.readouterr().err
    assert main(["--database-url", db, "report", "--from", "2016-09-01"]) == 1
    assert "both --from and --to" in capsys.readouterr().err


def test_the_current_month_so_far_by_default(db, capsys):
    assert main(["--database-url", db, "--as-of", "2016-09-14", "report", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("plan,period,priority") and rows[-1].startswith("bromley-2016-17,2016-09,all,")


def test_kpi_import_on_the_command_line(db, tmp_path, capsys):
    good = tmp_path / "ok.csv"
    good.write_text("code,period,value\n5a,2016-09,85%\n", encoding="utf-8")
    assert main(["--database-url", db, "--as-of", "2016-10-05", "kpi", "import", str(good)]) == 0
    assert "1 indicator readings recorded (2016-09)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("code,period,value\nnope,2016-09,1\n", encoding="utf-8")
    assert main(["--database-url", db, "--as-of", "2016-10-05", "kpi", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "row 2, column 'code': unknown indicator 'nope'" in err


def test_demo_data_remove(db, capsys):
    assert main(["--database-url", db, "demo-data"]) == 0
    assert main(["--database-url", db, "demo-data", "--remove"]) == 0
    assert "retired" in capsys.readouterr().out
    assert main(["--database-url", db, "report", "--month", "2016-09"]) == 0
    assert "SAMPLE DATA" not in capsys.readouterr().out


def test_periods():
    sep = Period.of("2016-09")
    assert (sep.start.isoformat(), sep.end.isoformat(), sep.label, sep.key) == (
        "2016-09-01",
        "2016-09-30",
        "September 2016",
        "2016-09",
    )
    assert sep.previous() == Period.of("Aug 2016") == Period.of("08/2016")
    assert Period.of("Jan 2017").previous().label == "December 2016"
    assert [m.key for m in Period.of("2016-09").months()] == ["2016-09"]
    assert parse_month("Sept 16").isoformat() == "2016-09-01"
    assert parse_month("2016-13") is None and parse_month("Smarch 2016") is None
    # the period's edges are UK midnights, in UTC (BST in September)
    assert sep.start_at().isoformat() == "2016-08-31T23:00:00+00:00"
    assert sep.end_at().isoformat().startswith("2016-09-30T22:59:59")
    rng = Period(sep.start, sep.start.replace(day=15))
    assert not rng.is_month and rng.key == "2016-09-01_2016-09-15"
    assert rng.previous().key == "2016-08-17_2016-08-31"
    with pytest.raises(ValueError):
        Period(sep.end, sep.start)
