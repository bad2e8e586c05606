"""The Teams bot driven turn by turn with botbuilder's TestAdapter (no HTTP at all)."""

from __future__ import annotations

from botbuilder.schema import Activity, ChannelAccount
from sqlmodel import select

from bot.identity import link_identity
from cards.adaptive import RAG_VERBS, REASON_INPUT, REOPEN_VERB, SIGNOFF_VERB
from handlers.teams.turns import message_text
from storage import repo
from storage.db import session_scope
from storage.models import ActionUpdate, PersonIdentity
from tests.conftest import uk
from tests.teams.conftest import HANNAH, card_texts

CARD = "application/vnd.microsoft.card.adaptive"


def card_of(activity: Activity) -> dict:
    [attachment] = activity.attachments
    assert attachment.content_type == CARD
    return attachment.content


async def test_status_priority_4_replies_with_a_card(adapter, assert_valid_card):
    def check(reply, description=None):
        card = assert_valid_card(card_of(reply))
        assert "Priority 4: Safeguarding" in card_texts(card)

    flow = await adapter.send("status priority 4")
    await flow.assert_reply(check)


async def test_mention_in_a_channel_is_stripped_before_the_core_sees_it(adapter):
    def check(reply, description=None):
        assert "Mandatory training on child protection" in card_texts(card_of(reply))

    flow = await adapter.send(Activity(type="message", text="<at>actionbot</at> /status 4.2.1"))
    await flow.assert_reply(check)


async def test_submit_updates_the_card_in_place(adapter, rt, assert_valid_card):
    data = {"verb": RAG_VERBS["green"], "ref": "4.2.1", "rag": "green", "refs": ["4.2.1"], "note.4.2.1": "on track"}
    await adapter.send(Activity(type="message", value=data, reply_to_id="card-17"))
    [updated] = adapter.updated_activities
    assert updated.id == "card-17"
    assert "✅ Recorded: Green: on track" in card_texts(assert_valid_card(card_of(updated)))
    assert adapter.activity_buffer == []  # replaced in place, nothing new posted
    with session_scope(rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert (update.rag, update.note, update.author_key) == ("green", "on track", "hos-scp")


def completed_invoke(note: str) -> Activity:
    data = {"ref": "4.2.1", "rag": "completed", "refs": ["4.2.1"], "note.4.2.1": note}
    return Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": RAG_VERBS["completed"], "data": data}},
    )


async def test_completed_without_evidence_answers_with_the_form_and_records_nothing(adapter, rt, assert_valid_card):
    await adapter.send(completed_invoke("all staff trained"))
    [response] = adapter.activity_buffer
    body = response.value.body.serialize()
    texts = card_texts(assert_valid_card(body["value"]))
    assert "needs evidence" in texts and "evidence: audit report Oct 16" in texts
    with session_scope(rt.engine) as s:
        assert s.exec(select(ActionUpdate)).all() == []


async def test_execute_answers_with_the_refreshed_card_in_the_invoke_response(adapter, rt, assert_valid_card):
    data = {"ref": "4.2.1", "rag": "completed", "refs": ["4.2.1"], "note.4.2.1": "all staff trained, evidence: audit"}
    invoke = Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": RAG_VERBS["completed"], "data": data}},
    )
    await adapter.send(invoke)
    [response] = adapter.activity_buffer
    assert response.type == "invokeResponse" and response.value.status == 200
    body = response.value.body.serialize()
    assert body["type"] == CARD
    assert "✅ Recorded: Completed: all staff trained" in card_texts(assert_valid_card(body["value"]))
    with session_scope(rt.engine) as s:
        [update] = s.exec(select(ActionUpdate)).all()
        assert (update.note, update.evidence) == ("all staff trained", "audit")


async def test_unknown_card_verbs_are_answered_politely(adapter):
    invoke = Activity(
        type="invoke", name="adaptiveCard/action", value={"action": {"verb": "something.else", "data": {}}}
    )
    await adapter.send(invoke)
    [response] = adapter.activity_buffer
    body = response.value.body.serialize()
    assert body["type"] == "application/vnd.microsoft.activity.message" and "not one of mine" in body["value"]


async def test_install_greets_once_and_the_installation_update_only_remembers(adapter, rt):
    await adapter.send(Activity(type="installationUpdate", action="add"))
    assert adapter.activity_buffer == []
    added = Activity(type="conversationUpdate", members_added=[ChannelAccount(id="28:actionbot")])
    flow = await adapter.send(added)

    def check(reply, description=None):
        assert "I'll ask you here for updates" in card_texts(card_of(reply))

    await flow.assert_reply(check)
    with session_scope(rt.engine) as s:
        address = repo.channel_address(s, "teams", "person:hos-scp")
        assert address.data["reference"]["serviceUrl"] == "https://smba.example.invalid/uk/"


async def test_typing_and_reactions_are_ignored(adapter):
    await adapter.send(Activity(type="typing"))
    await adapter.send(Activity(type="messageReaction"))
    assert adapter.activity_buffer == []


def test_message_text_removes_mentions_and_html():
    assert message_text({"text": "<at>actionbot</at> status p4"}) == "status p4"
    assert message_text({"text": "<p>status lead HOS S&amp;CP</p>"}) == "status lead HOS S&CP"
    assert message_text({"text": "4.2.1 green<br>4.2.2 amber - late"}) == "4.2.1 green\n4.2.2 amber - late"
    assert message_text({}) == ""


def _relink(rt, key: str) -> None:
    """Hannah's Teams account now belongs to `key` (the TestAdapter speaks as one account)."""
    with session_scope(rt.engine) as s:
        for row in s.exec(select(PersonIdentity).where(PersonIdentity.user_id == HANNAH["id"])).all():
            s.delete(row)
        s.flush()
        link_identity(s, "teams", HANNAH["id"], key)


def _find_action(card: object, verb: str) -> dict | None:
    if isinstance(card, dict):
        if card.get("verb") == verb:
            return card
        return next((a for v in card.values() if (a := _find_action(v, verb)) is not None), None)
    if isinstance(card, list):
        return next((a for v in card if (a := _find_action(v, verb)) is not None), None)
    return None


async def test_an_sit_admin_signs_off_with_the_detail_cards_execute_button(adapter, rt, assert_valid_card):
    flow = await adapter.send("4.2.1 completed - evidence: audit report Oct 16")
    await flow.assert_reply(lambda reply, description=None: None)
    adapter.activity_buffer.clear()
    _relink(rt, "sit-manager")
    flow = await adapter.send("status 4.2.1")
    cards: list[dict] = []
    await flow.assert_reply(lambda reply, description=None: cards.append(assert_valid_card(card_of(reply))))
    assert "Completed (awaiting sign-off)" in card_texts(cards[0])
    button = _find_action(cards[0], SIGNOFF_VERB)
    assert button is not None and button["data"] == {"verb": SIGNOFF_VERB, "ref": "4.2.1"}
    invoke = Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": SIGNOFF_VERB, "data": button["data"]}},
    )
    await adapter.send(invoke)
    [response] = adapter.activity_buffer
    assert "Signed off: 4.2.1" in response.value.body.serialize()["value"]
    with session_scope(rt.engine) as s:
        (event,) = repo.audit_events(s, ["completion.signed_off"])
        assert event.subject == "4.2.1"


async def test_a_sign_off_button_pressed_by_a_lead_is_refused(adapter, rt):
    flow = await adapter.send("4.2.1 completed - evidence: audit report Oct 16")
    await flow.assert_reply(lambda reply, description=None: None)
    adapter.activity_buffer.clear()
    invoke = Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": SIGNOFF_VERB, "data": {"ref": "4.2.1"}}},
    )
    await adapter.send(invoke)
    [response] = adapter.activity_buffer
    assert "Only an SIT admin" in response.value.body.serialize()["value"]
    with session_scope(rt.engine) as s:
        assert repo.audit_events(s, ["completion.signed_off"]) == []


async def test_no_change_on_the_rest_with_the_round_card_s_button(adapter, rt, teams_clock, assert_valid_card):
    """Hannah rated 4.2.1 in September; on the October round's card she presses No change on the
    rest (Action.Execute), then again through the Action.Submit fallback."""
    from bot.nudges import nudge_view
    from bot.plan_state import CONFIRMED, load_state
    from cards.adaptive import NO_CHANGE_VERB, message_activity

    teams_clock.set(uk(2016, 9, 20, 10, 0))
    flow = await adapter.send("4.2.1 green - on track")
    await flow.assert_reply(lambda reply, description=None: None)
    adapter.activity_buffer.clear()
    teams_clock.set(uk(2016, 10, 15, 10, 0))
    with session_scope(rt.engine) as s:
        state = load_state(s, repo.active_plan(s), teams_clock.now())
        card = message_activity([nudge_view("Hannah", [state.action("4.2.1")], no_change=True)])
    button = _find_action(assert_valid_card(card["attachments"][0]["content"]), NO_CHANGE_VERB)
    assert button is not None and button["title"] == "No change on the rest"
    invoke = Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": NO_CHANGE_VERB, "data": button["data"]}},
    )
    await adapter.send(invoke)
    [response] = adapter.activity_buffer
    assert "Confirmed, unchanged for October 2016 (1): Green: 4.2.1" in response.value.body.serialize()["value"]
    adapter.activity_buffer.clear()
    flow = await adapter.send(Activity(type="message", value=button["fallback"]["data"]))
    await flow.assert_reply(lambda reply, description=None: None)
    with session_scope(rt.engine) as s:
        assert [e.subject for e in repo.audit_events(s, [CONFIRMED])] == ["4.2.1"]  # the second found it answered


async def _sit_detail_card(adapter, rt, assert_valid_card) -> dict:
    """Hannah (HOS S&CP) claims 4.2.1 complete; her account is then the SIT manager's, who asks
    for 4.2.1's detail card."""
    flow = await adapter.send("4.2.1 completed - evidence: audit report Oct 16")
    await flow.assert_reply(lambda reply, description=None: None)
    adapter.activity_buffer.clear()
    _relink(rt, "sit-manager")
    flow = await adapter.send("status 4.2.1")
    cards: list[dict] = []
    await flow.assert_reply(lambda reply, description=None: cards.append(assert_valid_card(card_of(reply))))
    adapter.activity_buffer.clear()
    return cards[0]


def _reopened(rt) -> list:
    with session_scope(rt.engine) as s:
        return [(e.subject, e.details.get("reason")) for e in repo.audit_events(s, ["completion.reopened"])]


async def test_an_sit_admin_reopens_with_the_reason_typed_in_the_card(adapter, rt, assert_valid_card):
    card = await _sit_detail_card(adapter, rt, assert_valid_card)
    reason_input = next(i for i in card["body"] if i.get("id") == REASON_INPUT.format(ref="4.2.1"))
    assert reason_input["type"] == "Input.Text" and reason_input["maxLength"] == 280
    button = _find_action(card, REOPEN_VERB)
    assert (
        button is not None and button["title"] == "Reopen" and button["data"] == {"verb": REOPEN_VERB, "ref": "4.2.1"}
    )
    assert _find_action(card, SIGNOFF_VERB)["associatedInputs"] == "none"  # Sign off needs no reason
    data = {**button["data"], REASON_INPUT.format(ref="4.2.1"): "  the audit found\ntwo teams untrained "}
    invoke = Activity(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": REOPEN_VERB, "data": data}},
    )
    await adapter.send(invoke)
    [response] = adapter.activity_buffer
    assert "Reopened 4.2.1: it goes back to its lead" in response.value.body.serialize()["value"]
    assert _reopened(rt) == [("4.2.1", "the audit found two teams untrained")]


async def test_reopen_without_a_reason_is_refused_by_the_core(adapter, rt, assert_valid_card):
    card = await _sit_detail_card(adapter, rt, assert_valid_card)
    button = _find_action(card, REOPEN_VERB)
    for data in (
        button["data"],
        {**button["data"], REASON_INPUT.format(ref="4.2.1"): "   "},
        {**button["data"], REASON_INPUT.format(ref="4.2.1"): ["not", "text"]},
    ):
        adapter.activity_buffer.clear()
        invoke = Activity(
            type="invoke",
            name="adaptiveCard/action",
            value={"action": {"type": "Action.Execute", "verb": REOPEN_VERB, "data": data}},
        )
        await adapter.send(invoke)
        [response] = adapter.activity_buffer
        assert "Say why 4.2.1 is reopened" in response.value.body.serialize()["value"]
    assert _reopened(rt) == []


async def test_reopen_through_the_action_submit_fallback_and_a_forged_ref(adapter, rt, assert_valid_card):
    card = await _sit_detail_card(adapter, rt, assert_valid_card)
    fallback = _find_action(card, REOPEN_VERB)["fallback"]
    assert fallback["type"] == "Action.Submit"
    forged = {**fallback["data"], "ref": "4.2.1; drop", "reason.4.2.1; drop": "x"}
    await adapter.send(Activity(type="message", value=forged))  # not one of ours: read as an empty message
    assert _reopened(rt) == []
    adapter.activity_buffer.clear()
    flow = await adapter.send(
        Activity(type="message", value={**fallback["data"], REASON_INPUT.format(ref="4.2.1"): "no evidence"})
    )
    answers: list[str] = []
    await flow.assert_reply(lambda reply, description=None: answers.append(card_texts(card_of(reply))))
    assert "Reopened 4.2.1" in answers[0]
    assert _reopened(rt) == [("4.2.1", "no evidence")]
