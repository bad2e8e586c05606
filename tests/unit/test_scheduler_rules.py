"""The policy as pure functions of (state, people, policy, history, now): stepped through
simulated time with a simulated ledger, no database and no clock."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.policy import load_policy
from scheduler.planned import History
from scheduler.rules import current_round, due_stages, round_of
from tests.unit.scheduler_world import NO_ROUND, World, days, policy_with, uk

POLICY = load_policy()
NY = ZoneInfo("America/New_York")


def test_due_stages_count_working_days_back_over_the_bank_holiday():
    stages = {s.name: s.day for s in due_stages(POLICY, date(2016, 8, 31))}
    assert stages["pre10"] == date(2016, 8, 16)  # 10 working days, skipping Mon 29 Aug
    assert stages["pre3"] == date(2016, 8, 25)  # 30, 26, 25
    assert stages["due"] == date(2016, 8, 31)
    assert stages["chase1"] == date(2016, 9, 1) and stages["chase2"] == date(2016, 9, 5)
    sunday = {s.name: s.day for s in due_stages(POLICY, date(2016, 7, 31))}
    assert sunday["due"] == date(2016, 7, 29)  # a due date on a Sunday: nudged the Friday before


def test_the_round_of_september_2016():
    r = round_of(POLICY, 2016, 9)
    assert (r.opens, r.deadline, r.closes) == (date(2016, 9, 1), date(2016, 9, 7), date(2016, 9, 8))
    assert current_round(POLICY, date(2016, 10, 2)).key == "2016-09"  # October's opens on Mon 3rd
    assert current_round(POLICY, date(2016, 10, 3)).key == "2016-10"


def test_pre_due_nudges_10_and_3_working_days_before_and_on_the_due_date():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2016, 9, 30))
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "ann") == [
        (date(2016, 9, 16), ("pre10",)),
        (date(2016, 9, 27), ("pre3",)),
        (date(2016, 9, 30), ("due",)),
    ]
    assert all(m.local_at.time() == time(9, 0) for m in sent)


def test_round_ask_chases_then_silence_reaches_the_manager_and_the_priority_lead():
    w = World()
    w.person("boss", ["DIR"])
    w.person("mgr", [])
    w.person("ann", ["LEAD"], manager_key="mgr")
    w.action("1.1.1", ["LEAD"], due=date(2017, 3, 31))
    policy = policy_with(digests={"weekly_enabled": False, "monthly_report_enabled": False})
    sent = w.run(policy, uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "ann") == [
        (date(2016, 9, 1), ("ask",)),
        (date(2016, 9, 8), ("chase1",)),
        (date(2016, 9, 12), ("chase2",)),
    ]
    for who in ("mgr", "boss"):
        assert days(sent, who) == [(date(2016, 9, 14), ("escalate",))]
        item = next(m for m in sent if m.recipient == who).items[0]
        assert item.escalation == "silence" and item.owners == ("ann",) and "2 chase" in item.reason


def test_an_answer_stops_the_chasing_and_the_escalation():
    w = World()
    w.person("mgr", [])
    w.person("ann", ["LEAD"], manager_key="mgr")
    w.action("1.1.1", ["LEAD"], due=date(2017, 3, 31))
    w.update("1.1.1", uk(2016, 9, 9, 15, 0), "green")  # after chase 1
    policy = policy_with(digests={"weekly_enabled": False, "monthly_report_enabled": False})
    sent = w.run(policy, uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "ann") == [(date(2016, 9, 1), ("ask",)), (date(2016, 9, 8), ("chase1",))]
    assert days(sent, "mgr") == []


def test_one_message_a_day_lists_everything_due_for_the_person():
    w = World()
    w.person("ann", ["LEAD"])
    for n in range(1, 4):
        w.action(f"1.1.{n}", ["LEAD"], due=date(2016, 9, 30))
    w.action("1.2.1", ["OTHER", "LEAD"], due=date(2016, 9, 30))
    sent = w.at(POLICY, uk(2016, 9, 1, 9, 0))
    ann = [m for m in sent if m.recipient == "ann"]
    assert len(ann) == 1 and ann[0].refs == ["1.1.1", "1.1.2", "1.1.3", "1.2.1"]
    assert ann[0].key == "msg:ann:2016-09-01"
    # the same instant again, with that message in the ledger: nothing more today
    history = History()
    history.record(ann[0])
    assert [m for m in w.at(POLICY, uk(2016, 9, 1, 9, 30), history) if m.recipient == "ann"] == []


def test_nothing_outside_working_hours_weekends_or_bank_holidays():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2016, 8, 31))
    policy = policy_with(**NO_ROUND)
    for when in (
        uk(2016, 8, 25, 8, 59),
        uk(2016, 8, 25, 17, 30),
        uk(2016, 8, 27, 10),
        uk(2016, 8, 29, 10),
        uk(2016, 8, 30, 1, 30),
    ):
        assert w.at(policy, when) == [], when
    assert [m.recipient for m in w.at(policy, uk(2016, 8, 25, 9, 0))] == ["ann"]


def test_after_downtime_only_the_latest_missed_step_goes_once():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2016, 8, 31))
    # the bot was off from before the 10-day reminder until 6 September: pre10, pre3, due and
    # chase 1 were all missed; only chase 2 (due 5 September) goes, once
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 6), uk(2016, 9, 10))
    assert days(sent, "ann") == [(date(2016, 9, 6), ("chase2",))]


def test_delegate_is_asked_while_the_owner_is_on_leave():
    w = World()
    w.person("del", [])
    w.person("ann", ["LEAD"], delegate_key="del", away_from=date(2016, 9, 12), away_until=date(2016, 9, 23))
    w.action("1.1.1", ["LEAD"], due=date(2016, 9, 30))
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "del") == [(date(2016, 9, 16), ("pre10",))]
    assert "for Ann Person, who is on leave" in next(m for m in sent if m.recipient == "del").items[0].reason
    # back from the 26th: the reminder her delegate got is not repeated
    assert days(sent, "ann") == [(date(2016, 9, 27), ("pre3",)), (date(2016, 9, 30), ("due",))]


def test_without_a_delegate_the_priority_lead_officer_is_told_once():
    w = World()
    w.person("boss", ["DIR"])
    w.person("ann", ["LEAD"], away_from=date(2016, 9, 12), away_until=date(2016, 9, 28))
    w.action("1.1.1", ["LEAD"], due=date(2016, 9, 30))
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "boss") == [(date(2016, 9, 16), ("cover",))]
    cover = next(m for m in sent if m.recipient == "boss").items[0]
    assert cover.escalation == "away" and "on leave until Wed 28 Sep with no delegate" in cover.reason
    # back on the 29th: the step she missed while away (pre3, 27th) goes once, then the due date
    assert days(sent, "ann") == [(date(2016, 9, 29), ("pre3",)), (date(2016, 9, 30), ("due",))]


def test_snooze_holds_reminders_until_the_day_then_the_latest_step_goes():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2016, 9, 30))
    w.snoozes["1.1.1"] = date(2016, 9, 28)
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 1), uk(2016, 10, 1))
    assert days(sent, "ann") == [(date(2016, 9, 28), ("pre3",)), (date(2016, 9, 30), ("due",))]


def test_snooze_never_holds_the_overdue_escalation():
    w = World()
    w.person("mgr", [])
    w.person("ann", ["LEAD"], manager_key="mgr")
    w.action("1.1.1", ["LEAD"], due=date(2016, 8, 31))
    w.snoozes["1.1.1"] = date(2016, 9, 30)
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 1), uk(2016, 9, 30))
    assert days(sent, "ann") == []
    assert days(sent, "mgr") == [(date(2016, 9, 14), ("escalate",))]
    assert next(m for m in sent if m.recipient == "mgr").items[0].escalation == "overdue"


def test_red_is_escalated_the_same_day_and_per_priority_targets_apply():
    w = World()
    w.person("boss", ["DIR"])
    w.person("mgr", [])
    w.person("ann", ["LEAD"], manager_key="mgr")
    w.action("1.1.1", ["LEAD"], due=date(2016, 12, 31))
    w.update("1.1.1", uk(2016, 9, 14, 11, 20), "red", "no budget")
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 14), uk(2016, 9, 20))
    for who in ("boss", "mgr"):
        (m,) = [m for m in sent if m.recipient == who]
        assert m.local_at == uk(2016, 9, 14, 11, 20) and m.items[0].escalation == "red"
    only_lead = policy_with(**NO_ROUND, escalation={"priorities": {1: {"to": ["priority_lead"]}}})
    sent = w.run(only_lead, uk(2016, 9, 14), uk(2016, 9, 20))
    assert {m.recipient for m in sent} == {"boss"}


def test_an_escalation_with_nobody_to_take_it_goes_to_the_sit():
    w = World()
    w.person("ann", ["LEAD", "DIR"])  # she leads the priority and has no manager
    w.action("1.1.1", ["LEAD"], due=date(2016, 8, 1))
    sent = w.at(policy_with(**NO_ROUND), uk(2016, 9, 1, 9, 0))
    sit = [m for m in sent if m.recipient == "sit"]
    assert len(sit) == 1 and sit[0].items[0].escalation == "overdue" and sit[0].key == "msg:sit:2016-09-01"


def test_a_new_york_recipient_is_messaged_at_9_new_york_time():
    w = World()
    w.person("nyc", ["LEAD"], timezone="America/New_York")
    w.person("ldn", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2016, 9, 30))
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 9, 1), uk(2016, 10, 1))
    nyc = [m for m in sent if m.recipient == "nyc"]
    assert [m.local_at.date() for m in nyc] == [date(2016, 9, 16), date(2016, 9, 27), date(2016, 9, 30)]
    assert all(m.send_at.astimezone(NY).time() == time(9, 0) for m in nyc)
    assert all(m.send_at.astimezone(UTC).hour == 13 for m in nyc)
    ldn = [m for m in sent if m.recipient == "ldn"]
    assert all(m.send_at.astimezone(UTC).hour == 8 for m in ldn)  # 09:00 BST


def test_both_dst_changes_keep_messages_at_9_local():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2016, 3, 24))  # Thursday before Easter: GMT
    w.action("1.1.2", ["LEAD"], due=date(2016, 4, 1))  # after the change on Sunday 27 March: BST
    w.action("1.1.3", ["LEAD"], due=date(2016, 11, 3))  # across the change on Sunday 30 October
    sent = w.run(policy_with(**NO_ROUND), uk(2016, 3, 14), uk(2016, 11, 5))
    when = {(i.ref, i.stage): m.send_at for m in sent for i in m.items}
    assert when[("1.1.1", "due")] == datetime(2016, 3, 24, 9, 0, tzinfo=UTC)  # 09:00 GMT
    # 3 working days before 1 April skip Good Friday and Easter Monday: Tuesday 29 March
    assert when[("1.1.2", "pre3")] == datetime(2016, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert when[("1.1.2", "due")] == datetime(2016, 4, 1, 8, 0, tzinfo=UTC)
    assert when[("1.1.3", "pre10")] == datetime(2016, 10, 20, 8, 0, tzinfo=UTC)  # BST
    assert when[("1.1.3", "pre3")] == datetime(2016, 10, 31, 9, 0, tzinfo=UTC)  # GMT
    assert all(m.local_at.time() == time(9, 0) for m in sent)


def test_weekly_digest_moves_off_the_bank_holiday_monday():
    w = World()
    policy = policy_with(round={"enabled": False})
    sent = w.run(policy, uk(2016, 8, 22), uk(2016, 9, 13))
    digests = [(m.local_at, m.key) for m in sent if m.kind == "digest"]
    assert digests == [
        (uk(2016, 8, 22, 9, 0), "digest:weekly:2016-W34"),
        (uk(2016, 8, 30, 9, 0), "digest:weekly:2016-W35"),  # Monday 29th is a bank holiday
        (uk(2016, 9, 5, 9, 0), "digest:weekly:2016-W36"),
        (uk(2016, 9, 12, 9, 0), "digest:weekly:2016-W37"),
    ]


def test_monthly_report_when_the_round_closes():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], due=date(2017, 1, 31))
    policy = policy_with(digests={"weekly_enabled": False})
    sent = w.run(policy, uk(2016, 9, 1), uk(2016, 11, 1))
    reports = [(m.local_at.date(), m.key) for m in sent if m.kind == "report"]
    assert reports == [(date(2016, 9, 8), "report:2016-09"), (date(2016, 10, 10), "report:2016-10")]


def test_completed_ends_everything():
    w = World()
    w.person("mgr", [])
    w.person("ann", ["LEAD"], manager_key="mgr")
    w.action("1.1.1", ["LEAD"], due=date(2016, 9, 30))
    w.update("1.1.1", uk(2016, 9, 2, 10, 0), "completed", "done")
    sent = w.run(
        policy_with(digests={"weekly_enabled": False, "monthly_report_enabled": False}),
        uk(2016, 9, 1),
        uk(2016, 10, 20),
    )
    assert days(sent, "ann") == [(date(2016, 9, 1), ("ask",))]
    assert days(sent, "mgr") == []


def test_recurring_actions_are_in_the_round_unless_the_policy_leaves_them_out():
    w = World()
    w.person("ann", ["LEAD"])
    w.action("1.1.1", ["LEAD"], recurrence="ongoing")
    w.action("1.1.2", ["LEAD"], recurrence="annually")
    assert w.at(POLICY, uk(2016, 9, 1, 9, 0))[0].refs == ["1.1.1", "1.1.2"]
    policy = policy_with(round={"include_recurring": ["ongoing"]})
    assert w.at(policy, uk(2016, 9, 1, 9, 0))[0].refs == ["1.1.1"]
