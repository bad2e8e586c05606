"""The reads every chat request starts with, on SQLite and PostgreSQL:
`repo.version_and_person_by_chat_id` answers exactly what `trail_version` and
`person_by_chat_id` answer apart, for a linked account, an unknown one and no account."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.identity import link_identity
from storage import repo
from storage.db import session_scope

NOW = datetime(2016, 10, 14, 9, 0, tzinfo=UTC)


def test_one_statement_reads_what_the_two_read(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        link_identity(s, "slack", "U0DCS", "dcs")
        repo.add_audit(s, at=NOW, actor="test", kind="test.event", subject="dcs")
    with session_scope(reference_any_engine) as s:
        version = repo.trail_version(s)
        assert version[1] > 0
        for channel, user_id in (("slack", "U0DCS"), ("slack", "U0NOBODY"), ("teams", "U0DCS"), ("slack", "")):
            got_version, person = repo.version_and_person_by_chat_id(s, channel, user_id)
            expected = repo.person_by_chat_id(s, channel, user_id)
            assert got_version == version
            assert (person.key if person else None) == (expected.key if expected else None)
        assert repo.version_and_person_by_chat_id(s, "slack", "U0DCS")[1].key == "dcs"
