"""The people directory says who gets email: `preferred_channel` (column "Preferred channel"
in a people CSV, key `preferred_channel` in YAML), and a partner agency's contact is a person
holding the partner's role (e.g. Police), imported like anyone else."""

from __future__ import annotations

from sqlmodel import Session

from actionbot.cli import main
from storage import repo
from tests.contract.test_import_export import _url
from tests.plan_files import write_csv


def test_a_partner_contact_who_prefers_email(reference_engine, tmp_path, capsys):
    path = write_csv(
        tmp_path / "partners.csv",
        ["Key", "Name", "Email address", "Roles", "Line manager", "Preferred channel"],
        [
            ["police-cse", "Pat Constable (fictional)", "pat@police.example.invalid", "Police", "dcs", "Email"],
            ["hos-scp", "Hannah (fictional)", "hos-scp@example.invalid", "HOS S&CP", "dcs", "email"],
        ],
    )
    assert main(["--database-url", _url(reference_engine), "people", "import", str(path)]) == 0
    with Session(reference_engine) as s:
        assert repo.person_by_key(s, "police-cse").preferred_channel == "email"
        assert repo.person_by_key(s, "police-cse").roles == ["Police"]
        assert repo.person_by_key(s, "hos-scp").preferred_channel == "email"
    # a file without the column leaves the choice as it was
    again = write_csv(tmp_path / "names.csv", ["key", "name"], [["hos-scp", "Hannah S (fictional)"]])
    assert main(["--database-url", _url(reference_engine), "people", "import", str(again)]) == 0
    with Session(reference_engine) as s:
        assert repo.person_by_key(s, "hos-scp").preferred_channel == "email"


def test_a_preferred_channel_that_is_not_a_name_is_refused(reference_engine, tmp_path, capsys):
    path = write_csv(
        tmp_path / "bad.csv",
        ["key", "name", "preferred_channel"],
        [["hos-scp", "Hannah", "e-mail please!"]],
    )
    assert main(["--database-url", _url(reference_engine), "people", "import", str(path)]) == 1
    assert "column 'preferred_channel': 'e-mail please!' is not a channel name" in capsys.readouterr().err
