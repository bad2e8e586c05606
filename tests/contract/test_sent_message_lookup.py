"""storage.repo.sent_message: a posted card is found again by its platform message reference
(how a Slack thread reply or click finds the nudge's actions), on SQLite and PostgreSQL."""

from __future__ import annotations

from storage import ledger, repo
from storage.db import session_scope


def test_a_sent_card_is_found_by_channel_and_message_ref(any_engine, clock):
    now = clock.now()
    with session_scope(any_engine) as session:
        row = ledger.claim(
            session,
            "nudge:x:1",
            kind="nudge",
            recipient="hos-scp",
            channel="slack",
            now=now,
            worker="w",
            payload={"refs": ["4.2.1", "4.2.2"]},
        )
        ledger.mark_sent(session, row, now, "D0HOSSCP:1476520000.000001")
        other = ledger.claim(session, "nudge:x:2", kind="nudge", recipient="x", channel="teams", now=now, worker="w")
        ledger.mark_sent(session, other, now, "D0HOSSCP:1476520000.000002")
    with session_scope(any_engine) as session:
        found = repo.sent_message(session, "slack", "D0HOSSCP:1476520000.000001")
        assert found is not None and found.payload["refs"] == ["4.2.1", "4.2.2"]
        assert repo.sent_message(session, "slack", "D0HOSSCP:1476520000.000002") is None  # another channel's
        assert repo.sent_message(session, "slack", "D0HOSSCP:9") is None
        assert repo.sent_message(session, "slack", "") is None  # claimed but never marked sent
