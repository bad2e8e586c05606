"""The round's product figures on the reference plan, September 2016, through `actionbot
preview` on SQLite and PostgreSQL (issue #12, "a round a director can answer in a minute"):
with everyone answering the round on its first day with `no change` the median person gets at
most 3 messages in the month; with nobody answering at most 5; never two on one person-day."""

from __future__ import annotations

import csv
import io
from collections import Counter
from statistics import median

import pytest

from actionbot.cli import main
from tests.conftest import database_url


@pytest.fixture
def url(reference_any_engine, monkeypatch) -> str:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID", "ACTIONBOT_POLICY"):
        monkeypatch.delenv(name, raising=False)
    return database_url(reference_any_engine)  # on PostgreSQL, with the test's own schema


def month(url: str, capsys, *extra: str) -> tuple[list[dict], str]:
    args = ["--database-url", url, "preview", "--from", "2016-09-01", "--to", "2016-10-01"]
    assert main([*args, *extra, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert main([*args, *extra]) == 0
    return rows, capsys.readouterr().out.splitlines()[0:2]


def per_person(rows: list[dict]) -> tuple[float, int, int]:
    people = [r for r in rows if r["recipient"] != "sit"]
    counts = Counter(r["recipient"] for r in people)
    days = Counter((r["recipient"], r["local_time"][:10]) for r in people)
    return median(counts.values()), max(days.values()), len(counts)


def test_the_month_s_figures_with_and_without_replies(url, capsys):
    silent, silent_header = month(url, capsys)
    answered, answered_header = month(url, capsys, "--simulate-replies")
    silent_median, silent_most, silent_people = per_person(silent)
    answered_median, answered_most, answered_people = per_person(answered)
    assert silent_median <= 5 and silent_most == 1
    assert answered_median <= 3 and answered_most == 1
    assert answered_people == silent_people  # everyone is still asked once
    assert len(answered) < len(silent)
    # the headers say which simulation it was and give the same figures
    assert "assuming nobody answers" in silent_header[0]
    assert f"median {silent_median:g} per person, at most 1 per person-day" in silent_header[1]
    assert "everyone answers their round on its first day with `no change`" in answered_header[0]
    assert f"median {answered_median:g} per person, at most 1 per person-day" in answered_header[1]


def test_an_answered_round_is_not_chased_or_escalated_for_silence(url, capsys):
    answered, _ = month(url, capsys, "--simulate-replies", "--detail")
    rules = Counter(r["rule"] for r in answered)
    assert rules["round"] > 100
    assert rules["chase.round"] == 0
    assert not [r for r in answered if r["rule"] == "escalation.silence" and r["reason"].startswith("no update for")]


def test_replay_and_simulated_replies_exclude_each_other(url, capsys):
    args = ["--database-url", url, "preview", "--from", "2016-09-01", "--to", "2016-10-01"]
    assert main([*args, "--replay", "--simulate-replies"]) == 1
    assert "exclude each other" in capsys.readouterr().err
