"""The core checks every value a button, a form or a line of text brings, as if a stranger had
typed it: the rules themselves (`domain.action_ids`, `domain.vocabulary`, `domain.text`) and the core
applying them (`Core.handle`, `Turn.submission`, `updates.check`)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.parsing import BadLine, UpdateIntent, parse_update_line
from bot.requests import ChatRequest, Identity
from bot.views import ConfirmationView, NoticeView, UpdateFormView
from domain import action_ids
from domain.text import clean_text
from domain.vocabulary import NOTE_MAX, RAG, note_problem, parse_rag
from storage.models import Action, ActionUpdate

# ----------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("4.2.1", "4.2.1"),
        (" 4.2.100 ", "4.2.100"),
        ("1.1.1a", "1.1.1a"),
        ("1.1.1A", "1.1.1a"),
        ("04.02.001", "4.2.1"),
        ("4.2.1000", None),
        ("1.1.1ab", None),
        ("1.1.1.1", None),
        ("4.2", None),
        ("4.2.", None),
        ("١.١.١", None),  # Arabic-Indic digits: not ours, though int() would read them
        ("1.1.1\u212a", None),  # the Kelvin sign is not the letter k
        ("", None),
        (None, None),
        (421, None),
    ],
)
def test_the_action_id_grammar(text, canonical):
    assert action_ids.canonical(text) == canonical
    assert action_ids.is_action_id(text) == (canonical is not None)


def test_ids_in_text_are_whole_tokens():
    assert action_ids.find_all("snooze 4.2.1, 1.1.1a and 4.2.100 until Monday") == ["4.2.1", "1.1.1a", "4.2.100"]
    assert action_ids.find_all("14.2.1xy 4.2.1.5 v4.2.1 1.1.1ab 4.2.1000") == []
    assert action_ids.find_all("see 4.2.1.") == ["4.2.1"]
    assert (action_ids.priority_of("10.3.2a"), action_ids.finding_of("10.3.2a")) == (10, "10.3")


@pytest.mark.parametrize(
    ("line", "ref", "rag", "note"),
    [
        ("1.1.1a green - done", "1.1.1a", "green", "done"),
        ("1.1.1 a - waiting", "1.1.1", "amber", "waiting"),
        ("1.1.1A: g", "1.1.1a", "green", ""),
        ("4.2.100 on track", "4.2.100", "green", ""),
        ("4.2.1 AT RISK - slipping", "4.2.1", "amber", "slipping"),
    ],
)
def test_update_lines_read_ids_and_rag_words_as_whole_tokens(line, ref, rag, note):
    got = parse_update_line(line)
    assert isinstance(got, UpdateIntent) and (got.ref, got.rag, got.note) == (ref, rag, note)


@pytest.mark.parametrize("line", ["1.1.1a - waiting on HR", "4.2.1green", "4.2.1000 green", "1.1.1ag done"])
def test_lines_without_a_whole_id_and_a_whole_rag_word_are_refused(line):
    assert isinstance(parse_update_line(line), BadLine)


def test_the_rag_vocabulary_and_the_note_rule_live_in_the_domain():
    assert parse_rag("Amber") is RAG.AMBER and parse_rag(" on   TRACK ") is RAG.GREEN and parse_rag("r") is RAG.RED
    assert parse_rag("purple") is None and parse_rag("") is None and parse_rag(None) is None and parse_rag(1) is None
    assert note_problem(RAG.AMBER, "  ") == "Amber needs a one-line reason."
    assert note_problem(RAG.RED, "") == "Red needs a one-line reason."
    assert note_problem(RAG.GREEN, "") is None and note_problem(RAG.COMPLETED, "evidence: minutes") is None
    assert "needs evidence" in note_problem(RAG.COMPLETED, "")
    assert note_problem(RAG.GREEN, "x" * (NOTE_MAX + 1)) == f"The note is {NOTE_MAX + 1} characters; keep it to 280."
    # the parser and the core apply the same rule with the same words
    assert parse_update_line("4.2.1 red").reason == "Red needs a one-line reason."


def test_clean_text_removes_controls_and_bidi_overrides_and_keeps_the_rest():
    dirty = "a\x00b\x07c\x1b\x7f\x85d \u202aL\u202bR\u202cP\u202dO\u202eV\u2066I\u2067J\u2068K\u2069 é 🙂 שלום \u200f"
    assert clean_text(dirty) == "abcd LRPOVIJK é 🙂 שלום \u200f"
    assert clean_text("one\r\ntwo\rthree\n\tfour") == "one\ntwo\nthree\n\tfour"
    assert clean_text("one\r\ntwo\tthree", multiline=False) == "one two three"


# ----------------------------------------------------------------------------- the core


@pytest.fixture
def core(reference_engine, clock):
    clock.set(clock.now().replace(year=2016, month=10, day=14))
    return Core(reference_engine, clock)


LEAD = Identity("terminal", "hos-scp")  # HOS S&CP: leads 4.2.1 and 4.2.2


def submit(core, **kw):
    return core.handle(ChatRequest(identity=LEAD, **kw))


def recorded(engine) -> list[tuple[str, str, str, date | None]]:
    with Session(engine) as s:
        refs = {a.id: a.ref for a in s.exec(select(Action))}
        return [(refs[u.action_id], u.rag, u.note, u.proposed_due) for u in s.exec(select(ActionUpdate))]


@pytest.mark.parametrize("kind", ["button", "form"])
@pytest.mark.parametrize("rag", ["purple", "Purple", "green;", "rouge"])
def test_a_rag_value_that_is_not_ours_is_refused(core, reference_engine, kind, rag):
    reply = submit(core, kind=kind, action_ref="4.2.1", rag=rag, note="fine", thread_refs=("4.2.1",))
    (view,) = reply.views
    if kind == "form":
        assert isinstance(view, UpdateFormView) and view.error_field == "rag" and "not a RAG status" in view.error
    else:
        assert isinstance(view, NoticeView) and "not a RAG status" in view.text
    assert recorded(reference_engine) == []


def test_a_rag_word_in_any_spelling_is_stored_as_its_value(core, reference_engine):
    submit(core, kind="form", action_ref="4.2.1", rag="AMBER", note="slipping")
    assert recorded(reference_engine) == [("4.2.1", "amber", "slipping", None)]


@pytest.mark.parametrize("ref", ["4.2.1xy", "4.2.1000", "../4.2.1", "4.2.1;", " "])
def test_an_action_ref_outside_the_grammar_is_refused(core, reference_engine, ref):
    (view,) = submit(core, kind="button", action_ref=ref, rag="green").views
    assert isinstance(view, NoticeView) and ("not an action id" in view.text or "No action" in view.text)
    assert recorded(reference_engine) == []


def test_a_button_for_an_action_its_card_did_not_name_is_refused(core, reference_engine):
    (view,) = submit(core, kind="button", action_ref="4.2.2", rag="green", thread_refs=("4.2.1",)).views
    assert isinstance(view, NoticeView) and view.text == "This card is not about 4.2.2; nothing was recorded."
    (view,) = submit(core, kind="form", action_ref="4.2.1", rag="green", thread_refs=("4.2.1", "x")).views
    assert isinstance(view, NoticeView) and view.text.startswith("This card names something that is not an action")
    assert recorded(reference_engine) == []
    submit(core, kind="button", action_ref="4.2.1", rag="green", thread_refs=("4.2.1", "4.2.2"))
    submit(core, kind="button", action_ref="4.2.2", rag="green")  # a card that named no actions (App Home)
    assert [r[:2] for r in recorded(reference_engine)] == [("4.2.1", "green"), ("4.2.2", "green")]


def test_fields_that_are_not_text_are_refused_whole(core, reference_engine):
    for bad in ({"action_ref": ["4.2.1"]}, {"rag": 1}, {"proposed_date": 20161130}, {"thread_refs": "4.2.1"}):
        fields = {"kind": "form", "action_ref": "4.2.1", "rag": "green", **bad}
        (view,) = submit(core, **fields).views
        assert isinstance(view, NoticeView) and view.level == "error" and "nothing was recorded" in view.text
    (view,) = core.handle(ChatRequest(identity=LEAD, text=b"4.2.1 green")).views  # type: ignore[arg-type]
    assert "not text" in view.text
    assert recorded(reference_engine) == []


def test_proposed_dates_are_bounded_by_the_plans_end_plus_five_years(core, reference_engine):
    # the reference plan's last date is 31 Oct 2017: the horizon is 31 Oct 2022
    for typed in ("31/12/9999", "1/11/2022", "end of 2099"):
        (form,) = submit(core, kind="form", action_ref="4.2.1", rag="amber", note="late", proposed_date=typed).views
        assert isinstance(form, UpdateFormView) and form.error_field == "date", typed
    (form,) = submit(core, kind="form", action_ref="4.2.1", rag="amber", note="late", proposed_date="31/12/9999").views
    assert form.error == (
        "The proposed date 31 Dec 9999 is too far ahead: propose a date by 31 Oct 2022 "
        "(five years after the plan's last date)."
    )
    reply = core.handle(ChatRequest(identity=LEAD, text="4.2.1 amber - late, new date 31/12/9999"))
    assert "too far ahead" in reply.views[0].text and recorded(reference_engine) == []
    reply = submit(core, kind="form", action_ref="4.2.1", rag="amber", note="late", proposed_date="31/10/2022")
    assert reply.recorded and recorded(reference_engine) == [("4.2.1", "amber", "late", date(2022, 10, 31))]


def test_a_long_typed_id_is_cut_short_when_named_in_a_refusal(core):
    (view,) = submit(core, kind="button", action_ref="9" * 5000, rag="green").views
    assert len(view.text) < 200


def test_a_typed_update_and_a_form_give_the_same_reason_for_a_missing_note(core):
    typed = core.handle(ChatRequest(identity=LEAD, text="4.2.1 amber")).views[0].text
    (form,) = submit(core, kind="form", action_ref="4.2.1", rag="amber", note="").views
    assert form.error in typed and form.error == "Amber needs a one-line reason."
    assert isinstance(core.handle(ChatRequest(identity=LEAD, text="4.2.1 green")).views[0], ConfirmationView)


def test_huge_numbers_in_a_status_query_are_bounded_not_an_overflow(core):
    (due,) = core.handle(ChatRequest(identity=LEAD, text="status due 99999999999999999999d")).views
    assert due.total > 0  # every open action with a deadline
    (page,) = core.handle(ChatRequest(identity=LEAD, text="status overdue page 99999999999999999999")).views
    assert not page.items
