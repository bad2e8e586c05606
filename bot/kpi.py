"""`kpi 4a 85%` in chat: record a performance indicator reading (text command, see bot.commands).

Also `kpi 4a` (the indicator, its target and latest reading) and `kpi missing [month]` (which
readings the report is still waiting for). A reading is for the last complete month unless a
month is named (`kpi 4a 85% for Sep 2016`): performance figures for a month arrive after it ends.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot import indicators as kpi
from bot.periods import Period, parse_month
from bot.requests import Reply
from bot.views import NoticeView
from storage import indicator_repo
from storage.models import Indicator

if TYPE_CHECKING:
    from bot.conversation import Turn

HINT = (
    "Record a performance reading with `kpi CODE VALUE [for MONTH]`, e.g. `kpi 4a 85%` (last month) or "
    "`kpi 4a 85% for Sep 2016`. `kpi 4a` shows the measure; `kpi missing` lists readings still due."
)
_KPI = re.compile(r"^(?:kpi|indicator)\b\s*(?P<rest>.*)$", re.IGNORECASE)
_FOR_MONTH = re.compile(r"^(?P<value>.+?)\s+(?:for|in)\s+(?P<month>.+)$", re.IGNORECASE)
_MONTH_NAMES = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}


def command(turn: Turn, text: str) -> Reply | None:
    """The TEXT_COMMANDS entry: None when the text is not a `kpi` command."""
    m = _KPI.match(text.strip())
    if not m:
        return None
    rest = " ".join(m.group("rest").split())
    if not rest or rest.lower() in ("help", "?"):
        return Reply([NoticeView(HINT)])
    first, _, remainder = rest.partition(" ")
    if first.lower() == "missing":
        return _missing(turn, remainder)
    indicator = kpi.find(turn.session, turn.state.plan, first)
    if indicator is None:
        close = kpi.suggestions(turn.session, turn.state.plan, first)
        hint = f" — did you mean {' or '.join(close)}?" if close else " Codes look like 4a or A1-12."
        return Reply([NoticeView(f"No indicator {first}{hint}", "warning", suggestions=tuple(close))])
    if not remainder:
        return Reply([NoticeView(_describe(turn, indicator))])
    return _record(turn, indicator, remainder)


def default_period(today: date) -> Period:
    """The last complete month."""
    return Period.containing(today.replace(day=1) - timedelta(days=1))


def read_period(text: str, today: date) -> Period | None:
    """`Sep 2016`, `2016-09`, `09/2016`, or a bare month name (its latest occurrence up to today)."""
    first = parse_month(text)
    if first is not None:
        return Period.containing(first)
    month = _MONTH_NAMES.get(text.strip().lower().rstrip("."))
    if month is None:
        return None
    year = today.year if month <= today.month else today.year - 1
    return Period.month(year, month)


def _split(remainder: str, today: date) -> tuple[str, Period | None, str | None]:
    """value text, its period, or an error."""
    m = _FOR_MONTH.match(remainder)
    if m:
        period = read_period(m.group("month"), today)
        if period is None:
            return "", None, f"I can't read the month {m.group('month')!r}: try `Sep 2016` or `2016-09`."
        return m.group("value"), period, None
    tokens = remainder.split(" ")
    for n in (2, 1):
        if len(tokens) > n:
            period = read_period(" ".join(tokens[-n:]), today)
            if period is not None and parse_month(" ".join(tokens[-n:])) is not None:
                return " ".join(tokens[:-n]), period, None
    return remainder, default_period(today), None


def _record(turn: Turn, indicator: Indicator, remainder: str) -> Reply:
    session, actor, today = turn.session, turn.actor, turn.state.today
    if actor.person is None:
        return Reply(
            [
                NoticeView(
                    "I don't know you yet, so I can't record readings from you. Ask the SIT to add you to the "
                    "people directory.",
                    "warning",
                )
            ]
        )
    if not kpi.may_record(session, actor.person, indicator):
        who = kpi.who_may_record(session, indicator)
        return Reply([NoticeView(f"Only {who} or the SIT can record readings for {indicator.code}.", "warning")])
    value_text, period, error = _split(remainder, today)
    if error or period is None:
        return Reply([NoticeView(error or HINT, "warning")])
    if period.start > today:
        return Reply([NoticeView(f"{period.label} has not started yet; readings are for past months.", "warning")])
    value = kpi.parse_value(value_text, indicator.unit)
    if isinstance(value, str):
        return Reply([NoticeView(f"Nothing was recorded: {value}.\n{HINT}", "warning")])
    readings = indicator_repo.readings_for(session, [indicator.id], period_until=period.end).get(indicator.id, [])
    earlier = kpi.reading_in(readings, period)
    kpi.record_reading(
        session,
        indicator,
        period,
        value,
        now=turn.now,
        author_key=actor.key,
        source=turn.request.identity.channel,
        plan_key=turn.state.plan.key,
    )
    target = kpi.target_for(indicator, period.end)
    verdict = kpi.direction(value[1], target, indicator.higher_is_better)
    verdict_text = f" — {kpi.DIRECTION_WORDS[verdict]}." if verdict else "."
    target_text = f" Target {target.label}: {target.text}{verdict_text}" if target.text else ""
    replaced = f" (replaces {earlier.value}, recorded {earlier.at:%d %b %Y})" if earlier else ""
    return Reply(
        [
            NoticeView(
                f"Recorded {indicator.code} {indicator.title}: {value[0]} for {period.label}{replaced}.{target_text}"
            )
        ]
    )


def _describe(turn: Turn, indicator: Indicator) -> str:
    today = turn.state.today
    readings = indicator_repo.readings_for(turn.session, [indicator.id], period_until=today).get(indicator.id, [])
    latest = kpi.latest_reading(readings, today)
    target = kpi.target_for(indicator, today)
    last = f"{latest.value} for {latest.period:%B %Y}" if latest else "no reading yet"
    due = default_period(today)
    missing = " (missing)" if kpi.reading_in(readings, due) is None else ""
    return (
        f"{indicator.code} {indicator.title}\n"
        f"Baseline {indicator.baseline or '—'} · target {target.label}: {target.text or 'none set'} · "
        f"latest {last}. {due.label}{missing}: `kpi {indicator.code} VALUE`."
    )


def _missing(turn: Turn, month_text: str) -> Reply:
    today = turn.state.today
    period = read_period(month_text, today) if month_text.strip() else default_period(today)
    if period is None:
        return Reply([NoticeView(f"I can't read the month {month_text!r}: try `Sep 2016`.", "warning")])
    missing = kpi.missing_readings(turn.session, turn.state.plan, period)
    if not missing:
        return Reply([NoticeView(f"Every indicator has a reading for {period.label}.")])
    codes = ", ".join(i.code for i in missing)
    return Reply([NoticeView(f"{len(missing)} readings missing for {period.label}: {codes}")])
