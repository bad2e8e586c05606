"""People no channel can reach, in the pure policy: their messages are planned as undelivered
(so the steps advance on schedule), the escalation of silence still reaches their manager on
its day and says why, and the SIT is told once per person and day in its own message."""

from datetime import date

from scheduler.planned import History
from tests.unit.scheduler_world import NO_ROUND, World, days, uk

WHY = "no configured channel (slack) can reach them: no linked chat account"


def overdue_world(*, unreachable: bool) -> World:
    """Ann leads 1.1.1, due Wed 31 Aug 2016; her manager and the priority's lead officer hear of silence."""
    w = World()
    w.person("boss", ["DIR"])
    w.person("mgr", [])
    w.person("ann", ["LEAD"], manager_key="mgr")
    w.action("1.1.1", ["LEAD"], due=date(2016, 8, 31))
    if unreachable:
        w.unreachable["ann"] = WHY
    return w


def test_the_chases_advance_and_silence_is_escalated_on_its_day_though_the_owner_is_unreachable():
    reached = overdue_world(unreachable=False).run(_policy(), uk(2016, 8, 31), uk(2016, 9, 30))
    sent = overdue_world(unreachable=True).run(_policy(), uk(2016, 8, 31), uk(2016, 9, 30))
    # Wed 31 Aug due; chases Thu 1 Sep and Mon 5 Sep; silence two working days later, Wed 7 Sep
    expected = [
        (date(2016, 8, 31), ("due",)),
        (date(2016, 9, 1), ("chase1",)),
        (date(2016, 9, 5), ("chase2",)),
    ]
    assert days(reached, "ann") == days(sent, "ann") == expected
    assert all(m.unreachable == WHY for m in sent if m.recipient == "ann")
    assert not any(m.unreachable for m in reached)
    for who in ("mgr", "boss"):
        assert days(sent, who) == days(reached, who) == [(date(2016, 9, 7), ("escalate",))]
        item = next(m for m in sent if m.recipient == who).items[0]
        assert item.escalation == "silence" and item.unreached == ("ann",)
        assert item.reason == (
            "no answer after 2 chase(s): was due Wed 31 Aug; Ann Person could not be reached by the bot"
        )
        plain = next(m for m in reached if m.recipient == who).items[0]
        assert plain.unreached == () and "could not be reached" not in plain.reason


def test_the_sit_is_told_once_per_person_and_day_in_its_daily_message():
    w = overdue_world(unreachable=True)
    w.person("cat", ["LEAD2"])
    w.action("1.1.2", ["LEAD2"], due=date(2016, 9, 2))  # due Fri 2 Sep, chased Mon 5th and Wed 7th
    w.unreachable["cat"] = WHY
    sent = w.run(_policy(), uk(2016, 8, 31), uk(2016, 9, 30))
    sit = [m for m in sent if m.recipient == "sit"]
    told = [(m.local_at.date(), i.owners[0], i.key) for m in sit for i in m.items]
    # every day Ann or Cat had a message, one notice each, in the SIT's one message that day
    assert told == [
        (date(2016, 8, 31), "ann", "unreachable:ann:2016-08-31:notice@sit"),
        (date(2016, 9, 1), "ann", "unreachable:ann:2016-09-01:notice@sit"),
        (date(2016, 9, 2), "cat", "unreachable:cat:2016-09-02:notice@sit"),
        (date(2016, 9, 5), "ann", "unreachable:ann:2016-09-05:notice@sit"),
        (date(2016, 9, 5), "cat", "unreachable:cat:2016-09-05:notice@sit"),
        (date(2016, 9, 7), "cat", "unreachable:cat:2016-09-07:notice@sit"),
    ]
    sit_days = ("2016-08-31", "2016-09-01", "2016-09-02", "2016-09-05", "2016-09-07")
    assert [m.key for m in sit] == [f"msg:sit:{d}" for d in sit_days]
    first = sit[0].items[0]
    assert first.kind == "notice" and first.rule == "unreachable"
    assert first.reason == f"Ann Person (ann) on Wed 31 Aug: {WHY}; not delivered: due_date: 1.1.1"


def test_a_notice_the_sit_could_not_get_that_day_goes_the_next_day_and_only_once():
    w = overdue_world(unreachable=False)
    history = History()
    history.messages.add("msg:sit:2016-09-01")  # the SIT's message of the day has gone
    history.add_unreached("ann", date(2016, 9, 1), WHY, "`actionbot nudge` 1.1.1")
    history.add_unreached("ann", date(2016, 9, 1), WHY, "chase.due_date: 1.1.1")  # twice that day
    assert [m for m in w.at(_policy(), uk(2016, 9, 1, 11, 0), history) if m.recipient == "sit"] == []
    nextday = [m for m in w.at(_policy(), uk(2016, 9, 2, 9, 0), history) if m.recipient == "sit"]
    assert [(m.key, [i.key for i in m.items]) for m in nextday] == [
        ("msg:sit:2016-09-02", ["unreachable:ann:2016-09-01:notice@sit"])
    ]
    assert nextday[0].items[0].reason.endswith("not delivered: `actionbot nudge` 1.1.1; chase.due_date: 1.1.1")
    history.record(nextday[0])
    assert [m for m in w.at(_policy(), uk(2016, 9, 5, 9, 0), history) if m.recipient == "sit"] == []


def test_once_the_owner_is_reached_the_escalation_no_longer_says_they_could_not_be():
    w = overdue_world(unreachable=True)
    history = History()
    first = w.run(_policy(), uk(2016, 8, 31), uk(2016, 9, 2), history)  # due and chase 1: unreachable
    assert [m.unreachable == WHY for m in first if m.recipient == "ann"] == [True, True]
    del w.unreachable["ann"]  # linked on Fri 2 Sep
    later = w.run(_policy(), uk(2016, 9, 2), uk(2016, 9, 30), history)
    assert days(later, "ann") == [(date(2016, 9, 5), ("chase2",))]
    assert not any(m.unreachable for m in later)
    item = next(m for m in later if m.recipient == "mgr").items[0]
    assert item.unreached == () and "could not be reached" not in item.reason
    assert not [m for m in later if m.recipient == "sit"]  # nobody left to tell the SIT about


def _policy():
    from tests.unit.scheduler_world import policy_with

    # only the due-date nudge and its chases (no heads-ups before the first day simulated)
    return policy_with(**NO_ROUND, pre_due={"working_days_before": [0]}, escalation={"overdue_working_days": 0})


def test_the_sit_s_notice_lists_a_dozen_people_and_fits_a_slack_section():
    from cards.blockkit import render
    from scheduler.messages import unreached_view

    w = World()
    for n in range(15):
        w.person(f"p{n:02d}", [f"R{n}"])
        w.action(f"1.1.{n + 1}", [f"R{n}"], due=date(2016, 9, 1))
        w.unreachable[f"p{n:02d}"] = WHY
    sent = w.run(_policy(), uk(2016, 9, 1), uk(2016, 9, 2))
    sit = next(m for m in sent if m.recipient == "sit")
    assert [i.owners for i in sit.items] == [(f"p{n:02d}",) for n in range(15)]
    view = unreached_view(list(sit.items))
    assert view.level == "warning" and view.text.startswith("The bot could not reach 15 people")
    lines = [ln for ln in view.text.splitlines() if ln.startswith("- ")]
    assert len(lines) == 13 and lines[-1] == "- … and 3 more"
    assert lines[0] == f"- P00 Person (p00) on Thu 1 Sep: {WHY}; not delivered: due_date: 1.1.1"
    (block,) = render(view)
    assert len(block["text"]["text"]) < 3000 and "p11" in block["text"]["text"] and "p12" not in block["text"]["text"]
