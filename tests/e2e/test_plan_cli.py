"""`actionbot plan list | activate | archive`, and what `import` says about which plans are live,
through the real command line on a fresh database."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from actionbot.cli import main
from storage.db import make_engine
from storage.models import AuditEvent
from tests.plan_files import write_csv

AS_OF = ["--as-of", "2016-09-14"]


@pytest.fixture
def db(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ACTIONBOT_PLAN", raising=False)
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    assert main(["--database-url", url, *AS_OF, "import", "--reference"]) == 0
    plan = write_csv(
        tmp_path / "yj.csv",
        ["ID", "Key Actions", "Timescale", "Lead"],
        [["1.1.1", "Set up the panel", "Oct 16", "DCS"], ["1.1.2", "Review cases", "Nov 16", "DCS"]],
    )
    capsys.readouterr()
    assert main(["--database-url", url, *AS_OF, "import", str(plan), "--plan-key", "yj", "--title", "Youth Justice"]) == 0
    imported = capsys.readouterr().out
    assert "plan yj imported, not live: `actionbot plan activate yj` to make it live" in imported
    return url


def run(url: str, *args: str) -> int:
    return main(["--database-url", url, *AS_OF, *args])


def test_plan_list_shows_status_and_the_default(db, capsys):
    assert run(db, "plan", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("bromley-2016-17  live") and lines[0].endswith("(default)")
    assert lines[1].split() == ["yj", "not", "live", "Youth", "Justice"]


def test_activate_then_archive_through_the_cli_is_audited(db, capsys):
    assert run(db, "plan", "activate", "yj") == 0
    assert "plan yj is live" in capsys.readouterr().out
    assert run(db, "plan", "archive", "bromley-2016-17") == 0
    assert "plan bromley-2016-17 archived" in capsys.readouterr().out
    assert run(db, "plan", "list") == 0
    out = capsys.readouterr().out
    assert "yj               live      Youth Justice  (default)" in out
    with Session(make_engine(db)) as s:
        kinds = [(e.kind, e.subject, e.actor) for e in s.exec(select(AuditEvent)).all() if e.kind.startswith("plan.a")]
    assert kinds == [("plan.activated", "yj", "cli"), ("plan.archived", "bromley-2016-17", "cli")]


def test_archiving_the_last_live_plan_is_refused_with_a_hint(db, capsys):
    assert run(db, "plan", "archive", "bromley-2016-17") == 1
    err = capsys.readouterr().err
    assert "the only live plan and cannot be archived" in err and "actionbot plan activate KEY" in err


def test_an_unknown_key_gets_a_suggestion_and_no_traceback(db, capsys):
    assert run(db, "plan", "activate", "yjj") == 1
    err = capsys.readouterr().err
    assert err.strip() == "actionbot: no plan 'yjj': did you mean yj?"
    assert run(db, "plan") == 1
    assert "choose list, activate KEY or archive KEY" in capsys.readouterr().err


def test_export_and_report_take_plan_key(db, capsys):
    assert run(db, "export", "--plan-key", "yj") == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 3 and rows[1].startswith("1.1.1,") and "Set up the panel" in rows[1]
    assert run(db, "report", "--month", "2016-09", "--format", "csv", "--plan-key", "yj") == 0
    assert "yj" in capsys.readouterr().out
    assert run(db, "report", "--month", "2016-09", "--plan-key", "nope") == 1
    assert "no plan 'nope'" in capsys.readouterr().err


def test_preview_takes_plan_key(db, capsys):
    assert run(db, "preview", "--from", "2016-10-03", "--to", "2016-10-04", "--plan-key", "yj") == 0
    out = capsys.readouterr().out
    assert out.startswith("Preview of yj from Mon 03 Oct 2016") and "round: 1.1.1" in out


def test_people_check_covers_every_live_plan(db, capsys):
    run(db, "people", "check")
    assert "Plan yj" not in capsys.readouterr().out  # not live: the scheduler does not ask for it
    assert run(db, "plan", "activate", "yj") == 0
    run(db, "people", "check")
    out = capsys.readouterr().out
    assert out.index("Plan bromley-2016-17:") < out.index("Plan yj: 1 lead roles in use.\nEvery lead role has a person.")
