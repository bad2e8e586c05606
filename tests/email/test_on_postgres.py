"""The email channel's "once" guarantees on PostgreSQL too (the production database): a link
is spent by one conditional UPDATE and a webhook's retry is claimed in `seen_event`, so the
answer and the reply are each recorded once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.db import session_scope
from storage.models import Action, ActionUpdate
from tests.email.conftest import HANNAH_EMAIL, email_runtime, links_in, reply_to_nudge, send_nudge, serving

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_rt(reference_postgres_engine, email_clock, email_env):
    return email_runtime(reference_postgres_engine, email_clock)


@pytest.fixture
async def pg_served(pg_rt):
    async with serving(pg_rt) as s:
        yield s


def recorded(rt):
    with session_scope(rt.engine) as s:
        rows = s.exec(select(ActionUpdate).where(ActionUpdate.channel == "email").order_by(ActionUpdate.id)).all()
        return [(s.get(Action, u.action_id).ref, u.rag, u.note) for u in rows]


async def test_a_link_and_a_reply_each_record_once(pg_rt, sink, pg_served):
    await send_nudge(pg_rt)
    [msg] = sink.to(HANNAH_EMAIL)
    url = links_in(msg)["4.2.1"]["green"].replace("http://localhost:3978", pg_served.url).split("?")[0]
    statuses = []
    for _ in range(2):
        async with pg_served.http.post(url, data={"choice": "green"}) as r:
            statuses.append(r.status)
    assert statuses == [200, 409]
    status, body = await reply_to_nudge(pg_rt, sink, pg_served, "4.2.2 amber - waiting on HR")
    assert (status, body["recorded"]) == (200, 1)
    assert recorded(pg_rt) == [("4.2.1", "green", ""), ("4.2.2", "amber", "waiting on HR")]
