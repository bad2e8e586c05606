"""Lists that work everywhere (issue 12), through the neutral core on SQLite and PostgreSQL:
RAG lists typed as a message or as a command, `p` only before a number, `status partner X`,
and `report` / `report p4` built from the same model as `actionbot report`."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.conversation import Core
from bot.parsing import StatusQuery
from bot.periods import Period
from bot.report import build_report
from bot.requests import ChatRequest, Identity
from bot.typed_command import typed
from bot.views import (
    ActionListView,
    ConfirmationView,
    NoticeView,
    PriorityReportView,
    PriorityStatusView,
    ReportDigestView,
)
from cards.text import render_all
from storage import repo
from storage.reference import load_reference_plan
from tests.conftest import uk

PLAN = load_reference_plan()
POLICE = sorted(a.ref for a in PLAN.actions if "Police" in a.partners)
POLICE_P4 = sorted(r for r in POLICE if r.startswith("4."))

SEED = "4.2.1 red - no trainer until November\n4.2.2 amber - waiting on legal\n4.2.3 green"


@pytest.fixture
def core(reference_any_engine, clock):
    clock.set(uk(2016, 10, 14, 10, 0))
    core = Core(reference_any_engine, clock)
    (confirmation,) = ask(core, SEED, who="hos-scp").views
    assert isinstance(confirmation, ConfirmationView) and len(confirmation.recorded) == 3
    return core


def ask(core: Core, text: str, *, kind: str = "message", who: str = "dcs", refs: tuple[str, ...] = ()):
    return core.handle(ChatRequest(Identity("terminal", who), text=text, kind=kind, thread_refs=refs))


def one_list(reply) -> ActionListView:
    (view,) = reply.views
    assert isinstance(view, ActionListView), render_all(reply.views)
    return view


LISTS = [
    ("red", "Red actions", {"4.2.1"}),
    ("amber", "Amber actions", {"4.2.2"}),
    ("green", "Green actions", {"4.2.3"}),
    ("red and amber", "Red and amber actions", {"4.2.1", "4.2.2"}),
]


@pytest.mark.parametrize("kind", ["message", "command"])
@pytest.mark.parametrize("prefix", ["", "status "])
@pytest.mark.parametrize(("words", "title", "refs"), LISTS)
def test_rag_lists_are_queries_as_a_message_and_as_a_command(core, kind, prefix, words, title, refs):
    view = one_list(ask(core, prefix + words, kind=kind))
    assert view.title.startswith(title)
    assert {a.ref for a in view.items} == refs


@pytest.mark.parametrize("kind", ["message", "command"])
@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("completed", "Completed actions (5)"),  # marked in the plan
        ("status completed", "Completed actions (5)"),
        ("not rated", "Not yet rated actions (299)"),  # 307, less 5 completed and 3 rated
        ("status not rated p4", "Not yet rated actions in priority 4 (29)"),
    ],
)
def test_completed_and_not_rated_lists_answer_in_every_kind(core, kind, text, title):
    assert one_list(ask(core, text, kind=kind)).title == title


def test_a_rag_list_for_one_priority_in_a_message(core):
    view = one_list(ask(core, "red and amber p4"))
    assert view.title == "Red and amber actions in priority 4 (2)"


def test_an_update_line_with_an_id_is_still_an_update(core):
    reply = ask(core, "4.2.2 red - legal advice refused", who="hos-scp")
    (confirmation,) = reply.views
    assert isinstance(confirmation, ConfirmationView)
    assert [(r.ref, r.rag) for r in confirmation.recorded] == [("4.2.2", "red")]


def test_a_bare_rag_word_answers_a_nudge_about_one_action(core):
    reply = ask(core, "green", who="hos-scp", refs=("4.2.1",))
    (confirmation,) = reply.views
    assert isinstance(confirmation, ConfirmationView)
    assert [(r.ref, r.rag) for r in confirmation.recorded] == [("4.2.1", "green")]
    # in that same thread, a list with more than the RAG word, or typed after `status`, is a query
    assert one_list(ask(core, "status green", who="hos-scp", refs=("4.2.1",))).total == 2
    assert one_list(ask(core, "red and amber", who="hos-scp", refs=("4.2.1",))).total == 1


def test_after_a_nudge_about_several_actions_a_bare_rag_word_asks_which_and_status_lists(core):
    (notice,) = ask(core, "green", who="hos-scp", refs=("4.2.1", "4.2.2")).views
    assert isinstance(notice, NoticeView) and "which action?" in notice.text
    view = one_list(ask(core, "status amber", who="hos-scp", refs=("4.2.1", "4.2.2")))
    assert {a.ref for a in view.items} == {"4.2.2"}


def test_a_rag_word_with_a_note_but_no_id_still_asks_which_action(core):
    (notice,) = ask(core, "amber - waiting on HR", who="hos-scp").views
    assert isinstance(notice, NoticeView) and "which action?" in notice.text


@pytest.mark.parametrize("text", ["pending", "status pending", "pizza"])
def test_a_word_starting_with_p_is_not_a_priority(core, text):
    (notice,) = ask(core, text).views
    assert isinstance(notice, NoticeView)
    assert "priority" not in notice.text and "ending" not in notice.text.replace("pending", "")
    assert "I didn't understand that" in notice.text
    (notice, _help) = ask(core, text, kind="command").views
    assert notice.text.startswith(f"I don't know `{typed('status ' + text.removeprefix('status '))}`")


@pytest.mark.parametrize("text", ["p4", "p 4", "priority 4", "priority four", "status p4"])
def test_p_and_a_number_or_the_word_priority_still_name_one(core, text):
    (view,) = ask(core, text).views
    assert isinstance(view, PriorityStatusView) and view.number == 4


def test_status_partner_lists_the_actions_a_partner_is_involved_in(core):
    first = one_list(ask(core, "status partner police", kind="command"))
    assert first.title == f"Actions involving Police ({len(POLICE)})"
    assert len(first.items) == 20 and first.total == len(POLICE)
    assert first.more_hint == f"{len(POLICE) - 20} more: `{typed('status partner police page 2')}`"
    rest = [one_list(ask(core, f"partner POLICE page {n}")) for n in (2, 3)]
    refs = [a.ref for page in (first, *rest) for a in page.items]
    assert sorted(refs) == POLICE and len(set(refs)) == len(POLICE)
    days = [a.due for page in (first, *rest) for a in page.items if a.due]
    assert days == sorted(days)  # by due date, like a role's list


def test_status_partner_combines_with_a_priority(core):
    view = one_list(ask(core, "status partner Police p4"))
    assert view.title == f"Actions involving Police in priority 4 ({len(POLICE_P4)})"
    assert sorted(a.ref for a in view.items) == POLICE_P4
    assert StatusQuery("partner", "Police", priority=4).command(page=2) == "status partner Police p4 page 2"


def test_an_unknown_partner_gets_the_nearest_names(core):
    (notice,) = ask(core, "status partner polise").views
    assert isinstance(notice, NoticeView) and notice.level == "warning"
    assert notice.text.startswith("No action in the plan involves 'polise' — did you mean Police")
    assert notice.suggestions[0] == "Police"
    (notice,) = ask(core, "status partner Zzzqx").views
    assert "Partners in the plan:" in notice.text


def _report(engine, clock):
    with Session(engine) as session:
        plan = repo.active_plan(session)
        return build_report(session, plan, Period.month(2016, 10), as_of=clock.now())


@pytest.mark.parametrize("kind", ["message", "command"])
@pytest.mark.parametrize("text", ["report p4", "report priority 4", "status report p4", "report priority four"])
def test_report_p4_is_the_priority_in_the_highlight_report_so_far(core, reference_any_engine, clock, kind, text):
    reply = ask(core, text, kind=kind)
    (view,) = reply.views
    assert isinstance(view, PriorityReportView) and view.number == 4 and reply.private
    expected = _report(reference_any_engine, clock)
    assert view.report.period == Period.month(2016, 10)
    assert view.report.priority(4) == expected.priority(4)
    p4 = view.report.priority(4)
    assert (p4.counts.red, p4.counts.amber, p4.counts.green) == (1, 1, 1)
    assert [a.ref for a in p4.reds_ambers] == ["4.2.1", "4.2.2"]
    text_answer = render_all(reply.views)
    assert "Highlight report — October 2016: priority 4" in text_answer
    assert "4.2.1  🔴 Red  “no trainer until November” — Sadie Carpenterly (fictional), 14 Oct 2016" in text_answer


def test_report_is_the_whole_plan_summary_and_share_posts_it(core, reference_any_engine, clock):
    reply = ask(core, "report")
    (view,) = reply.views
    assert isinstance(view, ReportDigestView) and reply.private
    expected = _report(reference_any_engine, clock)
    assert view.report.counts == expected.counts and view.report.figures() == expected.figures()
    assert not ask(core, "report share").private
    assert "Whole plan (307 actions)" in render_all(reply.views)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("report p11", "There is no priority 11. Priorities are 1, 2, 3"),
        ("report priority x", f"I don't know priority 'x': use a number, e.g. `{typed('report p4')}`."),
    ],
)
def test_report_for_a_priority_that_does_not_exist_is_refused_clearly(core, text, answer):
    (notice,) = ask(core, text).views
    assert isinstance(notice, NoticeView) and notice.text.startswith(answer)
