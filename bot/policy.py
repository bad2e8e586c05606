"""The scheduler policy: a YAML file with documented defaults (`policy_default.yaml`), which a
council may override key by key with its own file (ACTIONBOT_POLICY).

The file is read and checked once, at start-up: every wrong key or value is reported together,
with its path, what was found and what is allowed, so a typo never silently turns a rule off.
The result is a frozen `Policy`, a plain value the pure rules in `scheduler.rules` read.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from bot.workdays import WorkCalendar, in_quiet_hour, valid_zone

DEFAULT_FILE = Path(__file__).resolve().parent / "policy_default.yaml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ESCALATION_TARGETS = ("priority_lead", "manager")
RECURRENCES = ("monthly", "quarterly", "annually", "ongoing")
ESCALATION_KEYS = ("to", "overdue_working_days", "on_red", "on_silence", "silence_working_days")


class PolicyError(ValueError):
    """The policy file is wrong; `problems` lists every mistake as 'path: what is wrong'."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"policy {source}: " + "; ".join(problems))

    def describe(self) -> str:
        return f"the scheduler policy {self.source} is not valid:\n" + "\n".join(f"  - {p}" for p in self.problems)


@dataclass(frozen=True)
class Escalation:
    to: tuple[str, ...]
    overdue_working_days: int
    on_red: bool
    on_silence: bool
    silence_working_days: int


@dataclass(frozen=True)
class Policy:
    calendar: WorkCalendar
    default_timezone: str
    send_time: time
    pre_due_days: tuple[int, ...]
    round_enabled: bool
    round_open_day: int
    round_due_day: int
    round_recurring: tuple[str, ...]
    readings_enabled: bool
    readings_ask_day: int
    readings_due_day: int
    chase_count: int
    chase_first_after: int
    chase_interval: int
    escalation: Escalation
    escalation_by_priority: dict[int, Escalation] = field(default_factory=dict)
    tell_lead_without_delegate: bool = True
    snooze_max_days: int = 31
    weekly_enabled: bool = True
    weekly_day: int = 0  # Monday
    weekly_time: time = time(9, 0)
    monthly_report_enabled: bool = True
    monthly_report_time: time = time(9, 0)
    tick_seconds: int = 60
    stale_claim_minutes: int = 5
    email_fallback: bool = False  # delivery.email_fallback: a refused chat message goes by email
    round_ask_before_start_days: int = 30  # an action starting later than this after the round opens is not asked
    source: str = "built-in defaults"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def escalation_for(self, priority: int) -> Escalation:
        return self.escalation_by_priority.get(priority, self.escalation)

    def as_yaml(self) -> str:
        return yaml.safe_dump(self.raw, sort_keys=False, allow_unicode=True)


def default_raw() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def load_policy(path: str | Path | None = None) -> Policy:
    """The defaults, overridden by the file at `path` (if any). Raises PolicyError."""
    raw = default_raw()
    source = "built-in defaults"
    if path:
        p = Path(path)
        source = str(p)
        if not p.is_file():
            raise PolicyError(source, ["file not found (ACTIONBOT_POLICY)"])
        try:
            override = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise PolicyError(source, [f"not valid YAML: {exc}"]) from None
        except UnicodeDecodeError as exc:
            raise PolicyError(source, [f"not UTF-8 text (byte {exc.start}): save the file as UTF-8"]) from None
        except RecursionError:
            raise PolicyError(source, ["not valid YAML: nested too deeply"]) from None
        if not isinstance(override, dict):
            raise PolicyError(source, ["the file must be a mapping of sections (calendar, round, chases, ...)"])
        raw = _merge(raw, override, source)
    return parse_policy(raw, source)


def _merge(base: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    out = copy.deepcopy(base)
    problems = []
    for section, values in override.items():
        if section not in base:
            problems.append(f"{section}: unknown section (known: {', '.join(base)})")
            continue
        if not isinstance(values, dict):
            problems.append(f"{section}: must be a mapping of keys, got {values!r}")
            continue
        for key, value in values.items():
            if key not in base[section]:
                problems.append(f"{section}.{key}: unknown key (known: {', '.join(base[section])})")
                continue
            out[section][key] = value
    if problems:
        raise PolicyError(source, problems)
    return out


class _Checker:
    """Collects every problem instead of stopping at the first."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw
        self.problems: list[str] = []

    def get(self, path: str) -> Any:
        section, key = path.split(".")
        return self.raw.get(section, {}).get(key)

    def integer(self, path: str, low: int, high: int, value: Any = None) -> int:
        value = self.get(path) if value is None else value
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problems.append(f"{path}: must be a whole number from {low} to {high}, got {value!r}")
            return low
        return value

    def boolean(self, path: str, value: Any = None) -> bool:
        value = self.get(path) if value is None else value
        if not isinstance(value, bool):
            self.problems.append(f"{path}: must be true or false, got {value!r}")
            return False
        return value

    def clock_time(self, path: str) -> time:
        value = self.get(path)
        try:
            hh, mm = str(value).split(":")
            t = time(int(hh), int(mm))
        except (ValueError, TypeError):
            self.problems.append(f'{path}: must be a time of day written HH:MM in quotes, e.g. "09:00", got {value!r}')
            return time(9, 0)
        if in_quiet_hour(t):
            self.problems.append(
                f"{path}: {value} is between 01:00 and 02:00, the hour the clocks change: choose another"
            )
        return t

    def choice_list(self, path: str, allowed: tuple[str, ...], value: Any = None, *, allow_empty: bool) -> tuple:
        value = self.get(path) if value is None else value
        if not isinstance(value, list) or any(v not in allowed for v in value) or (not value and not allow_empty):
            self.problems.append(f"{path}: must be a list of {', '.join(allowed)}, got {value!r}")
            return ()
        return tuple(dict.fromkeys(value))


def parse_policy(raw: dict[str, Any], source: str = "built-in defaults") -> Policy:
    c = _Checker(raw)
    country, subdiv = c.get("calendar.holidays_country"), c.get("calendar.holidays_subdiv")
    calendar = WorkCalendar()
    start, end = c.clock_time("calendar.working_hours_start"), c.clock_time("calendar.working_hours_end")
    try:
        calendar = WorkCalendar(country=str(country), subdiv=subdiv or None, day_start=start, day_end=end)
        if (calendar.country, calendar.subdiv) != (WorkCalendar.country, WorkCalendar.subdiv):
            # the `holidays` package rejects unknown places here; the built-in place (England)
            # is known to it, so a start-up with it does not load `holidays` before it is needed
            calendar.is_working_day(date(2016, 1, 4))
    except (NotImplementedError, KeyError, ValueError, TypeError) as exc:
        c.problems.append(f"calendar.holidays_country/holidays_subdiv: {country}/{subdiv} unknown to `holidays`: {exc}")
    if start >= end:
        c.problems.append(
            f"calendar.working_hours_start ({start:%H:%M}) must be before working_hours_end ({end:%H:%M})"
        )
    if start < time(2, 0) <= end or (start <= time(1, 0) < end):
        c.problems.append("calendar.working_hours: must not include 01:00–02:00")
    send_time = c.clock_time("calendar.send_time")
    if not start <= send_time < end:
        c.problems.append(f"calendar.send_time ({send_time:%H:%M}) must be inside working hours")
    tz = c.get("calendar.default_timezone")
    if not valid_zone(tz):
        c.problems.append(f"calendar.default_timezone: {tz!r} is not a time zone name such as Europe/London")
        tz = "Europe/London"

    days = raw.get("pre_due", {}).get("working_days_before")
    if not isinstance(days, list) or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 250 for d in days):
        c.problems.append(f"pre_due.working_days_before: must be a list of whole numbers from 0 to 250, got {days!r}")
        days = []

    open_day = c.integer("round.open_working_day", 1, 15)
    due_day = c.integer("round.due_working_day", 1, 20)
    if due_day < open_day:
        c.problems.append(f"round.due_working_day ({due_day}) must not be before open_working_day ({open_day})")
    ask_day = c.integer("indicators.ask_working_day", 1, 15)
    readings_due = c.integer("indicators.due_working_day", 1, 20)
    if readings_due < ask_day:
        c.problems.append(f"indicators.due_working_day ({readings_due}) must not be before ask_working_day ({ask_day})")

    escalation = _escalation(c, raw.get("escalation", {}), "escalation", None)
    by_priority: dict[int, Escalation] = {}
    overrides = raw.get("escalation", {}).get("priorities") or {}
    if not isinstance(overrides, dict):
        c.problems.append(f"escalation.priorities: must map a priority number to overrides, got {overrides!r}")
        overrides = {}
    for number, values in overrides.items():
        where = f"escalation.priorities.{number}"
        if not re.fullmatch(r"[0-9]{1,3}", str(number)):
            c.problems.append(f"{where}: the key must be a priority number")
            continue
        if not isinstance(values, dict) or any(k not in ESCALATION_KEYS for k in values):
            c.problems.append(f"{where}: must be a mapping of {', '.join(ESCALATION_KEYS)}, got {values!r}")
            continue
        by_priority[int(number)] = _escalation(c, values, where, escalation)

    weekly_day = str(c.get("digests.weekly_day")).lower()
    if weekly_day not in WEEKDAYS:
        c.problems.append(f"digests.weekly_day: must be a day name (monday … sunday), got {weekly_day!r}")
        weekly_day = "monday"

    policy = Policy(
        calendar=calendar,
        default_timezone=tz,
        send_time=send_time,
        pre_due_days=tuple(sorted(set(days), reverse=True)),
        round_enabled=c.boolean("round.enabled"),
        round_open_day=open_day,
        round_due_day=due_day,
        round_recurring=c.choice_list("round.include_recurring", RECURRENCES, allow_empty=True),
        round_ask_before_start_days=c.integer("round.ask_before_start_days", 0, 366),
        readings_enabled=c.boolean("indicators.enabled"),
        readings_ask_day=ask_day,
        readings_due_day=readings_due,
        chase_count=c.integer("chases.count", 0, 5),
        chase_first_after=c.integer("chases.first_after_working_days", 0, 20),
        chase_interval=c.integer("chases.interval_working_days", 1, 20),
        escalation=escalation,
        escalation_by_priority=by_priority,
        tell_lead_without_delegate=c.boolean("leave.tell_priority_lead_without_delegate"),
        snooze_max_days=c.integer("snooze.max_days", 1, 366),
        weekly_enabled=c.boolean("digests.weekly_enabled"),
        weekly_day=WEEKDAYS.index(weekly_day),
        weekly_time=c.clock_time("digests.weekly_time"),
        monthly_report_enabled=c.boolean("digests.monthly_report_enabled"),
        monthly_report_time=c.clock_time("digests.monthly_report_time"),
        tick_seconds=c.integer("delivery.tick_seconds", 5, 3600),
        stale_claim_minutes=c.integer("delivery.stale_claim_minutes", 1, 1440),
        email_fallback=c.boolean("delivery.email_fallback"),
        source=source,
        raw=raw,
    )
    for path, t in (
        ("digests.weekly_time", policy.weekly_time),
        ("digests.monthly_report_time", policy.monthly_report_time),
    ):
        if not start <= t < end:
            c.problems.append(f"{path} ({t:%H:%M}) must be inside working hours")
    if c.problems:
        raise PolicyError(source, c.problems)
    return policy


def _escalation(c: _Checker, values: dict[str, Any], where: str, base: Escalation | None) -> Escalation:
    def pick(key: str) -> Any:
        if key in values:
            return values[key]
        return getattr(base, key) if base is not None else None

    to = pick("to")
    return Escalation(
        to=c.choice_list(
            f"{where}.to", ESCALATION_TARGETS, list(to) if isinstance(to, tuple) else to, allow_empty=False
        ),
        overdue_working_days=c.integer(f"{where}.overdue_working_days", 0, 250, pick("overdue_working_days")),
        on_red=c.boolean(f"{where}.on_red", pick("on_red")),
        on_silence=c.boolean(f"{where}.on_silence", pick("on_silence")),
        silence_working_days=c.integer(f"{where}.silence_working_days", 0, 60, pick("silence_working_days")),
    )


@functools.cache
def default_policy() -> Policy:
    """The built-in defaults, parsed once per process: what a core built without a policy uses."""
    return load_policy(None)


def policy_from_settings(settings) -> Policy:
    return load_policy(getattr(settings, "actionbot_policy", None))


def describe(policy: Policy) -> list[tuple[str, str]]:
    """The policy as (rule, setting) lines for `actionbot policy show` and the README table."""
    cal = policy.calendar
    esc = policy.escalation
    lines = [
        ("working days", f"Mon–Fri except {cal.country}/{cal.subdiv or '-'} bank holidays, on the recipient's date"),
        ("working hours", f"{cal.day_start:%H:%M}–{cal.day_end:%H:%M} recipient local time; never 01:00–02:00"),
        ("default time zone", policy.default_timezone),
        ("daily message", f"at most one per person per day, from {policy.send_time:%H:%M} local"),
        (
            "pre-due nudges",
            ", ".join(f"{d} working days before" if d else "on the due date" for d in policy.pre_due_days) or "off",
        ),
        (
            "monthly round",
            f"working day {policy.round_open_day} of the month, answer by working day {policy.round_due_day}"
            + (f"; recurring: {', '.join(policy.round_recurring)}" if policy.round_recurring else "")
            + f"; not asked until {policy.round_ask_before_start_days} days before an action's start"
            if policy.round_enabled
            else "off",
        ),
        (
            "indicator readings",
            f"last month's missing readings asked of each indicator's owner on working day "
            f"{policy.readings_ask_day}, answer by working day {policy.readings_due_day}; chased like actions"
            if policy.readings_enabled
            else "off",
        ),
        (
            "chases",
            f"up to {policy.chase_count}, first {policy.chase_first_after} working day(s) after the deadline, "
            f"then {policy.chase_interval} apart"
            if policy.chase_count
            else "off",
        ),
        ("escalate to", " and ".join(esc.to)),
        ("escalate when overdue", f"{esc.overdue_working_days} working days" if esc.overdue_working_days else "off"),
        ("escalate on Red", "yes" if esc.on_red else "no"),
        (
            "escalate on silence",
            f"{esc.silence_working_days} working days after the last chase" if esc.on_silence else "off",
        ),
    ]
    for number, e in sorted(policy.escalation_by_priority.items()):
        lines.append(
            (f"priority {number} escalations", f"to {' and '.join(e.to)}; overdue {e.overdue_working_days} wd")
        )
    lines += [
        (
            "leave",
            "delegate asked; no delegate: priority lead officer told"
            if policy.tell_lead_without_delegate
            else "delegate asked",
        ),
        ("snooze", f"at most {policy.snooze_max_days} days; never holds overdue or Red escalations"),
        (
            "weekly digest",
            f"{WEEKDAYS[policy.weekly_day].title()} {policy.weekly_time:%H:%M} to the SIT"
            if policy.weekly_enabled
            else "off",
        ),
        (
            "monthly report",
            f"when the round closes, {policy.monthly_report_time:%H:%M}, to the SIT"
            if policy.monthly_report_enabled
            else "off",
        ),
        ("tick", f"every {policy.tick_seconds} s; a claim older than {policy.stale_claim_minutes} min is re-sent"),
    ]
    return lines
