"""The risks and issues log (issue 12), through the neutral core on SQLite and PostgreSQL: the
one grammar with clear refusals, who may write (priority leads and SIT admins) and who may read
(everyone), the audit trail, and the log in the highlight report (as it stood at the period's
end), the SIT's weekly digest and the plan export's workbook."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.conversation import Core
from bot.periods import Period
from bot.plan_state import load_state
from bot.report import build_report
from bot.requests import ChatRequest, Identity
from bot.views import LogView, NoticeView
from cards.plan_export import export_plan
from cards.report_files import render_file
from cards.report_sheets import LOG_COLUMNS
from cards.text import render_all
from scheduler.messages import weekly_digest_views
from storage import repo
from storage.importers import import_plan_file
from storage.models import AuditEvent, LogEntry
from tests.conftest import uk

RISK = 'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP'
ISSUE = 'issue p4 add "Caseloads above 20" owner HOS S&CP action "Two agency workers from Nov" date 30/11/2016'


@pytest.fixture
def core(reference_any_engine, clock):
    clock.set(uk(2016, 10, 14, 10, 0))
    return Core(reference_any_engine, clock)


def ask(core: Core, text: str, *, who: str = "hos-scp", channel: str = "terminal"):
    return core.handle(ChatRequest(Identity(channel, who), text=text))


def one(reply):
    (view,) = reply.views
    return view


def entries(engine) -> list[LogEntry]:
    with Session(engine) as s:
        return list(s.exec(select(LogEntry).order_by(LogEntry.id)).all())


def test_a_priority_lead_logs_a_risk_with_every_field_and_it_is_audited(core, reference_any_engine):
    answer = one(ask(core, RISK + ' mitigation "Recruitment drive with HR" review Dec 16'))
    assert answer.level == "info" and answer.text.startswith("Logged R1 in priority 4: Agency social workers leaving")
    (e,) = entries(reference_any_engine)
    assert (e.kind, e.number, e.priority_number, e.impact, e.likelihood, e.owner) == (
        "risk", 1, 4, "high", "medium", "HOS S&CP"
    )
    assert e.mitigation == "Recruitment drive with HR" and e.review.isoformat() == "2016-12-31"
    with Session(reference_any_engine) as s:
        (event,) = repo.audit_events(s, ["risk.added"])
    assert event.subject == "R1" and event.actor == "hos-scp" and event.details["impact"] == "high"


def test_ids_are_numbered_per_plan_and_kind_and_the_lists_show_the_open_ones(core, reference_any_engine):
    ask(core, RISK)
    ask(core, ISSUE)
    assert "Logged R2" in one(ask(core, 'risk p4 add "Court delays" impact medium likelihood low owner HOS S&CP')).text
    assert "Logged I2" in one(ask(core, ISSUE.replace("Caseloads", "Sickness"))).text
    view = one(ask(core, "risks p4", who="cex"))  # everyone may read
    assert isinstance(view, LogView) and [x.ref for x in view.lines] == ["R1", "R2"]
    assert view.lines[0].details() == "impact high · likelihood medium · owner HOS S&CP"
    issues = one(ask(core, "issues", who="cex"))
    assert [x.ref for x in issues.lines] == ["I1", "I2"]
    assert "action: Two agency workers from Nov · by 30 Nov 2016" in render_all([issues])
    assert one(ask(core, "risks p5")).lines == ()
    assert "No open risks for priority 5" in render_all([one(ask(core, "risks p5"))])


def test_closing_needs_a_reason_and_leaves_the_list(core, reference_any_engine):
    ask(core, RISK)
    refused = one(ask(core, "risk R1 close"))
    assert refused.level == "warning" and "Say why R1 is closed" in refused.text and "risk p4 add" in refused.text
    answer = one(ask(core, "risk R1 close - two permanent social workers started"))
    assert answer.level == "info" and "Closed R1" in answer.text
    assert one(ask(core, "risks")).lines == ()
    (e,) = entries(reference_any_engine)
    assert (e.status, e.close_reason, e.closed_by) == ("closed", "two permanent social workers started", "hos-scp")
    with Session(reference_any_engine) as s:
        (event,) = repo.audit_events(s, ["risk.closed"])
    assert event.subject == "R1" and event.details["reason"] == "two permanent social workers started"
    again = one(ask(core, "risk R1 close - again"))
    assert again.level == "warning" and "already closed" in again.text


@pytest.mark.parametrize("who", ["hos-qi", "cex", "nobody-we-know"])
def test_only_the_priority_lead_and_the_sit_may_write(core, reference_any_engine, who):
    view = one(ask(core, RISK, who=who))
    assert view.level == "warning" and "Only priority 4's lead (HOS S&CP) or the SIT" in view.text
    assert entries(reference_any_engine) == []
    assert "Logged R1" in one(ask(core, RISK, who="sit-manager")).text
    view = one(ask(core, "risk R1 close - not a risk", who=who))
    assert view.level == "warning" and entries(reference_any_engine)[0].status == "open"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("risk p4 add Agency social workers leaving impact high", "title in quotes"),
        ('risk p4 add "Agency" impact high likelihood medium', "needs owner"),
        ('risk p4 add "Agency" impact huge likelihood medium owner HOS S&CP', "high, medium or low"),
        ('risk p4 add "Agency" impact high likelihood medium owner Nobody Known', "don't know the owner"),
        ('risk p4 add "Agency" impact high likelihood low owner HOS S&CP review someday maybe', "can't read the review"),
        ('risk p4 add "Agency" impact high impact low likelihood low owner HOS S&CP', "given twice"),
        ('risk p4 add "" impact high likelihood low owner HOS S&CP', "title is empty"),
        ('risk p4 add "' + "x" * 201 + '" impact high likelihood low owner HOS S&CP', "keep it to 200"),
        ('risk p99 add "Agency" impact high likelihood low owner HOS S&CP', "priority 99"),
        ('issue p4 add "Caseloads" owner HOS S&CP', "needs action and date"),
        ("risk I3 close - wrong kind", "I3 is not a risk"),
        ("risk R77 close - gone", "no risk R77"),
        ("risk please", "I didn't understand"),
    ],
)
def test_bad_log_commands_are_refused_with_a_usage_hint(core, reference_any_engine, text, says):
    view = one(ask(core, text))
    assert isinstance(view, NoticeView) and view.level == "warning", render_all([view])
    assert says.lower() in view.text.lower()
    assert entries(reference_any_engine) == []


def test_the_report_shows_the_log_as_it_stood_at_the_end_of_each_month(core, clock, reference_any_engine):
    ask(core, RISK)
    ask(core, ISSUE)
    clock.set(uk(2016, 11, 3, 10, 0))
    ask(core, "risk R1 close - recruited")
    with Session(reference_any_engine) as s:
        plan = repo.active_plan(s)
        october = build_report(s, plan, Period.month(2016, 10))
        november = build_report(s, plan, Period.month(2016, 11), as_of=uk(2016, 11, 20, 12, 0))
        september = build_report(s, plan, Period.month(2016, 9))
    p4 = october.priority(4)
    assert [(x.ref, x.status) for x in p4.log] == [("R1", "open"), ("I1", "open")]
    assert p4.figures()["open_risks"] == 1 and october.figures()["open_issues"] == 1
    assert [(x.ref, x.status, x.close_reason) for x in november.priority(4).risks] == [("R1", "closed", "recruited")]
    assert september.priority(4).log == ()
    for fmt in ("md", "html", "text"):
        out = render_file(october, fmt)
        assert "Risks and issues (1 open risks, 1 open issues)" in out, fmt
        line = "<td>R1</td><td>risk, open</td><td>Agency social workers leaving</td>" if fmt == "html" else (
            "R1 (risk, open) Agency social workers leaving — impact high · likelihood medium · owner HOS S&CP"
        )
        assert line in out, fmt
    p4_row = next(r for r in csv.DictReader(io.StringIO(render_file(october, "csv"))) if r["priority"] == "4")
    assert (p4_row["open_risks"], p4_row["open_issues"]) == ("1", "1")
    workbook = load_workbook(io.BytesIO(render_file(october, "xlsx")))
    assert [r[0] for r in workbook["Risks and issues"].iter_rows(values_only=True)][1:] == ["R1", "I1"]
    assert render_file(october, "pdf")[:4] == b"%PDF"


def test_the_weekly_digest_lists_the_open_log(core, reference_any_engine):
    ask(core, RISK)
    with Session(reference_any_engine) as s:
        plan = repo.active_plan(s)
        state = load_state(s, plan, uk(2016, 10, 17, 9, 0))
        views = weekly_digest_views(s, state, uk(2016, 10, 17, 9, 0))
    (log,) = [v for v in views if isinstance(v, LogView)]
    assert [x.ref for x in log.lines] == ["R1"]


def test_the_plan_export_workbook_carries_the_log_and_still_reimports_as_the_plan(
    core, clock, reference_any_engine, tmp_path
):
    ask(core, RISK)
    ask(core, ISSUE)
    out = tmp_path / "plan.xlsx"
    assert export_plan(reference_any_engine, clock, fmt="xlsx", output=str(out), plan_key=None) == 0
    wb = load_workbook(out)
    rows = list(wb["Risks and issues"].iter_rows(values_only=True))
    assert rows[0] == LOG_COLUMNS
    assert [r[0] for r in rows[1:]] == ["R1", "I1"]
    summary, skipped = import_plan_file(reference_any_engine, clock, out, plan_key="copy")
    assert skipped == [] and summary.created["action"] == 307


def test_no_audit_event_is_written_for_a_refused_command(core, reference_any_engine):
    ask(core, 'risk p4 add "x" impact high likelihood medium owner Nobody')
    with Session(reference_any_engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.kind.like("risk.%"))).first() is None
