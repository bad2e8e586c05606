"""Queries for performance indicators, their readings and escalations (the report's other inputs).

Kept beside `storage.repo` so the core and the report never write SQL themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import Escalation, Indicator, IndicatorReading


def plan_indicators(session: Session, plan_id: int) -> list[Indicator]:
    """Every indicator of a plan: priority measures first (by priority), then Appendix 1 by number."""
    rows = session.exec(select(Indicator).where(Indicator.plan_id == plan_id)).all()
    return sorted(rows, key=indicator_order)


def indicator_order(ind: Indicator) -> tuple:
    if ind.priority_number is not None and ind.appendix_number is None:
        return (0, ind.priority_number, len(ind.code), ind.code)
    return (1, ind.appendix_number or 0, ind.code)


def readings_for(
    session: Session, indicator_ids: Iterable[int], *, period_until: date | None = None
) -> dict[int, list[IndicatorReading]]:
    """Readings per indicator, oldest period first and, within a period, oldest entry first.

    A later entry for the same period is a correction: the last one of a period wins.
    """
    ids = list(indicator_ids)
    out: dict[int, list[IndicatorReading]] = defaultdict(list)
    if not ids:
        return out
    query = select(IndicatorReading).where(col(IndicatorReading.indicator_id).in_(ids))
    if period_until is not None:
        query = query.where(IndicatorReading.period <= period_until)
    query = query.order_by(IndicatorReading.period, IndicatorReading.at, IndicatorReading.id)
    for r in session.exec(query).all():
        out[r.indicator_id].append(r)
    return out


def escalations_for(session: Session, action_ids: Iterable[int], *, raised_until: datetime) -> list[Escalation]:
    ids = list(action_ids)
    if not ids:
        return []
    query = (
        select(Escalation)
        .where(col(Escalation.action_id).in_(ids), Escalation.raised_at <= raised_until)
        .order_by(Escalation.raised_at, Escalation.id)
    )
    return list(session.exec(query).all())
