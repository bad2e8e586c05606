"""The answer pages in a real browser: Debian's Chromium driven by Playwright (launched from
/usr/bin/chromium, `make browser` installs it; Playwright's own browser download is never
used), with JavaScript switched off, as a locked-down mail client's browser may be. A person
clicks Green and confirms; opens Amber, submits without a reason, finds the error named at the
top and beside the note, fixes it and sends; keyboard focus is visible throughout."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright
from sqlmodel import select

from storage.db import session_scope
from storage.models import Action, ActionUpdate
from tests.email.conftest import HANNAH_EMAIL, links_in, send_nudge

CHROMIUM = "/usr/bin/chromium"
PUBLIC = "http://localhost:3978"


@pytest.fixture
async def page():
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(java_script_enabled=False)
        yield await context.new_page()
        await browser.close()


async def links(rt, sink, served):
    await send_nudge(rt)
    [msg] = sink.to(HANNAH_EMAIL)
    return {ref: {c: u.replace(PUBLIC, served.url) for c, u in by.items()} for ref, by in links_in(msg).items()}


def recorded(rt):
    with session_scope(rt.engine) as s:
        rows = s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email")).all()
        return [(s.get(Action, u.action_id).ref, u.rag, u.note) for u in rows]


async def test_green_in_one_click_and_a_second_click_is_refused(rt, sink, served, page):
    by = await links(rt, sink, served)
    response = await page.goto(by["4.2.1"]["green"])
    assert response.status == 200
    assert await page.get_by_role("heading", level=1).inner_text() == "Record Green for 4.2.1"
    assert recorded(rt) == []  # the page alone records nothing
    await page.get_by_role("button", name="Record Green for 4.2.1").click()
    await page.wait_for_load_state()
    assert "your update is recorded" in await page.get_by_role("heading", level=1).inner_text()
    assert recorded(rt) == [("4.2.1", "green", "")]
    response = await page.goto(by["4.2.1"]["green"])  # the same link again: spent
    assert response.status == 409
    assert await page.get_by_role("heading", level=1).inner_text() == "This link has already been used"
    assert await page.get_by_role("button").count() == 0
    assert recorded(rt) == [("4.2.1", "green", "")]


async def test_amber_form_errors_are_tied_to_the_field(rt, sink, served, page):
    by = await links(rt, sink, served)
    await page.goto(by["4.2.2"]["amber"])
    assert await page.title() == "Update 4.2.2 — actionbot"
    amber = page.get_by_label("Amber")
    assert await amber.is_checked()
    note = page.get_by_label("Note")
    assert await note.get_attribute("maxlength") == "280"
    await page.get_by_role("button", name="Send update").click()
    await page.wait_for_load_state()
    assert (await page.title()).startswith("Error: ")
    summary = page.get_by_role("alert")
    assert "There is a problem" in await summary.inner_text()
    note = page.get_by_label("Note")
    assert await note.get_attribute("aria-invalid") == "true"
    described = (await note.get_attribute("aria-describedby")).split()
    assert "note-error" in described
    assert "Error:" in await page.locator("#note-error").inner_text()
    assert recorded(rt) == []
    await note.fill("waiting on HR")
    await page.get_by_label("Proposed new due date (optional)").fill("31 Mar 2017")
    await page.get_by_role("button", name="Send update").click()
    await page.wait_for_load_state()
    assert "recorded" in await page.get_by_role("heading", level=1).inner_text()
    assert recorded(rt) == [("4.2.2", "amber", "waiting on HR")]


async def test_keyboard_focus_is_visible(rt, sink, served, page):
    by = await links(rt, sink, served)
    await page.goto(by["4.2.1"]["update"])
    for _ in range(8):
        await page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if await focused.count() and await focused.evaluate("e => e.tagName") == "BUTTON":
            break
    else:
        pytest.fail("the submit button is not reachable by keyboard")
    outline = await focused.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline.startswith("solid") and outline.endswith("3px")
