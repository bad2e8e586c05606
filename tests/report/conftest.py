"""Fixtures for the report tests: the seeded month (both databases), its October report, and
a worst case for chat payloads: every action of the largest priority (5) red or amber with a
280-character note full of Slack control characters, a proposed date and an escalation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from bot.report import build_report
from storage import repo
from storage.models import Action, ActionUpdate, Escalation, Indicator, IndicatorReading
from tests.conftest import uk
from tests.report.seed import seed_priority_seven

NASTY = "<!channel> @here <@U123> <https://evil.example|click> & “quotes” — "


@pytest.fixture
def seeded(reference_any_engine):
    seed_priority_seven(reference_any_engine)
    return reference_any_engine


@pytest.fixture
def october(seeded):
    with Session(seeded) as session:
        return build_report(session, repo.active_plan(session), "2016-10")


@pytest.fixture(scope="session")
def crowded_report(_reference_sqlite_template, tmp_path_factory):
    """Priority 5 (59 actions) with everything at once, October 2016."""
    import shutil

    from storage.db import make_engine

    path = tmp_path_factory.mktemp("crowded") / "crowded.db"
    shutil.copy(_reference_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        actions = session.exec(select(Action).where(Action.priority_number == 5)).all()
        for i, a in enumerate(actions):
            note = (NASTY * 6)[:270] + f" #{i}"
            session.add(
                ActionUpdate(
                    action_id=a.id,
                    at=uk(2016, 9, 2, 9, 0) + timedelta(minutes=i),
                    author_key="hos-cr",
                    author_name="Rhys Carraway (fictional) & <b>co</b>",
                    rag="red" if i % 2 else "amber",
                    note=note,
                    proposed_due=date(2017, 1, 31),
                    channel="terminal",
                )
            )
            session.add(Escalation(action_id=a.id, to_person_key="dcs", reason="red", raised_at=uk(2016, 10, 3, 9, 0)))
        for ind in session.exec(select(Indicator).where(Indicator.priority_number == 5)).all():
            session.add(
                IndicatorReading(
                    indicator_id=ind.id,
                    period=date(2016, 10, 1),
                    value="99% <!here>",
                    numeric=99.0,
                    at=uk(2016, 11, 2, 9, 0),
                    source="test",
                )
            )
        session.commit()
        report = build_report(session, repo.active_plan(session), "2016-10")
    engine.dispose()
    return report
