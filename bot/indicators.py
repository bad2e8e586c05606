"""Performance indicators: reading values, targets, direction, and who may record a reading.

One set of rules for every way a reading arrives (`kpi 4a 85%` in chat, `actionbot kpi import`)
and for every place it is shown (the highlight report, its exports and digests).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.identity import lead_roles_of
from bot.periods import Period
from bot.recipients import Directory, directory
from bot.views import NoticeView
from storage import indicator_repo, repo
from storage.models import Indicator, IndicatorReading, Person, Plan

_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?"
_PLAIN = re.compile(rf"^\s*[<>≤≥=~]?\s*({_NUMBER})\s*(%?)\s*$")
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*%?\s*[-–—]\s*({_NUMBER})\s*%?\s*$")
_ANY_NUMBER = re.compile(rf"({_NUMBER})\s*(%?)")
_QUALITATIVE = ("qualitative", "survey", "outcome", "satisfaction")

BETTER, ON_TARGET, WORSE = "better", "on target", "worse"
DIRECTION_WORDS = {BETTER: "better than target", ON_TARGET: "on target", WORSE: "worse than target"}


@dataclass(frozen=True)
class Target:
    """A target as written ("85%", "60 -120", "TBC") and what can be compared against it."""

    label: str  # the plan year it belongs to, e.g. "16/17"
    text: str
    low: float | None = None
    high: float | None = None

    @property
    def comparable(self) -> bool:
        return self.low is not None


def to_number(text: str) -> float:
    return float(text.replace(",", ""))


def parse_value(text: str, unit: str = "") -> tuple[str, float | None] | str:
    """A reading as typed → (text as written, the figure to compare), or a reason it is refused.

    For a "percent and number" measure the percentage is the figure compared with the target.
    """
    value = " ".join(text.strip().split())
    if not value:
        return "the value is empty"
    if len(value) > 60:
        return "the value is longer than 60 characters; give the figure, e.g. 85%"
    numbers = _ANY_NUMBER.findall(value)
    percents = [n for n, pct in numbers if pct]
    figure = to_number(percents[0]) if percents else (to_number(numbers[0][0]) if numbers else None)
    unit_l = (unit or "").lower()
    if figure is None:
        if any(word in unit_l for word in _QUALITATIVE) or unit_l.startswith("survey"):
            return value, None
        return f"{value!r} has no figure; give a number, e.g. 85% or 12"
    if (percents or unit_l == "percent") and not 0 <= figure <= 100:
        return f"{value!r} is not a percentage between 0 and 100"
    if figure < 0 and unit_l in ("percent", "number", "days", "weeks"):
        return f"{value!r} cannot be negative"
    return value, figure


def target_for(indicator: Indicator, on: date) -> Target:
    """The target of the plan year (April to March) that `on` falls in."""
    year = on.year if on.month >= 4 else on.year - 1
    label = f"{year % 100:02d}/{(year + 1) % 100:02d}"
    text = {2016: indicator.target_16_17, 2017: indicator.target_17_18}.get(year)
    return parse_target(label, text)


def parse_target(label: str, text: str | None) -> Target:
    if text is None or not str(text).strip():
        return Target(label, "")
    t = str(text).strip()
    m = _RANGE.match(t)
    if m:
        low, high = sorted((to_number(m.group(1)), to_number(m.group(2))))
        return Target(label, t, low, high)
    m = _PLAIN.match(t)
    if m:
        figure = to_number(m.group(1))
        return Target(label, t, figure, figure)
    return Target(label, t)


def direction(figure: float | None, target: Target, higher_is_better: bool | None) -> str:
    """better / on target / worse than the target; "" when they cannot be compared honestly."""
    if figure is None or not target.comparable or target.low is None or target.high is None:
        return ""
    if target.low <= figure <= target.high:
        return ON_TARGET
    if higher_is_better is None:
        return ""
    above = figure > target.high
    return BETTER if above == higher_is_better else WORSE


def latest_reading(readings: list[IndicatorReading], until: date) -> IndicatorReading | None:
    """The reading for the latest period up to `until`; a later entry for a period corrects it."""
    chosen = None
    for r in readings:
        if r.period <= until:
            chosen = r
    return chosen


def reading_in(readings: list[IndicatorReading], period: Period) -> IndicatorReading | None:
    chosen = None
    for r in readings:
        if period.contains(r.period):
            chosen = r
    return chosen


def find(session: Session, plan: Plan, code: str) -> Indicator | None:
    """An indicator by code, any case; a bare Appendix 1 number (`12`) means `A1-12`."""
    wanted = code.strip().lower()
    indicators = indicator_repo.plan_indicators(session, plan.id)
    for ind in indicators:
        if ind.code.lower() == wanted:
            return ind
    if wanted.isdigit():
        for ind in indicators:
            if ind.code.lower() == f"a1-{wanted}":
                return ind
    return None


def suggestions(session: Session, plan: Plan, code: str) -> list[str]:
    codes = [i.code for i in indicator_repo.plan_indicators(session, plan.id)]
    lowered = {c.lower(): c for c in codes}
    return [lowered[c] for c in difflib.get_close_matches(code.lower(), list(lowered), n=3, cutoff=0.5)]


def indicator_owners(people: Directory, owner_role: str | None) -> list[Person]:
    """Who answers for an indicator's readings: its owner role's holders, else the performance
    officers. Written over a Directory so the scheduler's pure policy (which asks them for
    missing readings) and the report (which names them) use the same rule."""
    if owner_role:
        found = people.holders(owner_role)
        if found:
            return found
    return sorted((p for p in people.people.values() if p.performance_officer), key=lambda p: p.key)


def owners(session: Session, indicator: Indicator) -> list[Person]:
    """`indicator_owners` from the database (the people the report's missing readings are chased from)."""
    return indicator_owners(directory(session), indicator.owner_role)


def may_record(session: Session, person: Person | None, indicator: Indicator) -> bool:
    if person is None:
        return False
    if person.sit_admin or person.performance_officer:
        return True
    return bool(indicator.owner_role and indicator.owner_role in lead_roles_of(person, session))


def who_may_record(session: Session, indicator: Indicator) -> str:
    names = [p.name for p in owners(session, indicator)]
    who = f"the {indicator.owner_role} lead" if indicator.owner_role else "the performance officer"
    return f"{who} ({', '.join(names)})" if names else who


def record_reading(
    session: Session,
    indicator: Indicator,
    period: Period,
    value: tuple[str, float | None],
    *,
    now: datetime,
    author_key: str | None,
    source: str,
    plan_key: str,
) -> IndicatorReading:
    """Append a reading (a second one for the same month corrects the first) and audit it."""
    text, figure = value
    reading = IndicatorReading(
        indicator_id=indicator.id,
        period=period.start,
        value=text,
        numeric=figure,
        at=now,
        author_key=author_key,
        source=source,
    )
    session.add(reading)
    repo.add_audit(
        session,
        at=now,
        actor=author_key or source,
        kind="kpi.reading",
        subject=indicator.code,
        details={"plan": plan_key, "period": period.key, "value": text, "source": source},
    )
    return reading


def missing_readings(session: Session, plan: Plan, period: Period) -> list[Indicator]:
    """Indicators with no reading for any month of `period` (every indicator is read monthly)."""
    indicators = indicator_repo.plan_indicators(session, plan.id)
    readings = indicator_repo.readings_for(session, [i.id for i in indicators], period_until=period.end)
    return [i for i in indicators if reading_in(readings.get(i.id, []), period) is None]


def missing_by_owner(session: Session, plan: Plan, period: Period) -> dict[str, list[Indicator]]:
    """Person key → the indicators whose reading for `period` they are to give, by the same
    owner rule (`indicator_owners`) the scheduler's reading requests follow."""
    out: dict[str, list[Indicator]] = {}
    people = directory(session)
    for indicator in missing_readings(session, plan, period):
        for person in indicator_owners(people, indicator.owner_role):
            out.setdefault(person.key, []).append(indicator)
    return out


def reading_request(name: str, period: Period, indicators: Sequence[Indicator | str], note: str = "") -> NoticeView:
    """The message asking an owner for missing readings, with the command to answer it.

    `indicators` are Indicators or their codes; `note` says why now (e.g. which chase it is).
    """
    codes = [i if isinstance(i, str) else i.code for i in indicators]
    first = name.split(" ")[0] if name else "there"
    shown = ", ".join(codes[:30]) + (
        f" and {len(codes) - 30} more (`kpi missing` lists them all)" if len(codes) > 30 else ""
    )
    example = codes[0] if codes else "4a"
    why = f" ({note[:1].upper()}{note[1:]}.)" if note else ""
    return NoticeView(
        f"Hello {first}, the highlight report for {period.label} is missing {len(codes)} performance "
        f"reading(s): {shown}.{why} Reply e.g. `kpi {example} 85% for {period.start:%b %Y}`, or send a CSV to "
        "`actionbot kpi import`."
    )
