"""`actionbot people import|check`, through the command line, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from sqlmodel import Session, func, select

from actionbot.cli import main
from bot.identity import identities_of, person_for
from handlers.teams import addresses
from storage import repo
from storage.db import session_scope
from storage.models import Person, Role
from tests.contract.test_import_export import _url
from tests.plan_files import write_csv

AT = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_slack(monkeypatch):
    """Slack is configured only where a test says so (the developer's environment must not leak in)."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "ACTIONBOT_PLAN"):
        monkeypatch.delenv(name, raising=False)


def people_count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Person)).one()


def test_people_import_csv_with_council_headers(any_engine, tmp_path, capsys):
    path = write_csv(
        tmp_path / "people.csv",
        ["Key", "Name", "Email address", "Roles", "Line manager", "Slack ID", "SIT admin"],
        [
            ["cex", "Chief Exec (fictional)", "cex@example.invalid", "CEX", "", "U0CEX", ""],
            ["dcs", "Director (fictional)", "dcs@example.invalid", "DCS; IND DCS", "cex", "", "no"],
            ["sit1", "Improvement officer (fictional)", "", "SIT", "dcs", "U0SIT", "yes"],
        ],
    )
    assert main(["--database-url", _url(any_engine), "people", "import", str(path)]) == 0
    assert "people: 3 new" in capsys.readouterr().out
    with Session(any_engine) as s:
        people = {p.key: p for p in repo.all_people(s)}
        assert identities_of(s, "cex") == {"slack": "U0CEX"}
        assert person_for(s, "slack", "U0CEX").key == "cex"
    assert people["dcs"].roles == ["DCS", "IND DCS"]
    assert people["dcs"].manager_key == "cex"
    assert (people["sit1"].sit_admin, people["dcs"].sit_admin) == (True, False)


def test_people_import_reports_every_bad_row_and_writes_nothing(any_engine, tmp_path, capsys):
    path = write_csv(
        tmp_path / "people.csv",
        ["key", "name", "roles", "manager", "sit_admin", "timezone"],
        [
            ["cex", "Chief Exec", "CEX", "", "", ""],
            ["dcs", "", "DCS", "cex", "", ""],  # no name
            ["cex", "Chief Exec again", "CEX", "", "", ""],  # duplicate key
            ["hos", "Head of Service", "HOS QI", "nobody", "", ""],  # unknown manager
            ["sit", "SIT officer", "SIT", "", "maybe", ""],  # unreadable flag
            ["far", "Far away", "DPH", "", "", "Mars/Olympus"],  # bad time zone
        ],
    )
    assert main(["--database-url", _url(any_engine), "people", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert f"{path}, row 3, column 'name': no name" in err
    assert f"{path}, row 6, column 'sit_admin': cannot read 'maybe' as yes or no" in err
    assert f"{path}, row 4, column 'key': duplicate person key 'cex' (first at row 2)" in err
    assert f"{path}, row 5, column 'manager': 'nobody' is not a person key in the file or directory" in err
    assert f"{path}, row 7, column 'timezone': unknown time zone 'Mars/Olympus'" in err
    assert err.count(f"{path}, row ") == 5
    assert people_count(any_engine) == 0


def test_people_import_yaml_with_bodies(any_engine, tmp_path, capsys):
    path = tmp_path / "people.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "people": [
                    {"key": "chair", "name": "Board Chair (fictional)", "roles": ["BSCB Chair"]},
                    {"key": "dcs", "name": "Director (fictional)", "roles": "DCS, CSC", "manager": "chair"},
                ],
                "bodies": [{"role": "BSCB", "represented_by": "BSCB Chair"}],
            }
        )
    )
    assert main(["--database-url", _url(any_engine), "people", "import", str(path)]) == 0
    captured = capsys.readouterr()
    assert "people: 2 new" in captured.out
    assert "not used by any plan" in captured.err  # no plan loaded: every role is unknown, a hint
    with Session(any_engine) as s:
        assert s.exec(select(Role).where(Role.abbrev == "BSCB")).one().represented_by == "BSCB Chair"
        assert repo.person_by_key(s, "dcs").roles == ["DCS", "CSC"]


def test_people_check_lists_roles_with_nobody_and_people_out_of_reach(
    reference_any_engine, tmp_path, capsys, monkeypatch
):
    url = _url(reference_any_engine)
    # A plan whose actions are led by a role nobody holds, and by a body someone answers for.
    plan = write_csv(
        tmp_path / "youth plan.csv",
        ["ID", "Key Actions", "Timescale", "Lead"],
        [["1.1.1", "Set up the youth panel", "Sep 16", "Youth Panel Manager"], ["1.1.2", "Report", "Oct 16", "BSCB"]],
    )
    assert main(["--database-url", url, "import", str(plan)]) == 0
    # importing a second plan leaves the reference plan the default: name the one to check
    monkeypatch.setenv("ACTIONBOT_PLAN", "youth-plan")
    with Session(reference_any_engine) as s:
        everyone = [(p.key, p.name) for p in repo.all_people(s)]
    # Slack ids for everyone but three: one has a Teams conversation, one only an email (looked up
    # before the first message), and one nothing at all (her email taken out by a partial file).
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    rows = [[k, n, f"U{i:04d}"] for i, (k, n) in enumerate(everyone) if k not in ("dcs", "dph", "hos-qi")]
    ids = write_csv(tmp_path / "slack.csv", ["key", "name", "slack_user_id"], rows)
    assert main(["--database-url", url, "people", "import", str(ids)]) == 0
    no_email = write_csv(tmp_path / "emails.csv", ["key", "email"], [["dcs", ""]])
    assert main(["--database-url", url, "people", "import", str(no_email)]) == 0
    with session_scope(reference_any_engine) as s:
        addresses.remember(s, addresses.person_key("dph"), {"reference": {"conversation": {"id": "a:1"}}}, AT)
    capsys.readouterr()

    assert main(["--database-url", url, "people", "check"]) == 1

    out = capsys.readouterr().out
    assert "Plan youth-plan: 2 lead roles in use." in out
    assert "Roles with nobody behind them (1):\n  - Youth Panel Manager (lead of 1 action)\n" in out
    assert "BSCB" not in out.split("People")[0]  # the board is answered for by its chair
    # Per person: the linked Slack id, and whether a Teams conversation reference exists.
    listed = out.split("How the bot reaches each person (slack, teams):\n")[1].split("\nPeople ")[0]
    table = {line.split()[0]: line for line in listed.splitlines()}
    assert set(table) == {k for k, _ in everyone}
    assert "Slack: not linked, no email; Teams: no conversation (app not installed or never opened)" in table["dcs"]
    assert "Slack: not linked (found by email at the first message); Teams: conversation reference" in table["dph"]
    assert "Slack: not linked (found by email at the first message); Teams: no conversation" in table["hos-qi"]
    assert "Slack: U" in table["hos-scp"]
    assert "People not yet linked to Slack (1)" in out
    assert "  - Quentin Ivesworth (fictional) (hos-qi; hos-qi@example.invalid)" in out
    assert "People the bot cannot reach on any configured channel (slack, teams) (1):" in out
    unreachable = out.split("cannot reach on any configured channel")[1].splitlines()
    assert [line for line in unreachable if line.startswith("  - ")] == ["  - Dana Carver (fictional) (dcs; roles DCS)"]


def test_people_check_passes_when_every_role_and_person_is_covered(reference_any_engine, capsys, tmp_path, monkeypatch):
    url = _url(reference_any_engine)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    with Session(reference_any_engine) as s:
        rows = [[p.key, p.name, f"U{i:04d}"] for i, p in enumerate(repo.all_people(s))]
    assert (
        main(
            [
                "--database-url",
                url,
                "people",
                "import",
                str(write_csv(tmp_path / "ids.csv", ["key", "name", "slack_user_id"], rows)),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--database-url", url, "people", "check"]) == 0
    out = capsys.readouterr().out
    assert "Every lead role has a person." in out
    assert "Everyone can be reached (slack, teams)." in out


def test_people_import_of_the_reference_directory_changes_nothing(reference_any_engine, capsys):
    from storage.reference import REFERENCE_DIR

    before = people_count(reference_any_engine)
    path = str(REFERENCE_DIR / "people.yaml")
    assert main(["--database-url", _url(reference_any_engine), "people", "import", path]) == 0
    assert f"people: 0 new, 0 updated, {before} unchanged" in capsys.readouterr().out
    assert people_count(reference_any_engine) == before


def directory(engine) -> dict[str, dict]:
    """Everyone as the directory file shows them: their columns, and their Slack id (a
    person_identity row) under the file's column name."""
    with Session(engine) as s:
        return {
            p.key: {**p.model_dump(), "slack_user_id": identities_of(s, p.key).get("slack")}
            for p in repo.all_people(s)
        }


@pytest.mark.parametrize(
    ("columns", "row", "field", "value"),
    [
        (["key", "slack_user_id"], ["hos-scp", "U0NEWID"], "slack_user_id", "U0NEWID"),
        (["key", "email"], ["hos-scp", "sadie.c@council.example"], "email", "sadie.c@council.example"),
        (["Key", "Time zone"], ["hos-scp", "America/New_York"], "timezone", "America/New_York"),
    ],
)
def test_a_partial_file_updates_only_its_columns_of_existing_people(
    reference_any_engine, tmp_path, capsys, columns, row, field, value
):
    before = directory(reference_any_engine)
    path = write_csv(tmp_path / "partial.csv", columns, [row])
    assert main(["--database-url", _url(reference_any_engine), "people", "import", str(path)]) == 0
    assert "people: 0 new, 1 updated" in capsys.readouterr().out
    after = directory(reference_any_engine)
    assert after["hos-scp"][field] == value
    for kept in ("name", "email", "roles", "manager_key", "delegate_key", "timezone", "slack_user_id", "sit_admin"):
        if kept != field:
            assert after["hos-scp"][kept] == before["hos-scp"][kept], kept
    assert {k: p for k, p in after.items() if k != "hos-scp"} == {k: p for k, p in before.items() if k != "hos-scp"}


def test_a_partial_file_naming_someone_unknown_is_a_listed_problem_and_writes_nothing(
    reference_any_engine, tmp_path, capsys
):
    before = directory(reference_any_engine)
    path = write_csv(
        tmp_path / "ids.csv", ["key", "slack_user_id"], [["hos-scp", "U0NEWID"], ["new-starter", "U0NEW2"]]
    )
    assert main(["--database-url", _url(reference_any_engine), "people", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "row 3, column 'key': 'new-starter' is not in the people directory; a new person needs a name" in err
    assert "missing column" not in err
    assert directory(reference_any_engine)["hos-scp"]["slack_user_id"] == before["hos-scp"]["slack_user_id"]
    assert "new-starter" not in directory(reference_any_engine)


def test_a_file_without_a_key_column_is_still_refused(reference_any_engine, tmp_path, capsys):
    path = write_csv(tmp_path / "names.csv", ["name", "email"], [["Someone", "someone@example.invalid"]])
    assert main(["--database-url", _url(reference_any_engine), "people", "import", str(path)]) == 1
    assert "column 'key': missing column" in capsys.readouterr().err


def test_a_chat_id_is_one_persons_and_any_channels_column_is_read(reference_any_engine, tmp_path, capsys):
    url = _url(reference_any_engine)
    twice = write_csv(tmp_path / "twice.csv", ["key", "slack_user_id"], [["hos-scp", "U0SAME"], ["dcs", "U0SAME"]])
    assert main(["--database-url", url, "people", "import", str(twice)]) == 1
    assert "slack user U0SAME is also given to 'hos-scp'" in capsys.readouterr().err
    with Session(reference_any_engine) as s:
        assert repo.chat_ids_by_person(s, "slack") == {}
    ids = write_csv(tmp_path / "ids.csv", ["key", "slack_user_id", "matrix_user_id"], [["hos-scp", "U0S", "@s:x"]])
    assert main(["--database-url", url, "people", "import", str(ids)]) == 0
    assert "people: 0 new, 1 updated" in capsys.readouterr().out
    taken = write_csv(tmp_path / "taken.csv", ["key", "slack_user_id"], [["dcs", "U0S"]])
    assert main(["--database-url", url, "people", "import", str(taken)]) == 1
    assert "slack user U0S is already linked to 'hos-scp'" in capsys.readouterr().err
    with Session(reference_any_engine) as s:
        assert identities_of(s, "hos-scp") == {"matrix": "@s:x", "slack": "U0S"}
        assert identities_of(s, "dcs") == {}
    assert main(["--database-url", url, "people", "list"]) == 0
    assert "matrix=@s:x slack=U0S" in capsys.readouterr().out
