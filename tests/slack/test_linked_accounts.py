"""`handlers.slack.people.LinkedAccounts`: a Slack id found linked is not looked up again for
`LINKED_FOR` on the runtime's clock; an id not linked is looked up every time. Against the
reference plan's database (the DCS linked to U0DCS as after `people link`)."""

from __future__ import annotations

from datetime import timedelta

from bot.identity import link_identity
from domain.clock import FixedClock
from handlers.slack.people import LINKED_FOR, LinkedAccounts, identity_of
from storage.db import session_scope
from tests.conftest import uk


class CountingThread:
    """What the listeners pass as `in_thread`: runs the blocking lookup, and counts them."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, fn, *args):
        self.calls += 1
        return fn(*args)


class NoSlack:
    """users.info must not be asked for a linked person; asked for a stranger it finds nobody."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def users_info(self, user: str):
        self.asked.append(user)
        return {"ok": True, "user": {"id": user, "name": "someone", "profile": {}}}


async def test_a_linked_id_is_looked_up_once_until_its_entry_runs_out(reference_engine):
    with session_scope(reference_engine) as s:
        link_identity(s, "slack", "U0DCS", "dcs")
    clock = FixedClock(uk(2016, 10, 15, 10, 0))
    linked, lookups, slack = LinkedAccounts(clock.now), CountingThread(), NoSlack()

    for _ in range(3):
        who = await identity_of(reference_engine, slack, "U0DCS", in_thread=lookups, linked=linked)
        assert (who.channel, who.user_id, who.email) == ("slack", "U0DCS", None)
    assert lookups.calls == 1 and slack.asked == []

    clock.advance(LINKED_FOR + timedelta(seconds=1))
    await identity_of(reference_engine, slack, "U0DCS", in_thread=lookups, linked=linked)
    assert lookups.calls == 2 and slack.asked == []


async def test_an_unlinked_id_is_looked_up_every_time_and_asked_of_slack(reference_engine):
    clock = FixedClock(uk(2016, 10, 15, 10, 0))
    linked, lookups, slack = LinkedAccounts(clock.now), CountingThread(), NoSlack()
    for _ in range(2):
        await identity_of(reference_engine, slack, "U0NOBODY", in_thread=lookups, linked=linked)
    assert lookups.calls == 2 and slack.asked == ["U0NOBODY", "U0NOBODY"]
    assert not linked.known("U0NOBODY")

    # linked in between (an import, `people link`): counted from the next message on
    with session_scope(reference_engine) as s:
        link_identity(s, "slack", "U0NOBODY", "dcs")
    await identity_of(reference_engine, slack, "U0NOBODY", in_thread=lookups, linked=linked)
    assert linked.known("U0NOBODY") and slack.asked == ["U0NOBODY", "U0NOBODY"]
