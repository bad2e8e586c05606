"""A person no channel can reach, live, on SQLite and PostgreSQL: the reference plan in
September 2016, everyone linked to Slack but Rhys Carraway (HOS C&R). His messages are recorded
as unreachable, once each (never re-planned tick after tick), his chases follow on schedule,
the escalation of his silence reaches his manager on its day, once, saying he could not be
reached, the SIT is told once per day, and once he is linked he gets his messages as usual.

Expectations are worked out by hand from the plan: 8.7.1–8.7.5 (Priority 8, lead officer DCS)
are led by HOS C&R alone and were due Wed 31 Aug 2016, so they are chased Thu 1 Sep (with the
monthly round's ask) and Mon 5 Sep, and silence is escalated two working days later, Wed 7 Sep,
to the priority's lead officer and his manager, who are both the DCS."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot import delivery
from bot.identity import chat_id, link_identity
from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.preview import preview
from scheduler.tick import Ticker
from storage import repo
from storage.models import Escalation, Person, SendLedger
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")
POLICY = load_policy()
OWNER, NAME, MANAGER = "hos-cr", "Rhys Carraway (fictional)", "dcs"
ACTIONS = {f"8.7.{n}" for n in range(1, 6)}
CHASE1, CHASE2, SILENCE = date(2016, 9, 1), date(2016, 9, 5), date(2016, 9, 7)
LINKED_ON = date(2016, 9, 8)
ROUND_CHASES = (date(2016, 9, 8), date(2016, 9, 12))  # WD6 and WD8 of September
REASON = "no configured channel (fake) can reach them: no linked chat account"


class SlackLike(RecordingChannel):
    """Reaches exactly the people with a Slack user id, as the Slack channel does."""

    def can_reach(self, session, person) -> bool:
        return chat_id(session, person.key, "slack") is not None


def link(engine, keys) -> None:
    with Session(engine) as s:
        for p in s.exec(select(Person)).all():
            if p.key in keys:
                link_identity(s, "slack", f"U{p.key.upper().replace('-', '')}", p.key)
        s.commit()


def everyone_but_the_owner(engine) -> set[str]:
    with Session(engine) as s:
        return {p.key for p in s.exec(select(Person)).all() if p.key != OWNER}


def run_days(engine, channel, first: date, last: date, times=(time(9, 0), time(9, 1), time(13, 0))):
    """Tick at each time of each day; returns (local time, tick report) of every tick."""
    clock = FixedClock(datetime.combine(first, times[0], UK))
    ticker = Ticker(engine, clock, POLICY, {channel.name: channel})
    reports = []

    async def go():
        day = first
        while day <= last:
            for t in times:
                clock.set(datetime.combine(day, t, UK))
                reports.append((clock.now(), await ticker.tick()))
            day += timedelta(days=1)

    asyncio.run(go())
    return reports


def ledger_rows(engine, recipient: str | None = None) -> list[SendLedger]:
    with Session(engine) as s:
        rows = s.exec(select(SendLedger).order_by(SendLedger.id)).all()
    return [r for r in rows if recipient is None or r.recipient == recipient]


def local_day(at: datetime) -> date:
    return (at if at.tzinfo else at.replace(tzinfo=ZoneInfo("UTC"))).astimezone(UK).date()


def notices(channel) -> list[tuple[str, str]]:
    """(person, day) of every 'could not reach' line the SIT received."""
    return [
        (i["owners"][0], i["key"].split(":")[2]) for s in channel.to("sit") for i in s.items() if i["kind"] == "notice"
    ]


def test_an_unreachable_owner_is_recorded_chased_escalated_once_and_reached_once_linked(reference_any_engine):
    engine = reference_any_engine
    link(engine, everyone_but_the_owner(engine))
    channel = SlackLike()
    reports = run_days(engine, channel, date(2016, 9, 1), SILENCE)

    # nothing is planned again after the day's first tick: no re-planning of unreachable messages
    assert all(not r.planned for at, r in reports if at.astimezone(UK).time() != time(9, 0))
    assert not channel.to(OWNER) and not [k for k in channel.attempts if k.startswith(f"msg:{OWNER}:")]
    rows = ledger_rows(engine, OWNER)
    assert rows and all((r.status, r.channel, r.last_error) == ("unreachable", "", REASON) for r in rows)
    days = [local_day(r.claimed_at) for r in rows]
    assert len(days) == len(set(days))  # one per day: the day's message, recorded once
    chased = {
        local_day(r.claimed_at): {
            i["stage"] for i in r.payload["items"] if i["ref"] in ACTIONS and i["rule"] == "chase.due_date"
        }
        for r in rows
    }
    assert chased[CHASE1] == {"chase1"} and chased[CHASE2] == {"chase2"}

    # the escalation of silence reaches the manager on its day, saying why
    escalated = [(s.day, s.to, i) for s in channel.sent for i in s.items("escalation") if i["ref"] in ACTIONS]
    assert {(day, to, i["ref"]) for day, to, i in escalated} == {(SILENCE.isoformat(), MANAGER, ref) for ref in ACTIONS}
    assert all(i["escalation"] == "silence" and i["unreached"] == [OWNER] for _, _, i in escalated)
    assert all(i["reason"].endswith(f"; {NAME} could not be reached by the bot") for _, _, i in escalated)
    message = next(s for s in channel.to(MANAGER) if s.day == SILENCE.isoformat())
    ask = next(v for v in message.views if type(v).__name__ == "EscalationView").ask
    assert f"contact {NAME} directly: the bot has no way to reach them" in ask
    with Session(engine) as s:
        ids = {a.id for a in repo.plan_actions(s, repo.active_plan(s).id) if a.ref in ACTIONS}
        recorded = s.exec(select(Escalation).where(Escalation.reason == "silence")).all()
    assert {(e.action_id, e.to_person_key) for e in recorded if e.action_id in ids} == {(i, MANAGER) for i in ids}

    # the SIT heard of him once on each of those days, and of nobody else
    told = notices(channel)
    assert sorted(told) == sorted((OWNER, d.isoformat()) for d in days)
    assert max(Counter(told).values()) == 1
    sit_line = next(
        i["reason"]
        for s in channel.to("sit")
        for i in s.items()
        if i["kind"] == "notice" and i["key"].endswith("-09-01:notice@sit")
    )
    assert sit_line.startswith(f"{NAME} ({OWNER}) on Thu 1 Sep: {REASON}; not delivered: round: ")
    text = next(v.text for s in channel.to("sit") for v in s.views if "could not reach" in getattr(v, "text", ""))
    assert "`actionbot people check`" in text

    digest = next(s for s in channel.to("sit") if s.kind == "digest" and s.day == "2016-09-05")
    assert f"no channel could reach 1 person: {OWNER}." in digest.views[-1].text

    # linked: his next messages go out as usual, and the SIT hears no more of him
    link(engine, {OWNER})
    run_days(engine, channel, LINKED_ON, date(2016, 9, 16))
    got = [(s.day, {i["stage"] for i in s.items("nudge") if i["rule"] == "chase.round"}) for s in channel.to(OWNER)]
    assert [(d.isoformat(), {f"chase{k}"}) for k, d in enumerate(ROUND_CHASES, 1)] == [g for g in got if g[1]]
    assert all(r.status == "sent" for r in ledger_rows(engine, OWNER) if local_day(r.claimed_at) >= LINKED_ON)
    assert sorted(notices(channel)) == sorted(told)
    # the due date's escalation went once; the round's silence (his chases reached him) says nothing of reach
    again = [(s.day, i) for s in channel.sent for i in s.items("escalation") if i["ref"] in ACTIONS]
    assert [d for d, i in again if i["series"].startswith("esc-due:")] == [SILENCE.isoformat()] * len(ACTIONS)
    later = [i for d, i in again if i["series"].startswith("esc-round:")]
    assert later and all(i["unreached"] == [] and "could not be reached" not in i["reason"] for i in later)


def test_the_preview_lists_what_the_live_bot_records_and_sends(reference_any_engine):
    engine = reference_any_engine
    link(engine, everyone_but_the_owner(engine))
    channel = SlackLike()
    run_days(engine, channel, date(2016, 9, 1), date(2016, 9, 9), times=(time(9, 0),))
    lived = {(local_day(r.claimed_at), r.recipient, r.key) for r in ledger_rows(engine) if r.status == "unreachable"}
    lived |= {(date.fromisoformat(s.day), s.to, s.key) for s in channel.sent}
    with Session(engine) as s:
        rows = preview(s, repo.active_plan(s), POLICY, {channel.name: channel}, date(2016, 9, 1), date(2016, 9, 10))
    assert {(r.message.local_at.date(), r.message.recipient, r.message.key) for r in rows} == lived
    assert {r.channel for r in rows if r.message.recipient == OWNER} == {"unreachable"}
    assert {r.channel for r in rows if r.message.recipient != OWNER} == {"fake"}
    assert any("notice" in r.message.kind for r in rows if r.message.recipient == "sit")


def test_a_manual_nudge_to_someone_out_of_reach_is_recorded_and_the_sit_is_told(reference_any_engine):
    from bot.views import NoticeView

    engine = reference_any_engine
    link(engine, everyone_but_the_owner(engine))
    channel = SlackLike()
    now = datetime(2016, 9, 2, 9, 30, tzinfo=UK)
    key = "nudge:manual:hos-cr:8.7.1:20160902T093000"
    outcome = asyncio.run(
        delivery.send_to_person(
            engine,
            {"fake": channel},
            OWNER,
            [NoticeView("x")],
            key=key,
            kind="nudge",
            now=now,
            meta={"refs": ["8.7.1"]},
        )
    )
    assert (outcome.status, outcome.detail) == ("unreachable", REASON)
    again = asyncio.run(
        delivery.send_to_person(engine, {"fake": channel}, OWNER, [NoticeView("x")], key=key, kind="nudge", now=now)
    )
    assert again.status == "duplicate"
    assert [(r.key, r.status) for r in ledger_rows(engine, OWNER)] == [(key, "unreachable")]
    run_days(engine, channel, date(2016, 9, 2), date(2016, 9, 2), times=(time(9, 31), time(10, 0)))
    assert notices(channel) == [(OWNER, "2016-09-02")]
    line = next(i["reason"] for s in channel.to("sit") for i in s.items() if i["kind"] == "notice")
    # the same day he was due his round ask and chase (the scheduler's first tick that day): one line
    assert "not delivered: `actionbot nudge` 8.7.1; round: " in line
