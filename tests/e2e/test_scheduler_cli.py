"""`actionbot preview` and `actionbot policy show`, as the SIT runs them before switching the
scheduler on."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, time

import pytest

from actionbot.cli import main
from tests.conftest import copy_sqlite

# England and Wales bank holidays near the previewed months (gov.uk), written out here so the
# check does not lean on the `holidays` package the scheduler uses.
BANK_HOLIDAYS_2016 = {date(2016, 8, 29), date(2016, 12, 26), date(2016, 12, 27)}


@pytest.fixture
def db(reference_engine, tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "ACTIONBOT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "preview.db"
    copy_sqlite(reference_engine, path)
    return f"sqlite:///{path}"


def preview_rows(db, capsys, *args) -> list[dict]:
    assert main(["--database-url", db, "preview", *args, "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_september_2016_is_previewed_on_working_days_and_hours_one_message_per_person_a_day(db, capsys):
    rows = preview_rows(db, capsys, "--from", "2016-09-01", "--to", "2016-10-01")
    assert len(rows) > 100
    for r in rows:
        when = datetime.strptime(r["local_time"], "%Y-%m-%d %H:%M")
        assert date(2016, 9, 1) <= when.date() < date(2016, 10, 1)
        assert when.weekday() < 5 and when.date() not in BANK_HOLIDAYS_2016, r
        assert time(9, 0) <= when.time() < time(17, 30), r
        assert r["rules"] and r["kind"] and r["channel"], r
    people = Counter((r["recipient"], r["local_time"][:10]) for r in rows if r["recipient"] != "sit")
    assert max(people.values()) == 1
    dcs_first = next(r for r in rows if r["recipient"] == "dcs" and r["local_time"].startswith("2016-09-01"))
    # open actions starting after 1 October are not asked yet (`ask_before_start_days`)
    assert "round: 62 actions" in dcs_first["rules"] and dcs_first["channel"] == "unreachable"
    assert dcs_first["name"] == "Dana Carver (fictional)" and dcs_first["ledger_key"] == "msg:dcs:2016-09-01"
    sit = [(r["local_time"], r["kind"]) for r in rows if r["recipient"] == "sit"]
    assert ("2016-09-08 09:00", "report") in sit and ("2016-09-19 09:00", "digest") in sit
    assert all(r["channel"] == "teams" for r in rows if r["recipient"] == "sit")  # Teams: dev mode, on


def test_preview_skips_the_bank_holiday_and_details_every_item(db, capsys):
    rows = preview_rows(db, capsys, "--from", "2016-08-22", "--to", "2016-09-03", "--detail")
    days = {r["local_time"][:10] for r in rows}
    assert "2016-08-29" not in days and "2016-08-30" in days
    assert {"recipient", "action", "rule", "reason"} <= set(rows[0])
    pre3 = [r for r in rows if r["rule"] == "pre_due" and r["local_time"].startswith("2016-08-25")]
    assert pre3 and all("due in 3 working days (Wed 31 Aug)" in r["reason"] for r in pre3)


def test_preview_text_and_bad_dates(db, capsys):
    assert main(["--database-url", db, "preview", "--from", "2016-09-01", "--to", "2016-09-02"]) == 0
    out = capsys.readouterr().out
    assert "assuming nobody answers" in out and "Thu 01 Sep 2016 09:00 BST" in out
    assert main(["--database-url", db, "preview", "--from", "2016-09-02", "--to", "2016-09-01"]) == 1
    assert "--to must be after --from" in capsys.readouterr().err


def test_policy_show_and_a_council_policy_file(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ACTIONBOT_POLICY", raising=False)
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert "Scheduler policy (built-in defaults)" in out
    assert "10 working days before, 3 working days before, on the due date" in out
    assert "09:00–17:30 recipient local time; never 01:00–02:00" in out
    own = tmp_path / "council.yaml"
    own.write_text("chases: {count: 1}\nescalation: {to: [manager]}\n", encoding="utf-8")
    monkeypatch.setenv("ACTIONBOT_POLICY", str(own))
    assert main(["policy", "show", "--yaml"]) == 0
    out = capsys.readouterr().out
    assert f"# scheduler policy from {own}" in out and "count: 1" in out and "- manager" in out
    own.write_text("chases: {count: many}\n", encoding="utf-8")
    assert main(["policy", "show"]) == 1
    assert "chases.count: must be a whole number from 0 to 5, got 'many'" in capsys.readouterr().err


def test_replay_uses_the_recorded_updates(db, capsys):
    from zoneinfo import ZoneInfo

    from bot.conversation import Core
    from bot.requests import ChatRequest, Identity
    from domain.clock import FixedClock
    from storage.db import make_engine

    engine = make_engine(db)
    clock = FixedClock(datetime(2016, 9, 15, 11, 20, tzinfo=ZoneInfo("Europe/London")))
    reply = Core(engine, clock).handle(ChatRequest(Identity("terminal", "hos-eifs"), "4.7.1 red - no venue"))
    engine.dispose()
    assert len(reply.recorded) == 1
    replayed = preview_rows(db, capsys, "--from", "2016-09-01", "--to", "2016-09-17", "--detail", "--replay")
    red = [r for r in replayed if r["rule"] == "escalation.red"]
    # the priority's lead officer and the owners' manager hear at once (they had no message that day)
    assert {(r["local_time"], r["recipient"], r["action"]) for r in red} == {
        ("2016-09-15 11:20", "hos-scp", "4.7.1"),
        ("2016-09-15 11:20", "dcs", "4.7.1"),
    }
    assert all("marked Red on Thu 15 Sep" in r["reason"] for r in red)
    assumed = preview_rows(db, capsys, "--from", "2016-09-01", "--to", "2016-09-17", "--detail")
    assert not [r for r in assumed if r["rule"] == "escalation.red"]


def test_preview_shows_reading_requests_and_the_sit_s_notices_of_people_out_of_reach(db, capsys):
    """Dev mode: Teams is on but nobody has opened the bot, so every person is out of reach."""
    rows = preview_rows(db, capsys, "--from", "2016-09-01", "--to", "2016-09-13")
    pip = [(r["local_time"], r["kind"], r["rules"], r["channel"]) for r in rows if r["recipient"] == "pi-officer"]
    # August's 141 readings: asked on Thu 1 Sep, chased Thu 8 and Mon 12 Sep
    assert pip == [
        ("2016-09-01 09:00", "reading", "readings: 141 indicators", "unreachable"),
        ("2016-09-08 09:00", "reading", "chase.readings: 141 indicators", "unreachable"),
        ("2016-09-12 09:00", "reading", "chase.readings: 141 indicators", "unreachable"),
    ]
    people_days = {r["local_time"][:10] for r in rows if r["recipient"] not in ("sit",)}
    notices = {r["local_time"][:10]: r for r in rows if r["recipient"] == "sit" and "notice" in r["kind"]}
    assert set(notices) == people_days  # the SIT hears, on each day somebody could not be reached
    # 19: two leads have only actions starting after 1 October, not asked about yet
    assert notices["2016-09-01"]["rules"] == "unreachable: 19 people" and notices["2016-09-01"]["channel"] == "teams"
    detail = preview_rows(db, capsys, "--from", "2016-09-01", "--to", "2016-09-02", "--detail")
    told = [r for r in detail if r["kind"] == "notice"]
    assert len(told) == 19 and len({r["action"] for r in told}) == 19  # once per person
    assert any(
        r["reason"].startswith("Dana Carver (fictional) (dcs) on Thu 1 Sep: no configured channel") for r in told
    )
