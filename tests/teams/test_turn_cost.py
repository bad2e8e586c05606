"""What one Teams turn costs us (issue #14): one transaction, no reference rewritten when it is
unchanged, and the card handed to the SDK's serializer without being walked. The figures are in
`python -m bench teams`; these guard the behaviour that makes them."""

from __future__ import annotations

import botbuilder.schema as schema
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity
from msrest.serialization import Serializer
from sqlalchemy import event

from bot.channel_setup import may_choose_role
from bot.views import NoticeView
from cards.adaptive import message_activity
from cards.format import shorten
from cards.text import render_all
from handlers.teams import addresses
from handlers.teams.sdk import outgoing_activity
from storage import repo
from storage.db import session_scope
from tests.conftest import uk
from tests.teams.conftest import card_texts


class Commits:
    """Counts the transactions committed on an engine (SQLAlchemy's `commit` event)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "commit", self._one)

    def _one(self, _conn) -> None:
        self.count += 1


def address_row(rt):
    with session_scope(rt.engine) as s:
        row = repo.channel_address(s, "teams", "person:hos-scp")
        return None if row is None else (row.data, row.updated_at, row.failed_at)


async def test_a_known_persons_message_is_one_transaction_and_rewrites_nothing(adapter: TestAdapter, rt):
    await adapter.send("status priority 4")  # the first message stores her personal chat
    stored = address_row(rt)
    assert stored is not None and stored[0]["reference"]["serviceUrl"] == "https://smba.example.invalid/uk/"
    commits = Commits(rt.engine)
    replies: list[Activity] = []
    await (await adapter.send("status priority 4")).assert_reply(lambda reply, _d=None: replies.append(reply))
    assert "Priority 4: Safeguarding" in card_texts(replies[0].attachments[0].content)
    assert commits.count == 1  # who is asking, the answer and the reference check: one transaction
    assert address_row(rt) == stored  # the same reference: not written again


async def test_a_reference_marked_failed_is_written_again_by_the_persons_next_message(adapter: TestAdapter, rt):
    await adapter.send("status priority 4")
    with session_scope(rt.engine) as s:
        addresses.mark_failed(s, "person:hos-scp", "403 MessageWritesBlocked", uk(2016, 10, 15, 9, 0))
    assert address_row(rt)[2] is not None
    commits = Commits(rt.engine)
    await adapter.send("status priority 4")
    assert commits.count == 2  # the answer's transaction, then the reference's own
    assert address_row(rt)[2] is None  # she wrote to the bot: it can reach her again


def test_a_card_reaches_the_wire_exactly_as_the_sdk_would_have_serialised_it():
    views = [
        NoticeView("Priority 5: `status 5.1.1` — “quoted”, ünïcode, and a long line " * 3 + "\nthe second line", "info"),
        NoticeView("another view", "warning"),
    ]
    ours = message_activity(views)
    serializer = Serializer({k: v for k, v in vars(schema).items() if isinstance(v, type)})
    by_the_sdk = serializer.body(Activity().deserialize(ours), "Activity")
    assert serializer.body(outgoing_activity(ours), "Activity") == by_the_sdk
    sent = outgoing_activity(ours).attachments[0].content
    assert sent == ours["attachments"][0]["content"]  # still the card, for whoever reads it back
    # the summary is the reply's first line as text, taken from the card's fallback text
    assert ours["summary"] == shorten(render_all(views).split("\n", 1)[0], 120)


def test_may_choose_role_is_never_false_for_an_iam_command():
    for text in ("iam DCS", "IAM dcs", "i am HOS S&CP", "act as DCS", "status iam DCS", "iam off"):
        assert may_choose_role(text), text
    assert not may_choose_role("status priority 4")
    assert not may_choose_role("4.2.1 amber - waiting on HR, new date end of Oct")
