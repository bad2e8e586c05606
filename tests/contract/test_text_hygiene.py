"""Text enters clean, on SQLite and PostgreSQL: NUL, the other control characters and bidi
overrides are removed where text enters (the core, for every channel; the plan importer), so
the audit trail, the exports and the report never hold them. On PostgreSQL a NUL used to be
worse than stored: the driver refused it and the request failed."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.conversation import Core
from bot.identity import identities_of
from bot.requests import ChatRequest, Identity
from bot.views import ConfirmationView, NoticeView
from domain.clock import FixedClock
from storage.importers import import_plan_file
from storage.models import Action, ActionUpdate, Plan
from tests.conftest import uk
from tests.plan_files import write_csv

CLOCK = FixedClock(uk(2016, 10, 14, 10, 0))


def test_a_typed_update_with_nul_and_bidi_override_is_stored_clean(reference_any_engine):
    core = Core(reference_any_engine, CLOCK)
    text = "4.2.1 amber - trainer\x00 off \u202esick\u202c\x1b[31m, new date end of Nov\u2066\n4.2.2 green\x7f"
    reply = core.handle(ChatRequest(identity=Identity("terminal", "hos-scp"), text=text))
    assert isinstance(reply.views[0], ConfirmationView), reply.views
    with Session(reference_any_engine) as s:
        rows = s.exec(select(ActionUpdate).order_by(ActionUpdate.id)).all()
        assert [(u.rag, u.note, str(u.proposed_due)) for u in rows] == [
            ("amber", "trainer off sick[31m", "2016-11-30"),
            ("green", "", "None"),
        ]


def test_a_form_note_keeps_one_line_and_a_note_that_is_not_text_is_refused(reference_any_engine):
    core = Core(reference_any_engine, CLOCK)
    who = Identity("terminal", "hos-scp")
    form = {"identity": who, "kind": "form", "action_ref": "4.2.1"}
    reply = core.handle(ChatRequest(**form, rag="amber", note="two\nlines\there"))
    assert isinstance(reply.views[0], ConfirmationView)
    reply = core.handle(ChatRequest(**form, rag="red", note={"$ne": 1}))  # type: ignore[arg-type]
    assert isinstance(reply.views[0], NoticeView) and "the note is not text" in reply.views[0].text
    with Session(reference_any_engine) as s:
        assert [u.note for u in s.exec(select(ActionUpdate))] == ["two lines here"]


def test_an_imported_cell_with_nul_and_bidi_override_is_stored_clean(reference_any_engine, tmp_path):
    path = write_csv(
        tmp_path / "dirty.csv",
        ["ID", "Key Actions", "Timescale", "Lead"],
        [["1.1.1", "Audit\x00 the \u202efiles\u202c\nthen report\x0b", "Dec 16", "DCS\u2067"]],
    )
    import_plan_file(reference_any_engine, CLOCK, path, plan_key="dirty")
    with Session(reference_any_engine) as s:
        plan = s.exec(select(Plan).where(Plan.key == "dirty")).one()
        [action] = s.exec(select(Action).where(Action.plan_id == plan.id)).all()
        assert (action.text, action.leads) == ("Audit the files\nthen report", ["DCS"])


def test_a_platform_identity_with_control_characters_is_looked_up_clean(reference_any_engine):
    """The user id and email a platform gives are looked up in the directory and linked into the
    audit trail: cleaned like the text (PostgreSQL refused the NUL and the request failed)."""
    core = Core(reference_any_engine, CLOCK)
    who = Identity("teams", "29:\x00sadie\u202e", email="hos-scp@example.invalid\x00", display_name="S\x00")
    reply = core.handle(ChatRequest(identity=who, text="4.2.1 green"))
    assert isinstance(reply.views[0], ConfirmationView), reply.views
    with Session(reference_any_engine) as s:
        assert identities_of(s, "hos-scp") == {"teams": "29:sadie"}
