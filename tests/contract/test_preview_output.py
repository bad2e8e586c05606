"""`preview`'s output pinned on a small synthetic plan, so a change that makes it faster is
proven not to change what it says.

The plan is `bench.synthetic`'s (the same shape as the 10,000-action benchmark) at 100 actions
and 30 people, with what the scale benchmark's plan lacks and the rules read: people on leave
(with and without a delegate), people in other time zones, snoozes, Red / Amber / Green updates
before the period and one inside it (which only `--replay` sees), and a channel that reaches
two people in three (the others' messages are `unreachable`, and the SIT hears of them). The
period runs from late August to mid-October: a bank holiday and two round openings.

The golden file was written by the implementation as it stood before the preview was made
fast (every action's rules evaluated at every wake-up). After a change that is *meant* to
change the output, write it again with `python -m tests.contract.test_preview_output` and
review the diff.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session, select

from bench.synthetic import generate
from bot.policy import load_policy
from domain.clock import FixedClock
from scheduler.preview import SimulatedReplies, as_text, preview
from storage import repo
from storage.db import make_engine, upgrade
from storage.importers import import_plan_file
from storage.models import Action, ActionUpdate, Person, Snooze
from tests.fakes.outbound import RecordingChannel

GOLDEN = Path(__file__).with_name("golden") / "preview_synthetic.txt"
ACTIONS, PEOPLE = 100, 30
START, END = date(2016, 8, 25), date(2016, 10, 13)


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def build(engine) -> set[str]:
    """The plan and directory described above; returns the keys the channel reaches."""
    with tempfile.TemporaryDirectory() as tmp:
        plan_csv, people_csv = generate(Path(tmp), ACTIONS, PEOPLE)
        import_plan_file(engine, FixedClock(_at(2016, 8, 1, 9)), str(plan_csv), plan_key="synthetic", title="Synthetic")
        with people_csv.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    reach = set()
    with Session(engine) as session:
        for i, row in enumerate(rows):
            person = Person(
                key=row["key"],
                name=row["name"],
                email=row["email"],
                roles=[r for r in row["roles"].split(";") if r],
                manager_key=row["manager"] or None,
                sit_admin=row["sit_admin"] == "yes",
            )
            if i % 9 == 4:
                person.timezone = "America/New_York"
            elif i % 13 == 6:
                person.timezone = "Asia/Kolkata"
            if i % 7 == 2:  # on leave mid-September; every other one with a delegate
                person.away_from, person.away_until = date(2016, 9, 12), date(2016, 9, 21)
                if i % 14 == 2:
                    person.delegate_key = rows[(i + 1) % len(rows)]["key"]
            if i % 11 == 5:  # back from leave on the second day of the period
                person.away_until = date(2016, 8, 26)
            if i % 3:
                reach.add(person.key)
            session.add(person)
        actions = session.exec(select(Action).order_by(Action.id)).all()
        for n, action in enumerate(actions):
            if n % 13 == 1:
                session.add(ActionUpdate(action_id=action.id, at=_at(2016, 8, 15, 10), rag="red", note="blocked"))
            elif n % 7 == 3:
                session.add(ActionUpdate(action_id=action.id, at=_at(2016, 8, 10, 11), rag="green", note="on track"))
            if n % 29 == 8:
                session.add(ActionUpdate(action_id=action.id, at=_at(2016, 9, 14, 14), rag="amber", note="slipping"))
            if n % 37 == 10:
                session.add(Snooze(action_id=action.id, person_key="sit", until=date(2016, 9, 22), at=_at(2016, 8, 20)))
        session.commit()
    return reach


def output(engine, reach: set[str], modes=("nobody answers", "simulate replies", "replay"), **kw) -> str:
    """Every mode's output as text with the detail lines (the CSV is the same rows, formatted)."""
    policy = load_policy(None)
    channels = {"fake": RecordingChannel(reach=reach)}
    parts = []
    for mode in modes:
        with Session(engine) as session:
            plan = repo.active_plan(session, "synthetic")
            replies = SimulatedReplies() if mode == "simulate replies" else None
            rows = preview(session, plan, policy, channels, START, END, replay=mode == "replay", replies=replies, **kw)
        counts = f" ({replies.confirmed} confirmed, {replies.real_answers} real answers)" if replies else ""
        parts.append(as_text(rows, detail=True, header=f"== {mode}: {len(rows)} messages{counts}"))
    return "".join(parts)


def test_preview_output_is_unchanged(sqlite_engine):
    """Byte for byte what the implementation before the speed-up printed, in all three modes."""
    got = output(sqlite_engine, build(sqlite_engine))
    assert got.count("\n") > 2000  # a real month: thousands of lines, not an empty preview
    want = GOLDEN.read_text(encoding="utf-8")
    if got != want:  # the first differing line, not a 10,000-line diff
        for n, (g, w) in enumerate(zip(got.splitlines(), want.splitlines(), strict=False), start=1):
            assert g == w, f"{GOLDEN.name} line {n} differs"
    assert got == want


def test_skipping_quiet_actions_changes_nothing(sqlite_engine):
    """The same messages as evaluating every action at every wake-up, from the code as it is
    (the golden file pins the past; this holds after it is written again)."""
    reach = build(sqlite_engine)
    modes = ("nobody answers", "simulate replies")
    fast = output(sqlite_engine, reach, modes)
    assert fast.count("\n") > 2000
    assert fast == output(sqlite_engine, reach, modes, skip_quiet=False)


def main() -> None:
    """Write the golden file from the code as it is (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'golden.db'}")
        upgrade(engine)
        text = output(engine, build(engine))
        engine.dispose()
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(text, encoding="utf-8")
    print(f"wrote {GOLDEN} ({text.count(chr(10))} lines)", file=sys.stderr)


if __name__ == "__main__":
    main()
