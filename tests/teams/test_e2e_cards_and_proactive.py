"""End to end: proactive nudges through stored references, card answers (Action.Submit and
Action.Execute) that replace the card in place, 403/404 marking people unreachable, 429 retries."""

from __future__ import annotations

import io

from sqlmodel import select

from actionbot.nudge_now import nudge_now
from actionbot.people_admin import check_people
from storage import repo
from storage.db import session_scope
from storage.models import ActionUpdate, SendLedger
from tests.teams.conftest import HANNAH, SAM, card_actions, card_texts

HANNAH_CHAT = f"a:personal-{HANNAH['id']}"
SIT_ROOM = "19:sit-room@thread.tacv2"  # proactive posts start a new thread, not a reply


async def nudge(world, target: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await nudge_now(world.rt, target, out)
    return code, out.getvalue()


async def hannah_nudged_about_4_2_1(world) -> tuple[dict, str]:
    await world.post(world.activity(HANNAH, "hello"))
    code, out = await nudge(world, "4.2.1")
    assert code == 0, out
    assert out.startswith("sent") and "via teams: 4.2.1" in out
    write = world.connector.writes("POST", HANNAH_CHAT)[-1]
    card = write.body["attachments"][0]["content"]
    return card, write.response_id


def button(card: dict, title: str) -> dict:
    return next(a for a in card_actions(card) if a["type"] == "Action.Execute" and a["title"] == title)


async def test_a_proactive_nudge_reaches_a_person_who_has_written_to_the_bot(world, assert_valid_card):
    code, out = await nudge(world, "4.2.1")
    assert code == 1 and "unreachable" in out  # nobody has written yet: no reference, nothing sent
    assert world.connector.writes() == []
    card, _ = await hannah_nudged_about_4_2_1(world)
    assert_valid_card(card)
    text = card_texts(card)
    assert "please give an update" in text and "4.2.1" in text and "due 28 Feb 2017" in text
    assert "Not yet rated" in text and "<One line on 4.2.1 (needed for Amber and Red; Completed needs `evidence: …` (text or an http/https link))>" in text
    assert [a["title"] for a in card_actions(card) if a["type"] == "Action.Execute"] == [
        "Green",
        "Amber",
        "Red",
        "Completed",
        "No change on the rest",  # 4.2.1 is in October's round
    ]
    with session_scope(world.rt.engine) as s:
        first, row = s.exec(select(SendLedger).where(SendLedger.kind == "nudge").order_by(SendLedger.id)).all()
        assert (first.status, first.channel, first.recipient) == ("unreachable", "", "hos-scp")  # recorded
        assert (row.status, row.channel, row.recipient) == ("sent", "teams", "hos-scp")


async def test_action_submit_records_and_updates_the_card_in_place(world, assert_valid_card):
    card, message_id = await hannah_nudged_about_4_2_1(world)
    amber = button(card, "Amber")["fallback"]
    submit = world.activity(
        HANNAH, value={**amber["data"], "note.4.2.1": "trainer off sick", "date.4.2.1": "end of Nov"}
    )
    submit["replyToId"] = message_id
    assert (await world.post(submit)).status == 201
    [put] = world.connector.writes("PUT")
    assert put.conversation_id == HANNAH_CHAT and put.activity_id == message_id
    card = assert_valid_card(put.body["attachments"][0]["content"])
    text = card_texts(card)
    assert "✅ Recorded: Amber: trainer off sick" in text
    assert "proposed new date 30 Nov 2016 (awaiting SIT approval)" in text
    assert not [a for a in card_actions(card) if a["data"].get("ref") == "4.2.1"]  # answered: no buttons left
    with session_scope(world.rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert (update.rag, update.note, str(update.proposed_due)) == ("amber", "trainer off sick", "2016-11-30")
    await world.post(world.activity(HANNAH, "status 4.2.1"))
    assert "Amber" in card_texts(world.cards()[-1]) and "trainer off sick" in card_texts(world.cards()[-1])


async def test_action_execute_records_and_returns_the_refreshed_card(world, assert_valid_card):
    card, _ = await hannah_nudged_about_4_2_1(world)
    amber = button(card, "Amber")
    invoke = world.activity(
        HANNAH,
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": amber["verb"],
                "data": {**amber["data"], "note.4.2.1": "waiting on HR, trainer booked", "date.4.2.1": ""},
            },
            "trigger": "manual",
        },
    )
    status, body = await world.post_json(invoke)
    assert status == 200
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    refreshed = assert_valid_card(body["value"])
    assert "✅ Recorded: Amber: waiting on HR, trainer booked" in card_texts(refreshed)
    assert world.connector.writes("PUT") == []  # Execute answers in the invoke response, no extra write
    with session_scope(world.rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert (update.rag, update.note, update.channel) == ("amber", "waiting on HR, trainer booked", "teams")
    await world.post(world.activity(HANNAH, "status 4.2.1"))
    detail = card_texts(world.cards()[-1])
    assert "🟠 Amber" in detail and "waiting on HR, trainer booked" in detail


async def test_amber_without_a_note_asks_for_it_and_keeps_the_card_refs(world, assert_valid_card):
    card, _ = await hannah_nudged_about_4_2_1(world)
    amber = button(card, "Amber")
    invoke = world.activity(
        HANNAH,
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": amber["verb"], "data": amber["data"]}},
    )
    status, body = await world.post_json(invoke)
    form = assert_valid_card(body["value"])
    assert status == 200 and "Amber needs a one-line reason" in card_texts(form)
    assert {a["data"]["refs"][0] for a in card_actions(form)} == {"4.2.1"}
    with session_scope(world.rt.engine) as s:
        assert s.exec(select(ActionUpdate)).all() == []


async def test_execute_by_someone_not_allowed_leaves_the_card_and_says_why(world):
    card, _ = await hannah_nudged_about_4_2_1(world)
    green = button(card, "Green")
    intruder = {"id": "29:dana", "name": "Dana Carver", "aadObjectId": "aad-dana", "email": "dcs@example.invalid"}
    invoke = world.activity(
        intruder,
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": green["verb"], "data": green["data"]}},
    )
    status, body = await world.post_json(invoke)
    assert status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert "Only the lead for 4.2.1" in body["value"]


async def test_a_403_marks_the_person_unreachable_reports_it_and_tells_the_sit(world, capsys):
    await world.post(world.channel_activity(SAM, "set sit channel"))
    await world.post(world.activity(HANNAH, "hello"))
    world.connector.fail_next(403, "MessageWritesBlocked", "The bot is blocked", conversation_id=HANNAH_CHAT)
    code, out = await nudge(world, "4.2.1")
    assert code == 1 and out.startswith("failed") and "403 MessageWritesBlocked" in out
    with session_scope(world.rt.engine) as s:
        address = repo.channel_address(s, "teams", "person:hos-scp")
        assert address.failed_at is not None and "403 MessageWritesBlocked" in address.failure
        assert s.exec(select(SendLedger).where(SendLedger.kind == "nudge")).one().status == "failed"
        name = repo.person_by_key(s, "hos-scp").name
    told = card_texts(world.cards(SIT_ROOM)[-1])
    assert f"Could not reach {name} (hos-scp) on teams: Teams refused the message (403 MessageWritesBlocked" in told
    assert "replyToId" not in world.connector.writes("POST", SIT_ROOM)[-1].body
    assert check_people(world.rt) == 1
    report = capsys.readouterr().out
    line = next(x for x in report.splitlines() if "(hos-scp;" in x)
    assert "last send failed: Teams refused the message (403 MessageWritesBlocked" in line
    # a second nudge does not try Teams again: the reference is known to be broken
    before = len(world.connector.writes("POST", HANNAH_CHAT))
    code, out = await nudge(world, "4.2.1")
    assert "unreachable" in out and len(world.connector.writes("POST", HANNAH_CHAT)) == before


async def test_a_404_conversation_not_found_is_permanent_too(world):
    await world.post(world.activity(HANNAH, "hello"))
    world.connector.fail_next(404, "ConversationNotFound", conversation_id=HANNAH_CHAT)
    code, out = await nudge(world, "4.2.1")
    assert code == 1 and "404 ConversationNotFound" in out
    with session_scope(world.rt.engine) as s:
        assert "404 ConversationNotFound" in repo.channel_address(s, "teams", "person:hos-scp").failure


async def test_429_is_retried_with_backoff_honouring_retry_after(world):
    await world.post(world.activity(HANNAH, "hello"))
    world.connector.fail_next(429, "Throttled", times=2, retry_after=3, conversation_id=HANNAH_CHAT)
    code, out = await nudge(world, "4.2.1")
    assert code == 0 and out.startswith("sent"), out
    assert world.sleeps == [3.0, 3.0]
    posts = world.connector.writes("POST", HANNAH_CHAT)
    assert [p.status for p in posts] == [201, 429, 429, 201]  # the greeting, two throttled tries, the nudge


async def test_429_backoff_grows_and_gives_up_as_a_retry_for_the_ledger(world):
    await world.post(world.activity(HANNAH, "hello"))
    world.connector.fail_next(429, "Throttled", times=5, conversation_id=HANNAH_CHAT)
    code, out = await nudge(world, "4.2.1")
    assert code == 1 and out.startswith("retry")
    assert world.sleeps == [1.5, 2.5, 4.5, 8.5]  # 1, 2, 4, 8 s plus jitter (fixed at 0.5 s here)
    with session_scope(world.rt.engine) as s:
        row = s.exec(select(SendLedger).where(SendLedger.kind == "nudge")).one()
        assert row.status == "retry" and "429 Throttled" in row.last_error
        assert repo.channel_address(s, "teams", "person:hos-scp").failed_at is None  # not permanent
