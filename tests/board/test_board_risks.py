"""The risks and issues log on the board (issue 12): added and closed through the real chat core,
read over HTTP with a session; the tables agree with the highlight report model, and a closed
line is never listed as open."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import Session

from bot.periods import Period
from bot.report import build_report
from bot.requests import ChatRequest, Identity
from storage import repo

RISK = 'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP'
ISSUE = 'issue p4 add "Caseloads above 20" owner HOS S&CP action "Two agency workers from Nov" date 30/11/2016'


def say(board, text: str, who: str = "hos-scp") -> str:
    reply = board.rt.core.handle(ChatRequest(Identity("terminal", who), text=text))
    return " ".join(getattr(v, "text", "") for v in reply.views)


def table(body: str, caption: str) -> str:
    """The table whose caption starts with `caption` ('' if there is none)."""
    found = re.search(rf"<table[^>]*>\s*<caption>{re.escape(caption)}.*?</table>", body, re.S)
    return found.group(0) if found else ""


def rows(html: str) -> list[list[str]]:
    """Each body row's cells as text (the row header first)."""
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", html.split("<tbody>", 1)[-1], re.S):
        out.append([re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)])
    return out


async def test_a_risk_added_in_chat_shows_on_the_board_with_every_field(board):
    assert "Logged R1" in say(board, RISK + ' mitigation "Recruitment drive with HR" review Dec 16')
    assert "Logged I1" in say(board, ISSUE)
    cookie = await board.sign_in(board.issue())
    r = await board.get("/board", cookie)
    assert r.status == 200
    body = unescape(await r.text())
    risks = table(body, "Priority 4: open risks (1)")
    assert rows(risks) == [[
        "R1", "Agency social workers leaving", "High", "Medium", "HOS S&CP", "Recruitment drive with HR", "31 Dec 2016"
    ]]
    assert '<th scope="col">Review date</th>' in risks
    issues = table(body, "Priority 4: open issues (1)")
    assert rows(issues) == [["I1", "Caseloads above 20", "HOS S&CP", "Two agency workers from Nov", "30 Nov 2016"]]
    assert '<section id="risks" aria-labelledby="risks-h">' in body and 'id="p4-log"' in body
    assert '<a href="#p4-log">1 open risks, 1 open issues</a>' in body  # from the priority's actions
    # every table still has a caption, every header cell a scope
    assert body.count("<table") == body.count("<caption>") and "<th>" not in body
    # the counts are the highlight report's figures
    with Session(board.rt.engine) as s:
        plan = repo.plan_by_key(s, "bromley-2016-17")
        now = board.rt.clock.now()
        figures = build_report(s, plan, Period.containing(now.date()), as_of=now).figures()
    assert (figures["open_risks"], figures["open_issues"]) == (1, 1)
    counts = table(body, "Open risks and issues by priority")
    p4 = next(r for r in rows(counts) if r[0].startswith("P4 "))
    assert p4[1:] == ["1", "1", "0"]
    assert re.search(r"<tfoot><tr><th scope=\"row\">Total</th><td class=\"num\">1</td><td class=\"num\">1</td>", counts)
    # the month so far on the board renders the same lines; August's report predates them
    month = unescape(await (await board.get("/board/bromley-2016-17/reports/2016-09", cookie)).text())
    assert "Risks and issues (1 open risks, 1 open issues)" in month
    assert rows(table(month, "Priority 4: open risks (1)"))[0][0] == "R1"
    august = unescape(await (await board.get("/board/bromley-2016-17/reports/2016-08", cookie)).text())
    assert "Agency social workers leaving" not in august


async def test_a_closed_risk_is_not_listed_as_open(board):
    say(board, RISK)
    say(board, 'risk p4 add "Court delays" impact medium likelihood low owner HOS S&CP')
    assert "Closed R1" in say(board, "risk R1 close - agency staff retained on contract")
    cookie = await board.sign_in(board.issue())
    body = unescape(await (await board.get("/board/bromley-2016-17", cookie)).text())
    open_risks = table(body, "Priority 4: open risks")
    assert [r[0] for r in rows(open_risks)] == ["R2"]
    assert "Agency social workers leaving" not in open_risks
    closed = table(body, "Priority 4: closed in September 2016 so far")
    assert rows(closed) == [[
        "R1", "Risk (closed)", "Agency social workers leaving", "HOS S&CP", "agency staff retained on contract"
    ]]
    p4 = next(r for r in rows(table(body, "Open risks and issues by priority")) if r[0].startswith("P4 "))
    assert p4[1:] == ["1", "0", "1"]
    assert '<a href="#p4-log">1 open risks, 0 open issues</a>' in body
    # closed in an earlier month: gone from the plan now, still in that month's report
    board.rt.clock.set(board.rt.clock.now().replace(month=10, day=3))
    cookie = await board.sign_in(board.issue())  # the 8-hour session ran out
    later = unescape(await (await board.get("/board/bromley-2016-17", cookie)).text())
    assert "Agency social workers leaving" not in later and "Court delays" in later
    september = unescape(await (await board.get("/board/bromley-2016-17/reports/2016-09", cookie)).text())
    assert "Risks and issues (1 open risks, 0 open issues)" in september
    assert "agency staff retained on contract" in table(september, "Priority 4: closed in September 2016")


async def test_with_no_log_the_board_says_so(board):
    cookie = await board.sign_in(board.issue())
    body = unescape(await (await board.get("/board", cookie)).text())
    section = body.split('<section id="risks"', 1)[1].split("</section>", 1)[0]
    assert "No risks or issues logged." in section and "open risks (" not in section
