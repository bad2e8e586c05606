"""The policy file: documented defaults, a council's overrides, and clear errors."""

from datetime import time
from pathlib import Path

import pytest
import yaml

from bot.policy import DEFAULT_FILE, PolicyError, describe, load_policy


def write(tmp_path, data) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_defaults_are_the_issue_s_numbers():
    p = load_policy()
    assert p.pre_due_days == (10, 3, 0)
    assert (p.round_open_day, p.round_due_day) == (1, 5)
    assert p.round_ask_before_start_days == 30
    assert set(p.round_recurring) >= {"monthly", "annually", "ongoing"}
    assert (p.chase_count, p.chase_interval) == (2, 2)
    assert p.escalation.to == ("priority_lead", "manager")
    assert p.escalation.overdue_working_days == 10 and p.escalation.on_red and p.escalation.on_silence
    assert (p.calendar.day_start, p.calendar.day_end) == (time(9, 0), time(17, 30))
    assert (p.calendar.country, p.calendar.subdiv) == ("GB", "ENG")
    assert p.default_timezone == "Europe/London"
    assert p.weekly_day == 0 and p.weekly_time == time(9, 0)
    assert p.source == "built-in defaults"


def test_every_default_is_in_the_readme_table():
    """The README's scheduler section documents each policy key with its default value."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The scheduler", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| `")]
    raw = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    for name, values in raw.items():
        for key, value in values.items():
            row = next((r for r in rows if f"`{name}.{key}`" in r), None)
            assert row is not None, f"{name}.{key} is missing from the README policy table"
            shown = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
            assert shown in row or str(value) in row, f"{name}.{key}: default {shown} not in {row!r}"


def test_a_council_overrides_only_what_it_names(tmp_path):
    path = write(
        tmp_path,
        {
            "chases": {"count": 1},
            "escalation": {"overdue_working_days": 5, "priorities": {3: {"to": ["priority_lead"]}}},
            "calendar": {"default_timezone": "Europe/Dublin"},
        },
    )
    p = load_policy(path)
    assert p.chase_count == 1 and p.chase_interval == 2
    assert p.escalation.overdue_working_days == 5
    assert p.escalation_for(3).to == ("priority_lead",) and p.escalation_for(3).overdue_working_days == 5
    assert p.escalation_for(4).to == ("priority_lead", "manager")
    assert p.default_timezone == "Europe/Dublin"
    assert p.source == path
    assert any(k == "priority 3 escalations" for k, _ in describe(p))


def test_every_mistake_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        {
            "calendar": {"send_time": "01:30", "default_timezone": "Mars/Olympus", "working_hours_end": "8"},
            "chases": {"count": -1, "colour": "red"},
            "escalation": {"to": ["chief"]},
            "digests": {"weekly_day": "funday"},
            "gossip": {},
        },
    )
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    problems = err.value.problems
    # unknown names are caught before values are checked
    assert any("gossip: unknown section" in p for p in problems)
    assert any("chases.colour: unknown key" in p for p in problems)
    path = write(
        tmp_path,
        {
            "calendar": {"send_time": "01:30", "default_timezone": "Mars/Olympus", "working_hours_end": "8"},
            "chases": {"count": -1},
            "escalation": {"to": ["chief"]},
            "digests": {"weekly_day": "funday"},
        },
    )
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    text = err.value.describe()
    assert "calendar.send_time: 01:30 is between 01:00 and 02:00" in text
    assert "calendar.default_timezone: 'Mars/Olympus' is not a time zone" in text
    assert "calendar.working_hours_end: must be a time of day" in text
    assert "chases.count: must be a whole number from 0 to 5, got -1" in text
    assert "escalation.to: must be a list of priority_lead, manager, got ['chief']" in text
    assert "digests.weekly_day: must be a day name" in text
    assert path in text


def test_send_time_outside_working_hours_is_refused(tmp_path):
    with pytest.raises(PolicyError, match=r"calendar.send_time \(18:00\) must be inside working hours"):
        load_policy(write(tmp_path, {"calendar": {"send_time": "18:00"}}))


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(PolicyError, match="file not found"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(write(tmp_path, "calendar: [unclosed"))


def test_ask_before_start_days_is_checked_and_decides_which_actions_a_round_asks(tmp_path):
    from datetime import date

    from bot.plan_state import ActionState
    from bot.rounds import current_round, in_round
    from storage.models import Action

    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, {"round": {"ask_before_start_days": -1}}))
    assert "round.ask_before_start_days: must be a whole number from 0 to 366, got -1" in str(err.value.describe())
    p = load_policy(write(tmp_path, {"round": {"ask_before_start_days": 0}}))
    r = current_round(p, date(2016, 9, 15))  # opened Thu 1 Sep
    assert r.opens == date(2016, 9, 1)

    def state(start: date | None) -> ActionState:
        action = Action(plan_id=1, priority_number=4, finding_id=1, ref="4.2.1", text="t", start=start)
        return ActionState(action=action, rag="not_rated", updates=[], today=date(2016, 9, 15))

    assert in_round(p, state(None), r) and in_round(p, state(date(2016, 9, 1)), r)
    assert not in_round(p, state(date(2016, 9, 2)), r)  # 0 days: only what has started by the round
    default = load_policy()
    assert in_round(default, state(date(2016, 10, 1)), r) and not in_round(default, state(date(2016, 10, 2)), r)
