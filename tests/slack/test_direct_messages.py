"""Updates written to the bot in a DM, in a nudge's thread, several at once, and retried events."""

from __future__ import annotations

from sqlmodel import select

from storage.db import session_scope
from storage.models import ActionUpdate
from tests.slack.conftest import section_texts


def updates_in_db(bench) -> list[ActionUpdate]:
    with session_scope(bench.rt.engine) as session:
        return list(session.exec(select(ActionUpdate)).all())


async def test_several_updates_in_one_message_are_all_recorded_and_confirmed(slack_bench):
    reply = await slack_bench.dm_reply(
        "U0HOSSCP",
        "4.2.1 amber - waiting on HR sign-off, new date end of Nov\n4.2.2 green\n4.2.3 done - delivered in Sept, evidence: handover note",
    )
    assert reply.body["channel"] == "D0HOSSCP"
    text = section_texts(reply.body["blocks"])
    assert "✅ *Recorded*" in text
    assert "• *4.2.1*: 🟠 Amber — waiting on HR sign-off · proposed new date 30 Nov 2016" in text
    assert "• *4.2.2*: 🟢 Green" in text
    assert "• *4.2.3*: 🔵 Completed — delivered in Sept" in text
    rows = updates_in_db(slack_bench)
    assert sorted((u.rag, u.channel, u.author_key) for u in rows) == [
        ("amber", "slack", "hos-scp"),
        ("completed", "slack", "hos-scp"),
        ("green", "slack", "hos-scp"),
    ]


async def test_one_bad_line_records_nothing_and_shows_the_expected_form(slack_bench):
    reply = await slack_bench.dm_reply("U0HOSSCP", "4.2.1 green\n4.2.2 amber")
    text = section_texts(reply.body["blocks"])
    assert "Nothing was recorded." in text and "Amber needs a one-line reason" in text
    reply = await slack_bench.dm_reply("U0HOSSCP", "hello there")
    assert "4.2.1 amber - waiting on HR sign-off, new date end of Oct" in section_texts(reply.body["blocks"])
    assert updates_in_db(slack_bench) == []


async def test_a_reply_in_a_nudge_thread_needs_no_action_id(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")  # links U0HOSSCP to hos-scp by email
    channel, card = await slack_bench.nudge("4.2.1")
    reply = await slack_bench.dm_reply(
        "U0HOSSCP", "amber - trainer off sick, new date 30/11/2016", thread_ts=card["ts"]
    )
    assert reply.body["thread_ts"] == card["ts"] and reply.body["channel"] == channel
    assert "• *4.2.1*: 🟠 Amber — trainer off sick · proposed new date 30 Nov 2016" in section_texts(
        reply.body["blocks"]
    )


async def test_the_thread_link_survives_without_the_ledger_through_the_cards_metadata(slack_bench):
    """After a crash between posting and recording the send, the card's metadata still knows."""
    from storage.models import SendLedger

    await slack_bench.status("mine", "U0HOSSCP")
    _, card = await slack_bench.nudge("4.2.1")
    with session_scope(slack_bench.rt.engine) as session:
        for row in session.exec(select(SendLedger)).all():
            row.message_ref = ""
            session.add(row)
    reply = await slack_bench.dm_reply("U0HOSSCP", "g", thread_ts=card["ts"])
    assert "• *4.2.1*: 🟢 Green" in section_texts(reply.body["blocks"])
    assert slack_bench.api.calls_to("conversations.replies")[0].body["include_all_metadata"] in ("1", "true", True)


async def test_a_reply_without_an_id_in_a_multi_action_thread_asks_which_action(slack_bench):
    await slack_bench.status("mine", "U0HOSSCP")
    _, card = await slack_bench.nudge("hos-scp")
    reply = await slack_bench.dm_reply("U0HOSSCP", "green", thread_ts=card["ts"])
    assert "which action? start the line with its id" in section_texts(reply.body["blocks"])
    assert updates_in_db(slack_bench) == []


async def test_someone_not_leading_the_action_is_told_who_can(slack_bench):
    reply = await slack_bench.dm_reply("U0DCS", "4.2.1 green")
    text = section_texts(reply.body["blocks"])
    assert "Only the lead for 4.2.1 (Sadie Carpenterly (fictional) (HOS S&amp;CP))" in text
    reply = await slack_bench.dm_reply("U0STRANGER", "4.2.1 green")
    assert "I don't know you yet" in section_texts(reply.body["blocks"])
    assert updates_in_db(slack_bench) == []


async def test_mentions_and_links_in_a_note_are_shown_escaped_and_never_ping(slack_bench):
    wire = "4.2.1 amber - tell <!channel> and <@U0DCS>, see <https://evil.example/login|HR portal> @here"
    reply = await slack_bench.dm_reply("U0HOSSCP", wire, raw=True)
    posted = str(reply.body["blocks"]) + reply.body["text"]
    for forbidden in ("<!channel>", "<@U0DCS>", "<https://evil.example", "@here"):
        assert forbidden not in posted
    assert "&lt;!channel&gt;" in posted and "&lt;@U0DCS&gt;" in posted
    assert "&lt;https://evil.example/login|HR portal&gt;" in posted
    (stored,) = updates_in_db(slack_bench)
    assert stored.note.startswith("tell <!channel> and <@U0DCS>")

    detail = await slack_bench.status("4.2.1")
    shown = str(detail["blocks"])
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    listing = await slack_bench.status("amber share")
    assert "<!channel>" not in str(listing["blocks"]) and "&lt;!channel&gt;" in str(listing["blocks"])


async def test_a_retried_event_is_handled_once(slack_bench):
    first = await slack_bench.dm("U0HOSSCP", "4.2.1 green", event_id="Ev0RETRY1")
    second = await slack_bench.dm("U0HOSSCP", "4.2.1 green", event_id="Ev0RETRY1", retry=1)
    third = await slack_bench.dm("U0HOSSCP", "4.2.1 green", event_id="Ev0RETRY1", retry=2)
    assert first[0] == second[0] == third[0] == 200
    await slack_bench.settle()
    assert len(slack_bench.api.calls_to("chat.postMessage")) == 1
    await slack_bench.dm_reply("U0HOSSCP", "4.2.2 green")  # a later, different event still works
    await slack_bench.settle()
    assert len(slack_bench.api.calls_to("chat.postMessage")) == 2
    assert [u.rag for u in updates_in_db(slack_bench)] == ["green", "green"]


async def test_the_bots_own_messages_and_edits_are_ignored(slack_bench):
    from tests.fakes import slack_payloads as slack

    own = {**slack.dm_event("UBOT", "4.2.1 green"), "bot_id": "BBOT"}
    edited = {**slack.dm_event("U0HOSSCP", "4.2.1 green"), "subtype": "message_changed"}
    for event in (own, edited):
        code, _ = await slack_bench.post(slack.event_callback(event), slack.JSON)
        assert code == 200
    await slack_bench.dm_reply("U0HOSSCP", "status 4.2.1")  # proves the bot was listening
    await slack_bench.settle()
    assert len(slack_bench.api.calls_to("chat.postMessage")) == 1
    assert updates_in_db(slack_bench) == []
