"""The scheduler's messages by email, live against a real local SMTP server: the reference
plan's people have directory emails and no chat ids, so September's round, chases, escalations
and the SIT's weekly digest all go by email; the reference plan's partner-led actions (Police:
8.3, beside the DCS in 8.4), which today go to the DCS who answers for the Police, go to a
partner contact once the directory names one; and with `delivery.email_fallback` a message
a chat channel refuses for good is sent by email instead."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot import delivery, recipients
from bot.identity import link_identity
from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.tick import Ticker
from storage import repo
from storage.db import session_scope
from storage.models import SendLedger
from storage.plan_data import PersonRow
from storage.plan_store import save_people
from tests.email.conftest import HANNAH, HANNAH_EMAIL, SIT, links_in, nudge_views
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")
POLICY = load_policy()
POLICE = PersonRow(
    key="police-cse",
    name="Pat Constable (fictional)",
    email="pat.constable@police.example.invalid",
    roles=["Police"],
    manager="dcs",
)


async def run_days(rt, first: date, last: date) -> None:
    clock: FixedClock = rt.clock  # type: ignore[assignment]
    ticker = Ticker(rt.engine, clock, POLICY, rt.channels)
    day = first
    while day <= last:
        clock.set(datetime.combine(day, time(9, 0), UK))
        await ticker.tick()
        day += timedelta(days=1)


def rows(rt) -> list[SendLedger]:
    with session_scope(rt.engine) as s:
        found = s.exec(select(SendLedger).order_by(SendLedger.id)).all()
        for r in found:
            s.expunge(r)
        return list(found)


def refs_sent_to(rt, person: str) -> set[str]:
    return {i["ref"] for r in rows(rt) if r.recipient == person for i in r.payload.get("items", []) if i.get("ref")}


async def test_the_round_chases_escalations_and_digest_go_by_email(rt, sink):
    await run_days(rt, date(2016, 9, 1), date(2016, 9, 7))
    sent = rows(rt)
    assert sent and not [r for r in sent if r.status == "unreachable"]
    people = [r for r in sent if r.recipient != "sit"]
    assert all(r.channel == "email" and r.status == "sent" and r.message_ref.startswith("<") for r in people)
    assert {r.message_ref for r in people} == {
        str(m.message["Message-ID"]) for m in sink.received if SIT not in m.rcpt_tos
    }
    rules = {i["rule"].split(".")[0] for r in people for i in r.payload["items"]}
    assert {"round", "chase", "escalation"} <= rules
    # the round's ask to Hannah carries an answer link for each of her actions
    first = sink.to(HANNAH_EMAIL)[0]
    asked = {i["ref"] for r in people if r.recipient == HANNAH for i in r.payload["items"] if i["rule"] == "round"}
    assert asked and asked <= set(links_in(first))
    # the escalation of silence (8.7.x, HOS C&R's, due 31 Aug) reaches the DCS by email
    escalations = [m for m in sink.to("dcs@example.invalid") if m["Subject"].startswith("Escalation:")]
    assert escalations
    # the SIT's weekly digest (Monday 5 September) went to its mailbox
    assert {(r.kind, r.status) for r in sent if r.recipient == "sit"} == {("digest", "sent")}
    assert sink.to(SIT)


async def test_partner_led_actions_go_to_the_partners_email_contact(rt, sink):
    with session_scope(rt.engine) as s:
        plan = repo.active_plan(s)
        police_led = [a for a in repo.plan_actions(s, plan.id) if "Police" in (a.leads or [])]
        today = date(2016, 9, 1)
        assert {a.ref.rsplit(".", 1)[0] for a in police_led} == {"8.3", "8.4"}
        # today: nobody holds the Police role, so the DCS answers for it (people.yaml `bodies`)
        d = recipients.directory(s)
        assert {p.key for a in police_led for p in d.owners(a, today)} == {"dcs"}
        save_people(s, [POLICE], actor="test", now=rt.clock.now(), source="partners.csv")
    with session_scope(rt.engine) as s:
        d = recipients.directory(s)
        sole = [a for a in police_led if a.leads == ["Police"]]
        shared = [a for a in police_led if a.leads == ["DCS", "Police"]]
        assert all([p.key for p in d.owners(a, today)] == ["police-cse"] for a in sole)
        assert all({p.key for p in d.owners(a, today)} == {"dcs", "police-cse"} for a in shared)
    # 8.3.x start on 1 December: the round asks about them from the first working day of December
    # (`ask_before_start_days`)
    await run_days(rt, date(2016, 12, 1), date(2016, 12, 1))
    to_police = refs_sent_to(rt, "police-cse")
    assert {a.ref for a in sole} <= to_police
    assert not {a.ref for a in sole} & refs_sent_to(rt, "dcs")
    [mail] = sink.to(POLICE.email)
    assert set(links_in(mail)) == to_police  # and the partner can answer them in one click


async def test_a_refused_chat_message_falls_back_to_email(rt, sink):
    slack = RecordingChannel(name="slack", fail_always=True, permanent=True)
    email = rt.channels["email"]
    with session_scope(rt.engine) as s:
        link_identity(s, "slack", "U0HANNAH", HANNAH)
    for fallback, expected in ((False, "failed"), (True, "sent")):
        email.fallback = fallback
        outcome = await delivery.send_to_person(
            rt.engine,
            {"slack": slack, "email": email},
            HANNAH,
            nudge_views(rt),
            key=f"msg:hos-scp:fallback-{fallback}",
            kind="nudge",
            now=rt.clock.now(),
            meta={"refs": ["4.2.1", "4.2.2"]},
        )
        assert outcome.status == expected
    assert outcome.channel == "email" and outcome.key.endswith("|fallback:email")
    assert len(sink.to(HANNAH_EMAIL)) == 1  # only with the fallback on
    by_key = {r.key: r for r in rows(rt)}
    assert by_key["msg:hos-scp:fallback-True"].status == "failed"  # the chat attempt stays on the record
    assert by_key["msg:hos-scp:fallback-True|fallback:email"].message_ref == str(sink.to(HANNAH_EMAIL)[0]["Message-ID"])


def test_the_policy_key_is_read():
    assert load_policy().email_fallback is False
    assert dataclasses.replace(load_policy(), email_fallback=True).email_fallback


async def test_a_retry_refused_for_good_falls_back_to_email_too(rt, sink):
    """The scheduler's retry takes the same path as its first send (`bot.delivery.resend`): a
    chat message that failed once and is then refused for good goes by email."""
    slack = RecordingChannel(name="slack", reach={HANNAH}, fail_first=1)
    email = rt.channels["email"]
    email.fallback = True
    clock: FixedClock = rt.clock  # type: ignore[assignment]
    ticker = Ticker(rt.engine, clock, POLICY, {"slack": slack, "email": email}, recipients={HANNAH}, include_sit=False)
    clock.set(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    await ticker.tick()
    [first] = [r for r in rows(rt) if r.recipient == HANNAH]
    assert (first.channel, first.status) == ("slack", "retry") and not sink.to(HANNAH_EMAIL)
    slack.fail_always, slack.permanent = True, True
    clock.set(datetime(2016, 9, 1, 9, 1, tzinfo=UK))
    report = await ticker.tick()
    [outcome] = report.retried
    assert (outcome.status, outcome.channel, outcome.key) == ("sent", "email", f"{first.key}|fallback:email")
    by_key = {r.key: r for r in rows(rt)}
    assert by_key[first.key].status == "failed"
    [mail] = sink.to(HANNAH_EMAIL)
    assert by_key[outcome.key].message_ref == str(mail["Message-ID"])
    assert set(links_in(mail)) == {i["ref"] for i in first.payload["items"] if i.get("ref")}


async def test_a_date_decision_reaches_the_lead_by_email(rt, sink):
    """The SIT approves Hannah's proposed date in chat; she is not on chat, so the next tick
    tells her by email, once, with the new due date."""
    from bot.requests import ChatRequest, Identity

    clock: FixedClock = rt.clock  # type: ignore[assignment]
    clock.set(datetime(2016, 9, 12, 10, 0, tzinfo=UK))
    asked = rt.core.handle(
        ChatRequest(Identity("terminal", HANNAH), text="4.2.1 amber - waiting on HR, new date 30 Nov 2016")
    )
    assert asked.recorded
    decided = rt.core.handle(ChatRequest(Identity("terminal", "sit-manager"), text="status approve 4.2.1"))
    assert "30" in " ".join(getattr(v, "text", "") for v in decided.views)
    await run_days(rt, date(2016, 9, 12), date(2016, 9, 13))
    texts = [m.get_body(preferencelist=("plain",)).get_content() for m in sink.to(HANNAH_EMAIL)]
    told = [t for t in texts if "4.2.1" in t and "30 Nov" in t and "approved" in t.lower()]
    assert len(told) == 1
    decisions = [r for r in rows(rt) if r.kind == "decision"]
    assert [(r.recipient, r.channel, r.status) for r in decisions] == [(HANNAH, "email", "sent")]
