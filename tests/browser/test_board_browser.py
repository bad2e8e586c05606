"""The board in a real browser: Debian's Chromium driven by Playwright (no browser download).

What a person does: asks for `board` in chat, opens the link, presses the button, reads the
plan; what a board's clerk does with a link from `actionbot board link`; what happens when the
SIT revokes it. The cookie's flags are read back from the browser itself (Chromium keeps a
`Secure` cookie set by http://127.0.0.1, a potentially trustworthy origin). axe-core, from the
committed package-lock.json (`make browser`), checks every kind of page for serious or critical
accessibility violations (WCAG 2.x A and AA rules, 2.2 included).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.board_access import BoardLinks
from bot.config import Settings
from bot.requests import ChatRequest, Identity
from bot.runtime import build_runtime
from tests.board.conftest import SECRET_KEY
from tests.board.test_board_pages import add_second_plan
from tests.browser.served import AXE, CHROMIUM, served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def board(reference_engine, clock):
    add_second_plan(reference_engine)
    settings = Settings(_env_file=None, database_url=str(reference_engine.url), actionbot_secret_key=SECRET_KEY)
    rt = build_runtime(settings, engine=reference_engine, clock=clock)
    with served(rt) as base:
        rt.core.board = BoardLinks(base, SECRET_KEY)  # the port is known once the server listens
        yield rt, base


def chat_link(rt, person: str = "dcs") -> str:
    """`board` typed in chat (the terminal channel, through the core like every channel)."""
    reply = rt.core.handle(ChatRequest(Identity("terminal", person), text="board"))
    text = " ".join(getattr(v, "text", "") for v in reply.views)
    assert reply.private
    return re.search(r"(http://\S+/board/link/\S+)", text).group(1)


def open_link(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Open the board").click()
    page.wait_for_load_state()


def test_no_session_is_a_401_page_with_no_plan_data(browser, board):
    _, base = board
    page = browser.new_page()
    response = page.goto(f"{base}/board")
    assert response.status == 401
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to read the board"
    assert "Priority" not in page.content()
    page.close()


def test_a_personal_link_opens_the_whole_reference_plan(browser, board):
    rt, base = board
    context = browser.new_context()
    page = context.new_page()
    link = chat_link(rt)
    open_link(page, link)
    assert page.url == f"{base}/board/bromley-2016-17"
    assert page.locator("h3", has_text=re.compile(r"^Priority \d+:")).count() == 10
    assert page.locator("tr.action").count() == 307
    (cookie,) = [c for c in context.cookies() if c["name"] == "actionbot_board"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # the filters are a plain GET form, usable from the keyboard
    page.get_by_label("Show").select_option("overdue")
    page.get_by_role("button", name="Apply filters").press("Enter")
    page.wait_for_load_state()
    assert "show=overdue" in page.url
    assert 0 < page.locator("tr.action").count() < 307
    # the same link does not work twice
    second = context.new_page()
    response = second.goto(link)
    assert response.status == 403
    assert "already been used" in second.content()
    context.close()


def test_a_revoked_board_link_is_refused(browser, board, monkeypatch, capsys):
    from actionbot.cli import main

    rt, base = board
    monkeypatch.setenv("ACTIONBOT_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("ACTIONBOT_PUBLIC_URL", base)
    db = ["--database-url", str(rt.engine.url), "--as-of", "2016-09-14"]
    assert main([*db, "board", "link", "--name", "Improvement Board", "--days", "30"]) == 0
    url = re.search(r"(http://\S+/board/link/\S+)", capsys.readouterr().out).group(1)
    context = browser.new_context()
    page = context.new_page()
    open_link(page, url)
    assert page.locator("tr.action").count() == 307
    assert main([*db, "board", "links"]) == 0
    listing = capsys.readouterr().out
    link_id = re.search(r"^([0-9a-f]+)\s+Improvement Board\s+every live plan\s.*live$", listing, re.M).group(1)
    assert main([*db, "board", "revoke", link_id]) == 0
    later = browser.new_context().new_page()
    response = later.goto(url)
    assert response.status == 403
    assert "withdrawn" in later.content()
    assert later.get_by_role("button", name="Open the board").count() == 0
    context.close()


def test_a_second_plan_shows_on_its_own_page(browser, board):
    rt, base = board
    context = browser.new_context()
    page = context.new_page()
    open_link(page, chat_link(rt))
    page.get_by_role("link", name=re.compile("Youth Justice Plan")).click()
    page.wait_for_load_state()
    assert page.url == f"{base}/board/yj"
    assert page.get_by_role("heading", level=1).inner_text() == "Youth Justice Plan"
    assert page.locator("tr.action").count() == 1
    context.close()


def test_axe_finds_no_serious_or_critical_violations(browser, board):
    rt, base = board
    # axe is injected as a script: the board's CSP (rightly) refuses inline scripts, so only
    # this test's context bypasses it
    # a risk, an issue and a closed risk, so the risks and issues tables are checked too
    for text in (
        'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP',
        'issue p4 add "Caseloads above 20" owner HOS S&CP action "Two agency workers" date 30/11/2016',
        'risk p4 add "Court delays" impact medium likelihood low owner HOS S&CP',
        "risk R2 close - listing resolved",
    ):
        rt.core.handle(ChatRequest(Identity("terminal", "hos-scp"), text=text))
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    pages = [f"{base}/board"]
    page.goto(pages[0])
    found = _serious(page)
    open_link(page, chat_link(rt))
    for path in ("/board/bromley-2016-17",
                 "/board/bromley-2016-17/recommendations", "/board/bromley-2016-17/reports/2016-08",
                 "/board/bromley-2016-17/reports/2016-09", "/board/yj"):
        page.goto(base + path)
        if path == "/board/bromley-2016-17":
            assert page.get_by_role("table", name=re.compile("Priority 4: open risks")).count() == 1
        found += _serious(page)
    assert found == [], "\n".join(found)
    context.close()


def _serious(page: Page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} ×{len(v['nodes'])}, e.g. {v['nodes'][0]['target']}"
        f" {v['nodes'][0].get('failureSummary', '')[:200]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
