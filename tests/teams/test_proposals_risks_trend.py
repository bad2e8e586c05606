"""Issue 12 in Teams, turn by turn through the real TeamsBot: `status proposals` with Approve and
Reject as Action.Execute for the SIT (handled by the approve/reject core path), the risks and
issues log, and `status trend` with its chart inside the card. Every card is checked against
the Adaptive Card 1.5 schema."""

from __future__ import annotations

from botbuilder.schema import Activity

from cards.adaptive import APPROVE_VERB, REJECT_VERB
from storage import repo
from storage.db import session_scope
from tests.teams.conftest import card_texts
from tests.teams.test_handler import _find_action, _relink, card_of


async def reply_card(adapter, text: str, assert_valid_card) -> dict:
    adapter.activity_buffer.clear()
    flow = await adapter.send(text)
    cards: list[dict] = []
    await flow.assert_reply(lambda reply, description=None: cards.append(assert_valid_card(card_of(reply))))
    return cards[0]


async def test_the_sit_approves_a_proposed_date_with_action_execute(adapter, rt, assert_valid_card):
    await reply_card(adapter, "4.2.1 amber - trainer off sick, new date 30/11/2016", assert_valid_card)
    lead = await reply_card(adapter, "status proposals", assert_valid_card)
    assert "4.2.1" in card_texts(lead) and _find_action(lead, APPROVE_VERB) is None
    _relink(rt, "sit-manager")
    card = await reply_card(adapter, "status proposals", assert_valid_card)
    assert "proposes **30 Nov 2016**" in card_texts(card)
    approve = _find_action(card, APPROVE_VERB)
    assert approve["type"] == "Action.Execute" and approve["data"] == {"verb": APPROVE_VERB, "ref": "4.2.1"}
    assert _find_action(card, REJECT_VERB)["data"] == {"verb": REJECT_VERB, "ref": "4.2.1"}
    adapter.activity_buffer.clear()
    await adapter.send(
        Activity(
            type="invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": APPROVE_VERB, "data": approve["data"]}},
        )
    )
    [response] = adapter.activity_buffer
    assert "Approved: 4.2.1 is now due 30 Nov 2016" in response.value.body.serialize()["value"]
    with session_scope(rt.engine) as s:
        (event,) = repo.audit_events(s, ["due.approved"])
        assert event.subject == "4.2.1" and event.actor == "sit-manager"


async def test_a_reject_button_pressed_by_the_lead_is_refused(adapter, rt):
    flow = await adapter.send("4.2.1 amber - trainer off sick, new date 30/11/2016")
    await flow.assert_reply(lambda reply, description=None: None)
    adapter.activity_buffer.clear()
    await adapter.send(
        Activity(
            type="invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": REJECT_VERB, "data": {"ref": "4.2.1"}}},
        )
    )
    [response] = adapter.activity_buffer
    assert "Only an SIT admin can approve or reject" in response.value.body.serialize()["value"]
    with session_scope(rt.engine) as s:
        assert repo.audit_events(s, ["due.rejected"]) == []


async def test_the_risks_log_in_teams(adapter, assert_valid_card):
    logged = await reply_card(
        adapter, 'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP',
        assert_valid_card,
    )
    assert "Logged R1 in priority 4" in card_texts(logged)
    listed = await reply_card(adapter, "risks", assert_valid_card)
    assert "**R1** · P4 · Agency social workers leaving" in card_texts(listed)
    closed = await reply_card(adapter, "risk R1 close - recruited", assert_valid_card)
    assert "Closed R1" in card_texts(closed)


async def test_status_trend_shows_the_chart_in_the_card(adapter, assert_valid_card):
    card = await reply_card(adapter, "status trend", assert_valid_card)
    assert "RAG trend, month by month" in card_texts(card)
    images = [e for e in card["body"] if e.get("type") == "Image"]
    assert len(images) == 1 and images[0]["url"].startswith("data:image/png;base64,")
