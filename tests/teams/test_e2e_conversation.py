"""End to end: Bot Framework Activities POSTed to the real app's /api/messages, replies read from
the fake Bot Connector the activity's serviceUrl points at."""

from __future__ import annotations

from sqlmodel import select

from bot.identity import identities_of, person_for
from storage import repo
from storage.db import session_scope
from storage.models import ActionUpdate, AuditEvent
from tests.teams.conftest import DANA, HANNAH, SAM, STRANGER, card_actions, card_texts


async def test_status_priority_4_returns_a_card_summarising_priority_4(world, assert_valid_card):
    response = await world.post(world.activity(HANNAH, "status priority 4"))
    assert response.status == 201
    [card] = world.cards()
    assert_valid_card(card)
    text = card_texts(card)
    assert "Priority 4: Safeguarding" in text
    assert "Lead officer: Head of Service Safeguarding and Care Planning" in text
    assert "Not yet rated 32" in text and "Overdue" in text and "4.1.1" in text
    assert "Priority 4: Safeguarding" in card["fallbackText"]
    [write] = world.connector.writes()
    assert write.conversation_id == f"a:personal-{HANNAH['id']}"
    assert write.body["recipient"]["id"] == HANNAH["id"]


async def test_slash_and_mention_forms_and_help(world, assert_valid_card):
    await world.post(world.activity(HANNAH, "/status overdue"))
    await world.post(world.activity(HANNAH, "help"))
    await world.post(world.channel_activity(HANNAH, "status 4.2.1"))
    overdue, helped, detail = (assert_valid_card(c) for c in world.cards())
    assert "Overdue actions (" in card_texts(overdue)
    assert "status mine: the actions you lead" in card_texts(helped) and "/status" not in card_texts(helped)
    assert "4.2.1" in card_texts(detail) and "Mandatory training on child protection" in card_texts(detail)
    assert world.connector.writes()[-1].conversation_id == "19:sit-room@thread.tacv2;messageid=1"


async def test_first_message_links_the_person_by_email_and_stores_their_reference(world):
    await world.post(world.activity(HANNAH, "status mine"))
    with session_scope(world.rt.engine) as s:
        assert identities_of(s, "hos-scp")["teams"] == HANNAH["id"]
        address = repo.channel_address(s, "teams", "person:hos-scp")
        assert address.data["reference"]["conversation"]["id"] == f"a:personal-{HANNAH['id']}"
        assert address.data["reference"]["serviceUrl"] == world.connector.url
        linked = s.exec(select(AuditEvent).where(AuditEvent.kind == "person.linked")).all()
        assert [e.subject for e in linked] == ["hos-scp"]
    text = card_texts(world.cards()[0])
    assert "Your open actions as All HOS, HOS S&CP" in text
    # the member profile was asked for once; the next message is recognised by the linked id
    await world.post(world.activity(HANNAH, "status mine"))
    assert len([r for r in world.connector.requests if r.method == "GET"]) == 1


async def test_an_update_typed_as_text_is_recorded(world, assert_valid_card):
    await world.post(world.activity(HANNAH, "4.2.1 amber - waiting on HR sign-off, new date end of Oct"))
    card = assert_valid_card(world.cards()[0])
    assert "Recorded:" in card_texts(card)
    assert "waiting on HR sign-off" in card_texts(card)
    with session_scope(world.rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert (update.rag, update.note, update.channel, update.author_key) == (
            "amber",
            "waiting on HR sign-off",
            "teams",
            "hos-scp",
        )
        assert str(update.proposed_due) == "2016-10-31"


async def test_someone_the_directory_does_not_know_cannot_update(world):
    await world.post(world.activity(STRANGER, "4.2.1 green"))
    text = card_texts(world.cards()[0])
    assert "Nothing was recorded" in text and "I don't know you yet" in text
    with session_scope(world.rt.engine) as s:
        assert s.exec(select(ActionUpdate)).all() == []
        assert repo.channel_address(s, "teams", "person:hos-scp") is None


async def test_service_url_is_refreshed_from_each_incoming_activity(world):
    await world.post(world.activity(HANNAH, "help"))
    moved = world.activity(HANNAH, "help")
    moved["serviceUrl"] = world.connector.url.rstrip("/") + "/moved/"
    await world.post(moved)
    with session_scope(world.rt.engine) as s:
        address = repo.channel_address(s, "teams", "person:hos-scp")
        assert address.data["reference"]["serviceUrl"].endswith("/moved/")


async def test_personal_install_greets_and_stores_the_reference(world, assert_valid_card):
    install = world.activity(DANA)
    install.update({"type": "conversationUpdate", "membersAdded": [{"id": DANA["id"]}, {"id": "28:actionbot"}]})
    await world.post(install)
    card = assert_valid_card(world.cards()[0])
    assert "Hello Dana!" in card_texts(card)
    with session_scope(world.rt.engine) as s:
        assert repo.channel_address(s, "teams", "person:dcs") is not None


async def test_uninstall_marks_the_reference_failed(world):
    await world.post(world.activity(DANA, "help"))
    removed = world.activity(DANA)
    removed.update({"type": "installationUpdate", "action": "remove"})
    assert (await world.post(removed)).status in (200, 201)
    with session_scope(world.rt.engine) as s:
        address = repo.channel_address(s, "teams", "person:dcs")
        assert address.failed_at is not None and "removed" in address.failure
    # writing again heals it
    await world.post(world.activity(DANA, "help"))
    with session_scope(world.rt.engine) as s:
        assert repo.channel_address(s, "teams", "person:dcs").failed_at is None


async def test_set_sit_channel_typed_in_a_channel_by_an_sit_admin(world):
    await world.post(world.channel_activity(HANNAH, "set sit channel"))
    assert "Only an SIT admin" in card_texts(world.cards()[-1])
    await world.post(world.channel_activity(SAM, "set sit channel"))
    assert "This is now the SIT channel" in card_texts(world.cards()[-1])
    with session_scope(world.rt.engine) as s:
        sit = repo.channel_address(s, "teams", "sit")
        assert sit.data["reference"]["conversation"]["id"] == "19:sit-room@thread.tacv2"  # the channel, not the thread
        assert "activityId" not in sit.data["reference"]
        assert sit.data["label"] == "Children's Services › SIT"
        assert s.exec(select(AuditEvent).where(AuditEvent.kind == "sit_channel.set")).one().actor == "sit-manager"


async def test_card_buttons_carry_verbs_refs_and_a_submit_fallback(world):
    await world.post(world.activity(HANNAH, "status 4.2.1"))
    card = world.cards()[0]
    executes = [a for a in card_actions(card) if a["type"] == "Action.Execute"]
    assert [a["title"] for a in executes] == ["Green", "Amber", "Red", "Completed"]
    for a in executes:
        assert a["verb"] == a["data"]["verb"] and a["data"]["ref"] == "4.2.1" and a["data"]["refs"] == ["4.2.1"]
        assert a["fallback"]["type"] == "Action.Submit" and a["fallback"]["data"] == a["data"]


async def test_people_directory_unknown_user_gets_a_person_row_untouched(world):
    await world.post(world.activity(STRANGER, "help"))
    with session_scope(world.rt.engine) as s:
        assert person_for(s, "teams", STRANGER["id"]) is None


async def test_board_asked_for_in_a_team_channel_gives_no_link_there(world):
    """A board link works once for whoever opens it first: it never goes into a channel."""
    await world.post(world.channel_activity(HANNAH, "board"))
    text = card_texts(world.cards()[-1])
    assert "direct message" in text and "/board/link/" not in text
    with session_scope(world.rt.engine) as s:
        assert repo.audit_events(s, ["link_issued"]) == []
