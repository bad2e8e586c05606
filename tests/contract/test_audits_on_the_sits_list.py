"""Thematic audits come round (issue 12), live through the scheduler on SQLite and PostgreSQL:
`audit 4.2.1 due 14 Oct` is set weeks ahead, and from that day the SIT's daily message lists it
("Thematic audits due: 4.2.1 (due 14 Oct)") until an SIT admin clears it; before its day, or
once cleared, the daily message says nothing about audits."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from bot.conversation import Core
from bot.plan_state import load_state
from bot.policy import load_policy
from bot.requests import ChatRequest, Identity
from cards.text import render_all
from scheduler.messages import weekly_digest_views
from scheduler.planned import SIT
from scheduler.tick import Ticker
from storage import repo
from storage.models import Person
from tests.conftest import uk
from tests.fakes.outbound import RecordingChannel

UNLINKED = "hos-cr"  # nobody can reach him, so the SIT has a daily message (the could-not-reach notice)


@pytest.fixture
def core(reference_any_engine, clock):
    clock.set(uk(2016, 9, 20, 10, 0))
    return Core(reference_any_engine, clock)


def ask(core: Core, text: str, who: str = "sit-manager") -> str:
    return render_all(core.handle(ChatRequest(Identity("terminal", who), text=text)).views)


def reachable(engine) -> set[str]:
    with Session(engine) as s:
        return {p.key for p in s.exec(select(Person)).all() if p.key != UNLINKED}


def sits_daily(engine, clock, *days, everyone_reachable: bool = False) -> list[str]:
    """One tick at 09:30 on each day; the words of each of the SIT's daily messages (not the
    digest or the report)."""
    with Session(engine) as s:
        everyone = {p.key for p in s.exec(select(Person)).all()}
    channel = RecordingChannel(reach=everyone if everyone_reachable else reachable(engine))
    ticker = Ticker(engine, clock, load_policy(), {"fake": channel})
    for day in days:
        clock.set(uk(2016, 10, day, 9, 30))
        asyncio.run(ticker.tick())
    return [render_all(m.views) for m in channel.sent if m.to == SIT and m.kind not in ("digest", "report")]


def test_an_audit_joins_the_sits_daily_message_on_its_day_until_cleared(core, clock, reference_any_engine):
    assert "4.2.1 is due a thematic audit" in ask(core, "audit 4.2.1 due 14 Oct")
    (before,) = sits_daily(reference_any_engine, clock, 13)
    assert "could not reach" in before.lower() and "Thematic audits due" not in before
    (on_the_day,) = sits_daily(reference_any_engine, clock, 14)
    assert "Thematic audits due: 4.2.1 (due 14 Oct). `status audits` lists them" in on_the_day
    assert "`audit 4.2.1 off` clears one done" in on_the_day
    (later,) = sits_daily(reference_any_engine, clock, 18)
    assert "Thematic audits due: 4.2.1 (due 14 Oct)" in later  # overdue: still on the list
    assert "Cleared the audit date of 4.2.1" in ask(core, "audit 4.2.1 off")
    after = sits_daily(reference_any_engine, clock, *range(19, 29))
    assert after and not any("Thematic audits due" in text for text in after)


def test_the_weekly_digest_lists_the_audits_due_too(core, reference_any_engine):
    ask(core, "audit 4.2.1 due 14 Oct")
    ask(core, "audit 5.1.1 due 30 Sep")
    with Session(reference_any_engine) as s:
        state = load_state(s, repo.active_plan(s), uk(2016, 10, 17, 9, 0))
        text = render_all(weekly_digest_views(s, state, uk(2016, 10, 17, 9, 0)))
    assert "Thematic audits due: 5.1.1 (due 30 Sep), 4.2.1 (due 14 Oct)." in text
    assert "`audit 5.1.1 off` clears one done" in text


def test_an_audit_day_brings_the_sit_a_message_of_its_own_once(core, clock, reference_any_engine):
    """With everyone reachable the SIT has no daily message on 14 October but for the audit: it
    gets one that day naming it, and not again the next days for the same audit."""
    ask(core, "audit 4.2.1 due 14 Oct")
    assert sits_daily(reference_any_engine, clock, 13, everyone_reachable=True) == []
    (on_the_day,) = sits_daily(reference_any_engine, clock, 14, everyone_reachable=True)
    assert "Thematic audits due: 4.2.1 (due 14 Oct)" in on_the_day
    assert sits_daily(reference_any_engine, clock, 17, 18, everyone_reachable=True) == []
