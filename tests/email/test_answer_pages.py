"""The answer pages at `/u/<token>` over HTTP: opening a link (a GET, as a mail scanner's
prefetch does) records nothing; confirming records through the core, once; a forged, altered,
expired or reused link is a clear page with a 4xx and nothing recorded; a refused answer comes
back on the form with the error beside its field and a fresh link."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine
from sqlmodel import select

from bot import delivery
from storage import plan_status, repo
from storage.db import session_scope
from storage.models import Action, ActionUpdate, AuditEvent
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow
from storage.plan_store import save_plan
from tests.email.conftest import HANNAH, HANNAH_EMAIL, links_in, nudge_views, send_nudge

PUBLIC = "http://localhost:3978"


async def links(rt, sink, served) -> dict[str, dict[str, str]]:
    await send_nudge(rt)
    [msg] = sink.to(HANNAH_EMAIL)
    return {ref: {c: u.replace(PUBLIC, served.url) for c, u in by.items()} for ref, by in links_in(msg).items()}


def recorded(rt) -> list[tuple[str, str, str]]:
    with session_scope(rt.engine) as s:
        return [
            (s.get(Action, u.action_id).ref, u.rag, u.note)
            for u in s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email")).all()
        ]


async def get(served, url):
    async with served.http.get(url) as r:
        return r.status, await r.text()


async def post(served, url, data):
    async with served.http.post(url.split("?")[0], data=data) as r:
        return r.status, await r.text()


async def test_opening_a_link_records_nothing(rt, sink, served):
    by = await links(rt, sink, served)
    for choice in ("green", "completed", "amber", "red", "update"):
        status, html = await get(served, by["4.2.1"][choice])
        assert status == 200 and "4.2.1" in html
    assert recorded(rt) == []
    status, html = await get(served, by["4.2.1"]["green"])
    assert '<form method="post"' in html and "Record Green for 4.2.1" in html


async def test_green_is_recorded_once(rt, sink, served):
    by = await links(rt, sink, served)
    status, html = await post(served, by["4.2.1"]["green"], {"choice": "green"})
    assert status == 200 and "recorded" in html
    assert recorded(rt) == [("4.2.1", "green", "")]
    status, html = await post(served, by["4.2.1"]["green"], {"choice": "green"})
    assert status == 409 and "already been used" in html
    status, html = await post(served, by["4.2.1"]["amber"], {"choice": "update", "rag": "red", "note": "late"})
    assert status == 409  # one answer per action and email: the link is spent
    assert recorded(rt) == [("4.2.1", "green", "")]
    # the other action's link is its own
    status, _ = await post(served, by["4.2.2"]["update"], {"choice": "update", "rag": "amber", "note": "waiting on HR"})
    assert status == 200
    assert recorded(rt) == [("4.2.1", "green", ""), ("4.2.2", "amber", "waiting on HR")]


async def test_forged_and_altered_links_are_refused(rt, sink, served):
    by = await links(rt, sink, served)
    url = by["4.2.1"]["green"]
    token = url.split("/u/")[1].split("?")[0]
    altered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    for bad in (altered, served.url + "/u/not-a-token?choice=green", served.url + "/u/" + "x" * 300):
        status, html = await get(served, bad)
        assert status == 400 and "not valid" in html
        status, _ = await post(served, bad, {"choice": "green"})
        assert status == 400
    assert recorded(rt) == []


async def test_an_expired_link_is_refused(rt, sink, served):
    by = await links(rt, sink, served)
    rt.clock.advance(timedelta(days=14, minutes=1))
    status, html = await get(served, by["4.2.1"]["green"])
    assert status == 410 and "expired" in html
    assert (await post(served, by["4.2.1"]["green"], {"choice": "green"}))[0] == 410
    assert recorded(rt) == []


async def test_amber_without_a_reason_comes_back_with_the_error_on_the_note(rt, sink, served):
    by = await links(rt, sink, served)
    status, html = await post(served, by["4.2.1"]["amber"], {"choice": "update", "rag": "amber", "note": ""})
    assert status == 422
    assert 'aria-invalid="true"' in html and 'id="note-error"' in html
    assert recorded(rt) == []
    fresh = html.split('<form method="post" action="')[1].split('"')[0]
    assert fresh.startswith("/u/") and fresh not in by["4.2.1"]["amber"]
    status, html = await post(served, served.url + fresh, {"choice": "update", "rag": "amber", "note": "waiting on HR"})
    assert status == 200
    assert recorded(rt) == [("4.2.1", "amber", "waiting on HR")]


async def test_completed_needs_its_evidence(rt, sink, served):
    by = await links(rt, sink, served)
    status, html = await post(served, by["4.2.1"]["completed"], {"choice": "completed"})
    assert status == 422 and "note-error" in html
    assert recorded(rt) == []


async def test_field_checks_run_before_the_link_is_spent(rt, sink, served):
    by = await links(rt, sink, served)
    url = by["4.2.1"]["update"]
    status, html = await post(served, url, {"choice": "update", "rag": "amber", "note": "x" * 281})
    assert status == 422 and "280" in html
    status, html = await post(served, url, {"choice": "update", "rag": "purple", "note": "why"})
    assert status == 422 and 'id="rag-error"' in html
    status, _ = await post(served, url, {"choice": "nonsense"})
    assert status == 400
    status, _ = await post(served, url, {"choice": "update", "rag": "red", "note": "blocked by IT"})
    assert status == 200
    assert recorded(rt) == [("4.2.1", "red", "blocked by IT")]


async def test_a_proposed_date_goes_through_the_core(rt, sink, served):
    by = await links(rt, sink, served)
    data = {"choice": "update", "rag": "amber", "note": "needs longer", "proposed_date": "31 Mar 2017"}
    status, html = await post(served, by["4.2.1"]["amber"], data)
    assert status == 200 and "awaiting SIT approval" in html
    with session_scope(rt.engine) as s:
        [u] = s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email")).all()
        assert str(u.proposed_due) == "2017-03-31"


async def test_the_link_use_is_audited(rt, sink, served):
    by = await links(rt, sink, served)
    await post(served, by["4.2.1"]["green"], {"choice": "green"})
    with session_scope(rt.engine) as s:
        kinds = [e.kind for e in s.exec(select(AuditEvent).where(AuditEvent.kind.like("link_%"))).all()]
    assert kinds.count("link_issued") == 2 and kinds.count("link_used") == 1


async def test_an_outage_while_recording_answers_503_and_the_link_still_works(rt, sink, served, tmp_path):
    """The link is spent in its own transaction before the core records: when the core cannot
    reach its database the use is undone, so the same link records once the database is back."""
    by = await links(rt, sink, served)
    working = rt.core.engine
    rt.core.engine = create_engine(f"sqlite:///{tmp_path}/no-such-dir/actionbot.db")  # cannot be opened
    try:
        status, html = await post(served, by["4.2.1"]["green"], {"choice": "green"})
    finally:
        rt.core.engine = working
    assert status == 503 and "temporarily unavailable" in html
    assert recorded(rt) == []
    status, html = await post(served, by["4.2.1"]["green"], {"choice": "green"})
    assert status == 200 and "recorded" in html
    assert recorded(rt) == [("4.2.1", "green", "")]
    assert (await post(served, by["4.2.1"]["green"], {"choice": "green"}))[0] == 409
    with session_scope(rt.engine) as s:
        kinds = [e.kind for e in s.exec(select(AuditEvent).where(AuditEvent.kind.like("link_%"))).all()]
    assert kinds.count("link_released") == 1 and kinds.count("link_used") == 2


async def test_a_core_failure_leaves_the_link_usable(rt, sink, served):
    """Not an outage but a failure all the same (here the core's database has no tables): an
    error status, nothing recorded, and the link is given back."""
    by = await links(rt, sink, served)
    working = rt.core.engine
    rt.core.engine = create_engine("sqlite://")
    try:
        status, _ = await post(served, by["4.2.2"]["update"], {"choice": "update", "rag": "amber", "note": "HR"})
    finally:
        rt.core.engine = working
    assert status >= 500
    assert recorded(rt) == []
    status, _ = await post(served, by["4.2.2"]["update"], {"choice": "update", "rag": "amber", "note": "HR"})
    assert status == 200
    assert recorded(rt) == [("4.2.2", "amber", "HR")]


async def test_an_id_two_live_plans_share_is_recorded_on_the_links_plan(rt, sink, served):
    """A second live plan also has 4.2.1: the link remembers its plan (from the message's
    `plans`, as the scheduler sends it), the page passes it to the core, and the answer is
    recorded on that plan instead of being refused as ambiguous."""
    with session_scope(rt.engine) as s:
        reference = repo.active_plan(s)
        reference_key, reference_id = reference.key, reference.id
        leads = s.exec(select(Action).where(Action.plan_id == reference_id, Action.ref == "4.2.1")).one().leads
        other = PlanData(
            key="yj",
            title="Youth Justice Plan",
            priorities=[PriorityRow(4, "Safeguarding", "Director (DCS)", ["DCS"])],
            findings=[FindingRow("4.2", 4, "A finding")],
            actions=[ActionRow("4.2.1", "4.2", 4, "The same id, another plan", "Sep 16", None, None, None, leads)],
        )
        save_plan(s, other, actor="test", now=rt.clock.now())
        plan_status.activate(s, "yj", actor="test", now=rt.clock.now())
    key = "msg:hos-scp:2016-09-14"
    await delivery.send_to_person(  # as the scheduler sends it: each action's plan in `plans`
        rt.engine,
        rt.channels,
        HANNAH,
        nudge_views(rt, ("4.2.1",), "Hello Hannah"),
        key=key,
        kind="nudge",
        now=rt.clock.now(),
        meta={"refs": ["4.2.1"], "ledger_key": key, "plans": {"4.2.1": reference_key}},
    )
    [msg] = sink.to(HANNAH_EMAIL)
    url = links_in(msg)["4.2.1"]["green"].replace(PUBLIC, served.url)
    status, html = await post(served, url, {"choice": "green"})
    assert status == 200 and "recorded" in html
    with session_scope(rt.engine) as s:
        [u] = s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email")).all()
        assert s.get(Action, u.action_id).plan_id == reference_id
