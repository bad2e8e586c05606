"""Missing indicator readings as a policy rule, pure: last month's readings are asked of each
indicator's owner early in the month, batched into their one message of the day, and chased
like actions while still missing. Dates are worked out by hand from the 2016 calendar."""

from datetime import date

import pytest

from bot.policy import PolicyError, describe, load_policy
from tests.unit.scheduler_world import World, days, policy_with, uk

QUIET = {"round": {"enabled": False}, "digests": {"weekly_enabled": False, "monthly_report_enabled": False}}
SEPT_STEPS = [(date(2016, 9, 1), ("ask",)), (date(2016, 9, 8), ("chase1",)), (date(2016, 9, 12), ("chase2",))]


def readings_world() -> World:
    w = World()
    w.person("qi", ["QI"])
    w.person("perf", [], performance_officer=True)
    w.indicator("4a", owner_role="QI")  # its owner role has a holder
    w.indicator("5a")  # no owner role: the performance officer
    w.indicator("6a", owner_role="NOBODY")  # nobody holds the role: the performance officer
    return w


def items_to(sent, who):
    return [i for m in sent if m.recipient == who for i in m.items]


def test_each_owner_is_asked_on_working_day_1_for_last_month_then_chased_on_working_days_6_and_8():
    w = readings_world()
    sent = w.run(policy_with(**QUIET), uk(2016, 9, 1), uk(2016, 10, 1))
    # September 2016: WD1 Thu 1st (ask), WD5 Wed 7th (deadline), chases on Thu 8th and Mon 12th
    assert days(sent, "qi") == SEPT_STEPS
    assert days(sent, "perf") == [(d, stages * 2) for d, stages in SEPT_STEPS]
    assert {(i.indicator, i.series, i.kind) for i in items_to(sent, "qi")} == {("4a", "kpi:4a:2016-08", "reading")}
    assert {i.indicator for i in items_to(sent, "perf")} == {"5a", "6a"}
    first = next(m for m in sent if m.recipient == "perf")
    assert first.key == "msg:perf:2016-09-01" and first.kind == "reading"
    assert [i.key for i in first.items] == ["kpi:5a:2016-08:ask@perf", "kpi:6a:2016-08:ask@perf"]
    assert first.items[0].rule == "readings" and "performance readings for August 2016" in first.items[0].reason
    assert first.why() == "readings: 5a, 6a"
    chase = next(i for i in items_to(sent, "perf") if i.stage == "chase2")
    assert chase.rule == "chase.readings" and chase.reason.startswith("chase 2 of 2: no reading yet for August")


def test_a_reading_stops_the_chasing_and_a_reading_given_early_is_never_asked_for():
    w = readings_world()
    w.reading("5a", "2016-08", uk(2016, 9, 9, 15, 0))  # after chase 1
    w.reading("6a", "2016-08", uk(2016, 8, 31, 17, 0))  # before the ask
    w.reading("4a", "2016-07", uk(2016, 8, 20, 12, 0))  # July's figure does not answer for August
    sent = w.run(policy_with(**QUIET), uk(2016, 9, 1), uk(2016, 10, 1))
    assert [(i.indicator, i.stage) for i in items_to(sent, "perf")] == [("5a", "ask"), ("5a", "chase1")]
    assert days(sent, "qi") == SEPT_STEPS


def test_the_bank_holiday_moves_the_ask_and_the_chases():
    w = readings_world()
    sent = w.run(policy_with(**QUIET), uk(2016, 5, 1), uk(2016, 6, 1))
    # Mon 2 May 2016 is a bank holiday: WD1 Tue 3rd, WD5 Mon 9th, chases Tue 10th and Thu 12th
    assert days(sent, "qi") == [
        (date(2016, 5, 3), ("ask",)),
        (date(2016, 5, 10), ("chase1",)),
        (date(2016, 5, 12), ("chase2",)),
    ]
    assert {i.series for i in items_to(sent, "qi")} == {"kpi:4a:2016-04"}


def test_months_outside_the_plan_are_not_asked_for():
    w = readings_world()
    w.plan.period_start, w.plan.period_end = date(2016, 6, 1), date(2016, 7, 31)
    sent = w.run(policy_with(**QUIET), uk(2016, 6, 1), uk(2016, 9, 30))
    # June asks about May (before the plan); July about June; August about July; September
    # about August (after the plan's end)
    assert {i.series.rsplit(":", 1)[1] for i in items_to(sent, "qi")} == {"2016-06", "2016-07"}


def test_with_no_performance_officer_the_sit_is_asked_and_an_owner_on_leave_is_covered_by_the_sit():
    w = World()
    w.person("qi", ["QI"], away_from=date(2016, 8, 29), away_until=date(2016, 9, 5))
    w.indicator("4a", owner_role="QI")
    w.indicator("5a")  # nobody: no owner role, no performance officer
    sent = w.run(policy_with(**QUIET), uk(2016, 9, 1), uk(2016, 10, 1))
    sit = [m for m in sent if m.recipient == "sit"]
    assert [(m.key, [(i.indicator, i.stage) for i in m.items]) for m in sit] == [
        ("msg:sit:2016-09-01", [("4a", "ask"), ("5a", "ask")]),
        ("msg:sit:2016-09-08", [("5a", "chase1")]),
        ("msg:sit:2016-09-12", [("5a", "chase2")]),
    ]
    cover = sit[0].items[0]
    assert cover.key == "kpi:4a:2016-08:ask@qi" and cover.reason.startswith("for Qi Person, who is on leave: ")
    # back from leave: the chases reach the owner, keyed to them as the ask was
    assert days(sent, "qi") == SEPT_STEPS[1:]


def test_readings_and_the_round_share_the_person_s_one_message():
    w = readings_world()
    w.action("1.1.1", ["QI"], due=date(2017, 3, 31))
    policy = policy_with(digests={"weekly_enabled": False, "monthly_report_enabled": False})
    sent = w.run(policy, uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "qi") == [
        (date(2016, 9, 1), ("ask", "ask")),
        (date(2016, 9, 8), ("chase1", "chase1")),
        (date(2016, 9, 12), ("chase2", "chase2")),
    ]
    first = next(m for m in sent if m.recipient == "qi")
    assert first.kind == "nudge+reading" and [i.kind for i in first.items] == ["nudge", "reading"]
    assert first.why() == "round: 1.1.1; readings: 4a"


def test_the_readings_rule_can_be_turned_off_and_is_checked():
    w = readings_world()
    off = policy_with(**QUIET, indicators={"enabled": False})
    assert w.run(off, uk(2016, 9, 1), uk(2016, 10, 1)) == []
    later = policy_with(**QUIET, indicators={"ask_working_day": 3, "due_working_day": 3})
    sent = w.run(later, uk(2016, 9, 1), uk(2016, 10, 1))
    # September's ask moves to WD3 (Mon 5th); on the 1st August's (about July) is still the
    # current one, its last step already due: sent once, as after downtime
    assert days(sent, "qi")[:2] == [(date(2016, 9, 1), ("chase2",)), (date(2016, 9, 5), ("ask",))]
    assert [i.series for i in items_to(sent, "qi")][:2] == ["kpi:4a:2016-07", "kpi:4a:2016-08"]
    with pytest.raises(PolicyError, match=r"indicators.due_working_day \(2\) must not be before ask_working_day \(4\)"):
        policy_with(indicators={"ask_working_day": 4, "due_working_day": 2})
    shown = dict(describe(load_policy()))
    assert shown["indicator readings"] == (
        "last month's missing readings asked of each indicator's owner on working day 1, "
        "answer by working day 5; chased like actions"
    )
