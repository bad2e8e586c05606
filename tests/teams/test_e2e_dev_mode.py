"""Local development mode, as with the Agents Playground: someone the directory doesn't know
uses `iam DCS`, gets a nudge for a DCS action proactively, answers Amber with a note, and
`status <id>` shows it (the issue's "done when")."""

from __future__ import annotations

import io

from sqlmodel import select

from actionbot.nudge_now import nudge_now
from storage import repo
from storage.db import session_scope
from storage.models import ActionUpdate, AuditEvent
from tests.teams.conftest import HANNAH, STRANGER, card_actions, card_texts

VISITOR_CHAT = f"a:personal-{STRANGER['id']}"


async def test_iam_then_nudge_then_amber_then_status(world, assert_valid_card):
    await world.post(world.activity(STRANGER, "status mine"))
    assert "I don't know who you are yet" in card_texts(world.cards()[-1])

    await world.post(world.activity(STRANGER, "iam dcs"))
    assert "you now act as DCS (Dana Carver" in card_texts(world.cards()[-1])
    with session_scope(world.rt.engine) as s:
        stored = repo.channel_address(s, "teams", f"iam:{STRANGER['id']}")
        assert stored.data == {"role": "DCS", "person": "dcs"}
        assert repo.channel_address(s, "teams", "person:dcs").data["acting_role"] == "DCS"
        assert s.exec(select(AuditEvent).where(AuditEvent.kind == "iam.set")).one().details["role"] == "DCS"

    await world.post(world.activity(STRANGER, "status mine"))
    assert "Your open actions as All HOS, CSC, DCS," in card_texts(world.cards()[-1])

    out = io.StringIO()
    assert await nudge_now(world.rt, "1.9.1", out) == 0, out.getvalue()
    assert "via teams: 1.9.1" in out.getvalue()
    nudge = assert_valid_card(world.cards(VISITOR_CHAT)[-1])
    assert "1.9.1" in card_texts(nudge)

    amber = next(a for a in card_actions(nudge) if a["type"] == "Action.Execute" and a["title"] == "Amber")
    invoke = world.activity(
        STRANGER,
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": amber["verb"],
                "data": {**amber["data"], "note.1.9.1": "trainers booked for November", "date.1.9.1": "30/11/2016"},
            }
        },
    )
    status, body = await world.post_json(invoke)
    assert status == 200
    assert "✅ Recorded: Amber: trainers booked for November" in card_texts(assert_valid_card(body["value"]))

    await world.post(world.activity(STRANGER, "status 1.9.1"))
    detail = card_texts(world.cards()[-1])
    assert "🟠 Amber" in detail and "trainers booked for November" in detail
    assert "Proposed date: 30 Nov 2016 (awaiting SIT approval)" in detail
    with session_scope(world.rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert update.author_key == "dcs" and update.channel == "teams"


async def test_iam_is_refused_to_someone_the_directory_knows_and_can_be_switched_off(world):
    await world.post(world.activity(HANNAH, "iam DCS"))
    assert "already knows you as" in card_texts(world.cards()[-1])
    await world.post(world.activity(STRANGER, "iam NOBODY-ROLE"))
    assert "Nobody holds the role 'NOBODY-ROLE'" in card_texts(world.cards()[-1])
    await world.post(world.activity(STRANGER, "iam HOS S&amp;CP"))  # Teams escapes & in message text
    assert "you now act as HOS S&CP" in card_texts(world.cards()[-1])
    await world.post(world.activity(STRANGER, "iam off"))
    assert "You are nobody again" in card_texts(world.cards()[-1])
    with session_scope(world.rt.engine) as s:
        assert repo.channel_address(s, "teams", f"iam:{STRANGER['id']}") is None
    await world.post(world.activity(STRANGER, "4.2.1 green"))
    assert "I don't know you yet" in card_texts(world.cards()[-1])
