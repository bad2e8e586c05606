"""Teams conversation references in the database, on SQLite and PostgreSQL; and the rule that
only handlers/teams/sdk.py imports the Bot Framework SDK."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from bot.channel_setup import acting_role, iam_key
from handlers.teams import addresses
from storage import repo
from storage.db import session_scope
from tests.conftest import uk

ROOT = Path(__file__).resolve().parents[2]
NOW = uk(2016, 10, 15, 10, 0)


def reference(conversation_id: str, service_url: str = "https://smba.example.invalid/uk/") -> dict:
    return {
        "activityId": "1700000000000",
        "user": {"id": "29:hannah", "name": "Hannah"},
        "bot": {"id": "28:actionbot", "name": "actionbot"},
        "conversation": {"id": conversation_id, "conversationType": "personal"},
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


def test_references_are_stored_refreshed_failed_and_healed(reference_any_engine):
    engine = reference_any_engine
    ref = addresses.proactive_reference(reference("a:hannah"))
    assert "activityId" not in ref
    with session_scope(engine) as s:
        assert addresses.remember(s, "person:hos-scp", {"reference": ref}, NOW) is True
    with session_scope(engine) as s:
        assert addresses.remember(s, "person:hos-scp", {"reference": ref}, NOW) is False  # unchanged: no write
        assert addresses.reference_for(s, "person:hos-scp")["serviceUrl"] == "https://smba.example.invalid/uk/"
        assert addresses.refresh_service_url(s, "a:hannah", "https://smba.example.invalid/emea/", NOW) == 1
    with session_scope(engine) as s:
        assert addresses.reference_for(s, "person:hos-scp")["serviceUrl"].endswith("/emea/")
        addresses.mark_failed(s, "person:hos-scp", "403 MessageWritesBlocked", NOW + timedelta(days=1))
    with session_scope(engine) as s:
        assert addresses.reference_for(s, "person:hos-scp") is None
        row = repo.channel_address(s, "teams", "person:hos-scp")
        assert row.failure == "403 MessageWritesBlocked" and row.failed_at is not None
        assert addresses.remember(s, "person:hos-scp", {"reference": ref}, NOW) is True  # they wrote again
    with session_scope(engine) as s:
        assert addresses.reference_for(s, "person:hos-scp") is not None


def test_team_channels_are_listed_and_an_uninstall_fails_every_address_in_them(reference_any_engine):
    engine = reference_any_engine
    thread = "19:general@thread.tacv2;messageid=42"
    channel_ref = addresses.proactive_reference(reference(thread))
    assert channel_ref["conversation"]["id"] == "19:general@thread.tacv2"
    with session_scope(engine) as s:
        data = {"reference": channel_ref, "conversation_id": "19:general@thread.tacv2", "team_name": "CS"}
        addresses.remember(s, addresses.conversation_key("19:general@thread.tacv2"), data, NOW)
        addresses.remember(s, addresses.SIT, data, NOW)
        addresses.remember(s, "person:dcs", {"reference": addresses.proactive_reference(reference("a:d"))}, NOW)
    with session_scope(engine) as s:
        [known] = addresses.known_conversations(s)
        assert addresses.label(known.data) == "CS › General"
        failed = addresses.mark_conversation_failed(s, addresses.base_conversation_id(thread), "app removed", NOW)
        assert sorted(failed) == ["conversation:19:general@thread.tacv2", "sit"]
    with session_scope(engine) as s:
        assert addresses.reference_for(s, addresses.SIT) is None
        assert addresses.reference_for(s, "person:dcs") is not None


def test_iam_choice_is_honoured_only_in_development_mode(reference_any_engine):
    with session_scope(reference_any_engine) as s:
        repo.save_channel_address(s, "teams", iam_key("29:visitor"), {"role": "DCS", "person": "dcs"}, NOW)
    with session_scope(reference_any_engine) as s:
        assert acting_role(s, "teams", "29:visitor", dev_mode=True) == "DCS"
        assert acting_role(s, "teams", "29:visitor", dev_mode=False) is None
        assert acting_role(s, "teams", "29:someone-else", dev_mode=True) is None


def test_only_the_sdk_module_imports_the_bot_framework_sdk():
    pattern = re.compile(r"^\s*(?:from|import)\s+(?:botbuilder|botframework)\b", re.MULTILINE)
    offenders = []
    for folder in ("actionbot", "domain", "bot", "cards", "handlers", "scheduler", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")) and path != ROOT / "handlers/teams/sdk.py":
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    assert pattern.search((ROOT / "handlers/teams/sdk.py").read_text(encoding="utf-8"))
