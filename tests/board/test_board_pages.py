"""The board's pages over HTTP: what each shows, the filters, and figures that agree with the
highlight report exports (the same `build_report` model)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

from sqlmodel import Session

from bot.periods import Period
from bot.report import build_report
from cards.report_html import render_html
from storage import plan_status, repo
from storage.db import session_scope
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import save_plan

NOW = datetime(2016, 9, 1, 9, 0, tzinfo=UTC)


def add_second_plan(engine, *, text: str = "Set up the youth panel") -> None:
    data = PlanData(
        key="yj",
        title="Youth Justice Plan",
        priorities=[PriorityRow(1, "Prevention", "Director (DCS)", ["DCS"])],
        findings=[FindingRow("1.1", 1, "Too few diversions", "Para 12 Rec 3")],
        actions=[ActionRow("1.1.1", "1.1", 1, text, "Sep 16", None, None, None, ["DCS"], ["Police"])],
    )
    with session_scope(engine) as s:
        save_plan(s, data, actor="test", now=NOW)
    with session_scope(engine) as s:
        plan_status.activate(s, "yj", actor="test", now=NOW)


def action_rows(body: str) -> list[str]:
    return re.findall(r'<tr class="action">\s*<th scope="row">([^<]+)</th>', body)


async def signed_in(board) -> str:
    return await board.sign_in(board.issue())


async def test_the_board_shows_every_priority_and_action_of_the_reference_plan(board):
    cookie = await signed_in(board)
    r = await board.get("/board", cookie)
    body = await r.text()
    assert r.status == 200
    assert len(re.findall(r'<h3 id="p\d+-h">Priority \d+:', body)) == 10
    assert len(action_rows(body)) == 307
    assert "Showing 307 of 307 actions" in body
    assert '<a class="skip" href="#main">' in body and "<script" not in body
    assert 'href="/board/static/board.css"' in body and "style=" not in body  # nothing inline
    assert "/board/bromley-2016-17/chart/2016-09/by-priority.png" in body
    # every table has a caption, every header cell a scope
    assert body.count("<table") == body.count("<caption>")
    assert "<th>" not in body


async def test_the_board_counts_are_the_report_models(board):
    cookie = await signed_in(board)
    body = unescape(await (await board.get("/board/bromley-2016-17", cookie)).text())
    with Session(board.rt.engine) as s:
        plan = repo.plan_by_key(s, "bromley-2016-17")
        report = build_report(s, plan, Period.containing(board.rt.clock.now().date()), as_of=board.rt.clock.now())
    for p in report.priorities:
        row = re.search(rf'<a href="#p{p.number}">P{p.number}</a>.*?</tr>', body, re.S).group(0)
        cells = [int(x) for x in re.findall(r'<td class="num">(\d+)</td>', row)]
        assert cells[:5] == [p.counts.red, p.counts.amber, p.counts.green, p.counts.not_rated, p.counts.completed]
    figures = report.figures()
    assert f"<th scope=\"row\">Overdue</th><td class=\"num\">{figures['overdue']}</td>" in body


async def test_a_months_report_page_shows_the_exports_figures(board):
    cookie = await signed_in(board)
    r = await board.get("/board/bromley-2016-17/reports/2016-08", cookie)
    assert r.status == 200
    body = unescape(await r.text())
    with Session(board.rt.engine) as s:
        plan = repo.plan_by_key(s, "bromley-2016-17")
        report = build_report(s, plan, "2016-08", as_of=board.rt.clock.now())
        export = unescape(render_html(report, charts=[]))
    assert "Highlight report — August 2016" in body
    figure_rows = re.compile(r"<t[hd][^>]*>([A-Z][^<]+)</t[hd]><td class=.num.>(\d+)</td>")
    board_figures = dict(figure_rows.findall(body))
    export_figures = dict(figure_rows.findall(export))
    for label in ("Overdue", "No update this round", "Deadlines in the next 30 days", "Completed in the period"):
        assert board_figures[label] == export_figures[label], label
    png = await board.get("/board/bromley-2016-17/chart/2016-08/trend.png", cookie)
    assert png.status == 200 and png.content_type == "image/png"
    assert (await png.read()).startswith(b"\x89PNG")


async def test_unknown_months_charts_and_plans_are_404s(board):
    cookie = await signed_in(board)
    for path in ("/board/bromley-2016-17/reports/2030-01", "/board/bromley-2016-17/reports/nonsense",
                 "/board/bromley-2016-17/chart/2016-08/pie.png", "/board/nope", "/board/nope/recommendations"):
        r = await board.get(path, cookie)
        assert r.status == 404, path


async def test_filters_overdue_red_amber_lead_and_partner(board):
    cookie = await signed_in(board)
    overdue = await (await board.get("/board?show=overdue", cookie)).text()
    assert 0 < len(action_rows(overdue)) < 307
    assert "days overdue" in overdue
    with Session(board.rt.engine) as s:
        from bot.plan_state import load_state

        state = load_state(s, repo.plan_by_key(s, "bromley-2016-17"), board.rt.clock.now())
        expected_overdue = sorted(a.ref for a in state.actions if a.is_overdue)
        police = sorted(a.ref for a in state.actions if "Police" in a.action.partners)
        dcs = sorted(a.ref for a in state.actions if "DCS" in a.action.leads)
    assert sorted(action_rows(overdue)) == expected_overdue
    by_partner = await (await board.get("/board?partner=police", cookie)).text()
    assert sorted(action_rows(by_partner)) == police
    by_lead = await (await board.get("/board?lead=DCS&show=all", cookie)).text()
    assert sorted(action_rows(by_lead)) == dcs
    reds = await (await board.get("/board?show=red_amber", cookie)).text()
    assert "Showing" in reds


async def test_an_unknown_filter_is_a_400_that_lists_the_problem(board):
    cookie = await signed_in(board)
    r = await board.get("/board?show=everything&lead=%3Cscript%3Ealert(1)%3C/script%3E", cookie)
    assert r.status == 400
    body = await r.text()
    assert "is not a choice of what to show" in body
    assert "&lt;script&gt;" in body and "<script>" not in body
    assert len(action_rows(body)) == 307  # the filters left out, the page still shown


async def test_the_view_by_recommendation(board):
    cookie = await signed_in(board)
    r = await board.get("/board/bromley-2016-17/recommendations", cookie)
    body = unescape(await r.text())
    assert r.status == 200
    assert '<h2 id="rec-1-h">Recommendation 1</h2>' in body
    assert "Findings that name paragraphs only" in body
    assert "Para 99 Rec 1 &2" in body


async def test_a_second_plan_has_its_own_page_and_text_is_escaped(reference_engine, clock):
    from tests.board.conftest import start_board

    add_second_plan(reference_engine, text="Panel <b>bold</b> & <script>x()</script>")
    b = await start_board(reference_engine, clock)
    try:
        cookie = await b.sign_in(b.issue())
        r = await b.get("/board/yj", cookie)
        body = await r.text()
        assert r.status == 200
        assert "Youth Justice Plan" in body and len(action_rows(body)) == 1
        assert "&lt;script&gt;x()&lt;/script&gt;" in body and "<script>" not in body
        default = await (await b.get("/board", cookie)).text()
        assert len(action_rows(default)) == 307
        assert 'href="/board/yj"' in default  # the other live plan is one link away
    finally:
        await b.client.close()
