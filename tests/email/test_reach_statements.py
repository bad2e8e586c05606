"""Deciding who each channel can reach asks every channel about every person on every tick
(`bot.delivery.unreachable_people`). With Teams and email configured that read a
conversation reference or the person's chat accounts per person: one statement a person,
20,000 a tick at a large council's size. `storage.repo.reach_index` reads both tables once for
the whole question. Checked here with the real Teams and email channels, on SQLite and
PostgreSQL: the same number of statements for 20 people as for 200, and the same answer, person
by person, as asking without the index."""

from __future__ import annotations

from sqlmodel import Session

from bench.scale import counted
from bot.delivery import pick_channel, unreachable_people
from handlers.teams.addresses import person_key as teams_address
from handlers.teams.outbound import TeamsChannel
from storage import repo
from storage.plan_data import PersonRow
from storage.plan_store import save_people
from tests.contract.test_tick_statements import _second_database
from tests.email.conftest import email_runtime


def _directory(engine, clock, size: int) -> None:
    """`size` people: a third on Slack, a third with a Teams conversation (some failed for
    good), the rest with only an email, and a few with neither."""
    rows = []
    for i in range(size):
        chat_ids = {"slack": f"U{i:05d}"} if i % 3 == 0 else {}
        email = None if i % 10 == 9 else f"p{i}@council.example.invalid"
        rows.append(PersonRow(key=f"p{i}", name=f"Person {i}", email=email, chat_ids=chat_ids))
    with Session(engine) as session:
        save_people(session, rows, actor="test", now=clock.now())
        for i in range(1, size, 3):
            row = repo.save_channel_address(
                session, "teams", teams_address(f"p{i}"), {"reference": {"conversation": {"id": f"c{i}"}}}, clock.now()
            )
            if i % 4 == 1:
                row.failed_at = clock.now()
        session.commit()


def _ask(engine, clock, size: int) -> tuple[int, dict[str, str], dict[str, str | None]]:
    """Statements `unreachable_people` ran, its answer, and each person's channel asked one by one."""
    _directory(engine, clock, size)
    runtime = email_runtime(engine, clock)
    channels = {"teams": TeamsChannel(engine, clock, adapter=None), "email": runtime.channels["email"]}
    with Session(engine) as session:
        people = repo.all_people(session)
        with counted(engine) as box:
            answer = unreachable_people(session, channels, people)
        one_by_one = {p.key: getattr(pick_channel(session, channels, p), "name", None) for p in people}
    return box[0], answer, one_by_one


def test_who_can_be_reached_is_read_in_as_many_statements_for_200_people_as_for_20(
    any_engine, email_clock, email_env, tmp_path, request
):
    small, small_answer, small_each = _ask(any_engine, email_clock, 20)
    big, big_answer, big_each = _ask(_second_database(any_engine, tmp_path, request), email_clock, 200)
    assert small == big, (small, big)
    for answer, each in ((small_answer, small_each), (big_answer, big_each)):
        # the index answers exactly as the person-by-person reads do
        assert set(answer) == {key for key, channel in each.items() if channel is None}
    # the directory took every path: Teams, email instead of a failed Teams conversation, email
    # for the Slack-only people (no Slack channel here), and nobody for those with nothing
    assert big_each["p4"] == "teams" and big_each["p7"] == "teams"
    assert big_each["p1"] == "email" and big_each["p13"] == "email"  # their Teams conversation failed for good
    assert big_each["p0"] is None  # Slack account only: email is not for people on chat
    assert big_each["p2"] == "email"
    assert big_each["p29"] is None  # no email, no chat
