"""September 2016 of the reference plan, live: the reconcile tick runs on a FixedClock stepped
through the month (nobody answers), on SQLite and on PostgreSQL, sending through a recording
channel. Expectations are worked out here from the plan's YAML and the people directory, with
the month's calendar written out by hand, not from the scheduler's code."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlmodel import Session, select

from bot.policy import load_policy
from bot.runtime import import_reference
from domain.clock import FixedClock
from scheduler.preview import preview
from scheduler.tick import Ticker
from storage import repo
from storage.db import make_engine, upgrade
from storage.models import Escalation, SendLedger
from storage.reference import REFERENCE_DIR, load_reference_people, load_reference_plan
from tests.conftest import _pg_engine
from tests.fakes.outbound import RecordingChannel

UK = ZoneInfo("Europe/London")
SEPT = [date(2016, 9, d) for d in range(1, 31)]
WORKING = [d for d in SEPT if d.weekday() < 5]  # no bank holiday in September 2016
ROUND_OPENS, ROUND_CLOSES = date(2016, 9, 1), date(2016, 9, 8)  # working days 1 and 6 (deadline: 5th, Wed 7th)
CHASE1, CHASE2, SILENCE = date(2016, 9, 8), date(2016, 9, 12), date(2016, 9, 14)  # WD6, WD8, WD10
# August's indicator readings: asked with the round (WD1), due by WD5, chased on WD6 and WD8
READINGS_ASK, READINGS_CHASES = ROUND_OPENS, (CHASE1, CHASE2)
PRE10, PRE3, DUE = date(2016, 9, 16), date(2016, 9, 27), date(2016, 9, 30)  # for actions due Fri 30 Sep
MONDAYS = [date(2016, 9, 5), date(2016, 9, 12), date(2016, 9, 19), date(2016, 9, 26)]
ASK_STARTS_BY = date(2016, 10, 1)  # the round of 1 Sep asks about actions starting within 30 days
OVERDUE_BY_SEP_1 = date(2016, 8, 17)  # due on or before: 10 working days late on 1 Sep (29 Aug a holiday)


class Directory:
    """Owners worked out from people.yaml: role holders, a group's members' holders (All HOS),
    or the role answering for a body."""

    def __init__(self):
        raw = yaml.safe_load((REFERENCE_DIR / "people.yaml").read_text(encoding="utf-8"))
        self.people = {p.key: p for p in load_reference_people()}
        self.bodies = {b["role"]: b["represented_by"] for b in raw["bodies"]}
        self.members = {b["role"]: b.get("members") or [] for b in raw["bodies"]}

    def holders(self, role: str) -> set[str]:
        found = {k for k, p in self.people.items() if role in p.roles}
        if not found:
            found = {k for k, p in self.people.items() if set(self.members.get(role, [])) & set(p.roles)}
        if not found and role in self.bodies:
            found = {k for k, p in self.people.items() if self.bodies[role] in p.roles}
        return found

    def owners(self, leads) -> set[str]:
        return set().union(*(self.holders(r) for r in leads)) if leads else set()

    def indicator_owners(self, owner_role) -> set[str]:
        """The owner role's holders, else the performance officers, else the SIT channel."""
        found = self.holders(owner_role) if owner_role else set()
        found = found or {k for k, p in self.people.items() if p.performance_officer}
        return found or {"sit"}

    def escalation_targets(self, leads, priority_roles) -> set[str]:
        owners = self.owners(leads)
        lead = set().union(*(self.holders(r) for r in priority_roles))
        managers = {self.people[o].manager for o in owners if self.people[o].manager}
        return ((lead | managers) - owners) or (managers - owners) or {"sit"}


@pytest.fixture(scope="module")
def expected():
    plan = load_reference_plan()
    d = Directory()
    open_actions = [a for a in plan.actions if not a.completed]
    leads_of = {p.number: p.lead_roles for p in plan.priorities}
    by_owner: dict[str, set[str]] = defaultdict(set)
    due_30_sep: dict[str, set[str]] = defaultdict(set)
    late_on_sep_1: dict[str, set[str]] = defaultdict(set)
    chased: dict[str, set[str]] = defaultdict(set)
    # the round asks about the actions started by 1 October (30 days after it opens:
    # `ask_before_start_days`), and chases those not due in September (their due-date reminders ask)
    asked = [a for a in open_actions if a.start is None or a.start <= ASK_STARTS_BY]
    due_in_sept = {a.ref for a in asked if a.due and SEPT[0] <= a.due <= SEPT[-1]}
    for a in asked:
        for o in d.owners(a.leads):
            by_owner[o].add(a.ref)
            if a.ref not in due_in_sept:
                chased[o].add(a.ref)
            if a.due == date(2016, 9, 30):
                due_30_sep[o].add(a.ref)
            if a.due and a.due < date(2016, 9, 1):
                late_on_sep_1[o].add(a.ref)
    silence: dict[str, set[str]] = defaultdict(set)
    overdue: dict[str, set[str]] = defaultdict(set)
    for a in open_actions:
        for t in d.escalation_targets(a.leads, leads_of[a.priority_number]):
            # the round's silence (chased, never answered), or a due date's: due Wed 7 Sep,
            # chased Thu 8 and Mon 12, silent two working days later, on the 14th too
            if (a in asked and a.ref not in due_in_sept) or a.due == date(2016, 9, 7):
                silence[t].add(a.ref)
            if a.due and a.due <= OVERDUE_BY_SEP_1:
                overdue[t].add(a.ref)
    readings: dict[str, set[str]] = defaultdict(set)
    for ind in yaml.safe_load((REFERENCE_DIR / "indicators.yaml").read_text(encoding="utf-8")):
        for o in d.indicator_owners(ind.get("owner_role")):
            readings[o].add(ind["code"])
    return {
        "by_owner": by_owner,
        "chased": chased,
        "due_30_sep": due_30_sep,
        "late_on_sep_1": late_on_sep_1,
        "silence": silence,
        "overdue": overdue,
        "readings": readings,  # nobody has given August's readings: every indicator is asked
    }


def run_month(engine, channel) -> list:
    clock = FixedClock(datetime(2016, 9, 1, 0, 0, tzinfo=UK))
    ticker = Ticker(engine, clock, load_policy(), {channel.name: channel})
    steps = [
        (time(1, 30), "quiet hour"),
        (time(8, 59), "before hours"),
        (time(9, 0), "send time"),
        (time(13, 0), "after the day's message"),
        (time(17, 45), "after hours"),
    ]
    sent_at = []

    async def month():
        for day in SEPT:
            for t, _why in steps:
                clock.set(datetime.combine(day, t, UK))
                before = len(channel.sent)
                await ticker.tick()
                sent_at.extend((clock.now().astimezone(UK), s) for s in channel.sent[before:])

    asyncio.run(month())
    return sent_at


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def month(request, tmp_path_factory, _reference_sqlite_template):
    """The month is run once per database and shared by the tests that read it."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("month") / "ref.db"
        shutil.copy(_reference_sqlite_template, target)
        engine = make_engine(f"sqlite:///{target}")
    else:
        engine = _pg_engine(request)
        upgrade(engine)
        import_reference(engine, FixedClock(datetime(2016, 6, 1, 9, 0, tzinfo=UK)), actor="test")
    channel = RecordingChannel()
    yield engine, channel, run_month(engine, channel)
    engine.dispose()


def on(sent_at, day: date, who: str | None = None) -> list:
    return [s for when, s in sent_at if when.date() == day and (who is None or s.to == who)]


def test_only_at_9_on_working_days_and_one_message_per_person_per_day(month):
    _engine, _channel, sent_at = month
    assert sent_at, "nothing was sent"
    for when, s in sent_at:
        assert when.date() in WORKING and when.time() == time(9, 0), (when, s.key)
    per_day = Counter((when.date(), s.to) for when, s in sent_at if s.to != "sit")
    assert max(per_day.values()) == 1


def test_the_round_asks_every_owner_about_all_their_open_actions_on_1_september(month, expected):
    _engine, _channel, sent_at = month
    first = {s.to: s for s in on(sent_at, ROUND_OPENS) if s.to != "sit"}
    assert set(first) == set(expected["by_owner"]) | set(expected["readings"])
    for who, refs in expected["by_owner"].items():
        assert {i["ref"] for i in first[who].items("nudge")} == refs, who
    # the Director of Children's Services answers for DCS and for the bodies it represents
    # (not for All HOS: its members, the Heads of Service, are asked about 4.1.1-4.1.4); of
    # those open actions, the ones starting after 1 October are not asked about yet
    assert len(first["dcs"].refs) == len(expected["by_owner"]["dcs"]) == 62
    assert {"4.1.1", "4.1.2", "4.1.3", "4.1.4"} <= {i["ref"] for i in first["hos-qi"].items("nudge")}
    rules = Counter(i["rule"] for i in first["dcs"].items("nudge"))
    # every started open action is in the round; those already past their due date are chased as well
    assert rules == {"round": 62, "chase.due_date": len(expected["late_on_sep_1"]["dcs"])}
    assert len(expected["late_on_sep_1"]["dcs"]) == 13


@pytest.mark.parametrize(("day", "stage"), [(CHASE1, "chase1"), (CHASE2, "chase2")])
def test_round_chases_go_to_everyone_who_has_not_answered(month, expected, day, stage):
    _engine, _channel, sent_at = month
    msgs = {s.to: s for s in on(sent_at, day) if s.to != "sit"}
    assert set(msgs) == {w for w, refs in expected["chased"].items() if refs} | set(expected["readings"])
    for who, refs in expected["chased"].items():
        chased = {i["ref"] for i in msgs[who].items("nudge") if i["rule"] == "chase.round" and i["stage"] == stage}
        assert chased == refs, who


def test_last_month_s_missing_readings_are_asked_with_the_round_then_chased(month, expected):
    _engine, _channel, sent_at = month
    assert set(expected["readings"]) == {"pi-officer"}  # no indicator names an owner role
    assert len(expected["readings"]["pi-officer"]) == 141
    steps = [
        (READINGS_ASK, "ask", "readings"),
        *((d, f"chase{k}", "chase.readings") for k, d in enumerate(READINGS_CHASES, 1)),
    ]
    for day, stage, rule in steps:
        msgs = {s.to: s for s in on(sent_at, day)}
        for who, codes in expected["readings"].items():
            items = msgs[who].items("reading")
            assert {i["indicator"] for i in items} == codes, (who, day)
            assert {(i["stage"], i["rule"]) for i in items} == {(stage, rule)}
            assert {i["key"] for i in items} == {f"kpi:{c}:2016-08:{stage}@{who}" for c in codes}
            view = msgs[who].views[0]
            assert type(view).__name__ == "NoticeView"
            assert view.text.startswith("Hello Pip, the highlight report for August 2016 is missing 141")
            assert "`kpi 2a 85% for Aug 2016`" in view.text
            if stage == "ask":
                assert "(Please give them by Wed 7 Sep.)" in view.text
            else:
                assert f"(Chase {stage[-1]} of 2: no reading yet for August 2016, due by Wed 7 Sep.)" in view.text
    # asked on those three days only, each time in the person's one message of the day
    days = sorted(when.date() for when, s in sent_at if s.to == "pi-officer")
    assert days == [READINGS_ASK, *READINGS_CHASES]


def test_silence_after_the_chases_is_escalated_in_one_message_per_manager(month, expected):
    _engine, _channel, sent_at = month
    msgs = {s.to: s for s in on(sent_at, SILENCE)}
    assert set(msgs) == set(expected["silence"])
    for who, refs in expected["silence"].items():
        escalated = {i["ref"] for i in msgs[who].items("escalation") if i["escalation"] == "silence"}
        assert escalated == refs, who
    view = msgs["cex"].views[-1]
    assert type(view).__name__ == "EscalationView" and view.manager_name.startswith("Cora Exley")
    assert "get an update from the owner" in view.ask


def test_actions_overdue_on_1_september_are_escalated_that_day(month, expected):
    _engine, _channel, sent_at = month
    msgs = {s.to: s for s in on(sent_at, ROUND_OPENS)}
    for who, refs in expected["overdue"].items():
        assert {i["ref"] for i in msgs[who].items("escalation") if i["escalation"] == "overdue"} == refs, who
    assert sum(len(r) for r in expected["overdue"].values()) > 0


def test_the_round_stands_for_the_furthest_heads_up_of_an_action_due_in_its_month(month, expected):
    """Every action due on 30 September was asked about by the September round, which named its
    due date: nobody gets the ten-working-day heads-up on the 16th for it."""
    _engine, _channel, sent_at = month
    due_30 = set().union(*expected["due_30_sep"].values())
    assert due_30
    assert not [i["ref"] for s in on(sent_at, PRE10) for i in s.items("nudge") if i["ref"] in due_30]


@pytest.mark.parametrize(("day", "stage"), [(PRE3, "pre3"), (DUE, "due")])
def test_pre_due_nudges_for_the_actions_due_on_30_september(month, expected, day, stage):
    _engine, _channel, sent_at = month
    msgs = {s.to: s for s in on(sent_at, day)}
    assert set(msgs) == set(expected["due_30_sep"])
    for who, refs in expected["due_30_sep"].items():
        assert {i["ref"] for i in msgs[who].items("nudge") if i["stage"] == stage} == refs
        assert set(msgs[who].refs) == refs  # nothing else was due for them that day


def test_digests_and_the_highlight_report_go_to_the_sit(month):
    _engine, _channel, sent_at = month
    sit = [(when.date(), s.kind, s.key) for when, s in sent_at if s.to == "sit"]
    weekly = [d for d, kind, _ in sit if kind == "digest"]
    # 1 September: the week of the 29 August bank holiday had no digest yet (caught up once)
    assert weekly == [ROUND_OPENS, *MONDAYS]
    assert [(d, key) for d, kind, key in sit if kind == "report"] == [(ROUND_CLOSES, "report:2016-09")]
    report = next(s for when, s in sent_at if s.kind == "report")
    assert type(report.views[0]).__name__ == "ReportDigestView"
    assert report.views[0].report.period.key == "2016-09"
    digest = next(s for when, s in sent_at if s.kind == "digest")
    assert type(digest.views[1]).__name__ == "PlanSummaryView"


def test_every_message_is_in_the_ledger_and_escalations_are_recorded(month):
    engine, _channel, sent_at = month
    with Session(engine) as s:
        rows = s.exec(select(SendLedger)).all()
        escalations = s.exec(select(Escalation)).all()
    assert all(r.status == "sent" for r in rows)
    assert {r.key.split("|")[0] for r in rows} == {x.key for _, x in sent_at}
    items = {(i["ref"], x.to, i["escalation"]) for _, x in sent_at for i in x.items("escalation")}
    assert len(escalations) == len(items) > 0
    assert all(e.resolved_at is None for e in escalations)  # nobody answered


def test_preview_lists_exactly_what_the_ticks_sent(month):
    engine, channel, sent_at = month
    with Session(engine) as s:
        plan = repo.active_plan(s)
        # the preview starts from a ledger with nothing before 1 September, as the ticks did
        rows = preview(s, plan, load_policy(), {"fake": channel}, date(2016, 9, 1), date(2016, 10, 1))
    previewed = sorted((r.message.local_at, r.message.recipient, tuple(r.message.refs), r.message.key) for r in rows)
    lived = sorted((when, x.to, tuple(x.refs), x.key) for when, x in sent_at)
    assert previewed == lived
    assert all(r.channel == "fake" for r in rows)


def test_an_answer_in_the_middle_of_the_month_is_honoured(reference_any_engine):
    """HOS EI&FS answers all her round actions on 6 September (4.7.1 and 4.7.2, and as a member
    of All HOS 4.1.1-4.1.4): no chase, no escalation for them, and the other Heads of Service
    are not chased about 4.1.x either (one member's update counts for the group)."""
    from bot.conversation import Core
    from bot.requests import ChatRequest, Identity

    channel = RecordingChannel()
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    ticker = Ticker(reference_any_engine, clock, load_policy(), {channel.name: channel})
    core = Core(reference_any_engine, clock)

    async def days(first: date, last: date):
        d = first
        while d <= last:
            clock.set(datetime.combine(d, time(9, 0), UK))
            await ticker.tick()
            d += timedelta(days=1)

    asyncio.run(days(date(2016, 9, 1), date(2016, 9, 5)))
    clock.set(datetime(2016, 9, 6, 14, 0, tzinfo=UK))
    lines = ["4.7.1 green - on track", "4.7.2 green - started"] + [f"4.1.{n} green - protocol drafted" for n in (1, 2, 3, 4)]
    reply = core.handle(ChatRequest(Identity("terminal", "hos-eifs"), "\n".join(lines)))
    assert len(reply.recorded) == 6
    asyncio.run(days(date(2016, 9, 6), date(2016, 9, 16)))
    eifs = [s for s in channel.sent if s.to == "hos-eifs"]
    # answered in the round: no chase, and no heads-up for 4.1.1 (due 30 Sep) either
    assert [s.day for s in eifs] == ["2016-09-01"]
    # 4.7.1/4.7.2 are not in anyone's silence escalation
    escalated = {i["ref"] for s in channel.sent for i in s.items("escalation") if i["escalation"] == "silence"}
    assert "4.7.1" not in escalated and "4.7.2" not in escalated and len(escalated) > 100
    assert not escalated & {"4.1.1", "4.1.2", "4.1.3", "4.1.4"}
    chased = {i["ref"] for s in channel.sent if s.day >= "2016-09-08" for i in s.items("nudge") if i["rule"] == "chase.round"}
    assert not chased & {"4.1.1", "4.1.2", "4.1.3", "4.1.4"}


def test_a_reading_given_in_chat_is_not_chased(reference_any_engine):
    """The performance officer answers `kpi 5a 85%` on 2 September (August, by default): the
    chase on 8 September asks for the other 140 readings only."""
    from bot.conversation import Core
    from bot.requests import ChatRequest, Identity

    channel = RecordingChannel()
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    ticker = Ticker(reference_any_engine, clock, load_policy(), {channel.name: channel})
    asyncio.run(ticker.tick())
    clock.set(datetime(2016, 9, 2, 10, 0, tzinfo=UK))
    reply = Core(reference_any_engine, clock).handle(ChatRequest(Identity("terminal", "pi-officer"), "kpi 5a 85%"))
    assert "Recorded 5a" in reply.views[0].text and "for August 2016" in reply.views[0].text
    clock.set(datetime.combine(CHASE1, time(9, 0), UK))
    asyncio.run(ticker.tick())
    asked, chased = ([i["indicator"] for i in s.items("reading")] for s in channel.to("pi-officer"))
    assert len(asked) == 141 and "5a" in asked
    assert set(chased) == set(asked) - {"5a"}
