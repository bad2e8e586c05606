"""Lists and the highlight report asked for in a Teams chat (issue 12), driven turn by turn with
botbuilder's TestAdapter: what a Teams user types reaches the core as a message, and the answer
is one valid Adaptive Card 1.5 within Teams' size limit."""

from __future__ import annotations

import pytest
from botbuilder.core.adapters import TestAdapter

from bot.requests import ChatRequest, Identity
from cards.adaptive import MAX_CARD_BYTES, card_size, render_card
from cards.report_adaptive import text_size
from tests.teams.conftest import card_texts
from tests.teams.test_adaptive_cards import fill_with_long_ambers

CARD = "application/vnd.microsoft.card.adaptive"


async def answer(adapter: TestAdapter, text: str, assert_valid_card) -> dict:
    """Send one message; the bot's one reply, as a validated card."""
    before = len(adapter.activity_buffer)
    await adapter.send(text)
    replies = adapter.activity_buffer[before:]
    assert len(replies) == 1
    adapter.activity_buffer.clear()
    [attachment] = replies[0].attachments
    assert attachment.content_type == CARD
    return assert_valid_card(attachment.content)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("red", "Red actions (1)"),
        ("status red", "Red actions (1)"),
        ("amber", "Amber actions (0)"),
        ("status green", "Green actions (0)"),
        ("completed", "Completed actions (5)"),
        ("not rated", "Not yet rated actions (301)"),
        ("red and amber", "Red and amber actions (1)"),
        ("<at>actionbot</at> red and amber p4", "Red and amber actions in priority 4 (1)"),
    ],
)
async def test_rag_lists_answer_in_a_teams_chat(adapter, assert_valid_card, text, title):
    recorded = card_texts(await answer(adapter, "4.2.1 red - no trainer until November", assert_valid_card))
    assert "Recorded" in recorded
    texts = card_texts(await answer(adapter, text, assert_valid_card))
    assert title in texts and "didn't understand" not in texts


async def test_pending_is_not_a_priority_in_teams(adapter, assert_valid_card):
    texts = card_texts(await answer(adapter, "status pending", assert_valid_card))
    assert "I didn't understand that" in texts and "priority" not in texts


async def test_status_partner_in_teams(adapter, assert_valid_card):
    texts = card_texts(await answer(adapter, "status partner Police p4", assert_valid_card))
    assert "Actions involving Police in priority 4 (12)" in texts and "4.1.1" in texts
    texts = card_texts(await answer(adapter, "status partner police", assert_valid_card))
    assert "more: **status partner police page 2**" in texts  # Teams: typed as it is, no slash


async def test_report_p4_in_teams_is_the_priority_detail_shown_open(adapter, assert_valid_card):
    card = await answer(adapter, "report p4", assert_valid_card)
    texts = card_texts(card)
    assert "📊 Highlight report — October 2016" in texts and "Priority 4: Safeguarding" in texts
    assert "Overdue" in texts and "No update this round" in texts
    assert all(c.get("isVisible", True) for c in card["body"])
    assert card_size(card) <= MAX_CARD_BYTES


async def test_report_in_teams_is_the_digest_card_with_its_chart(adapter, assert_valid_card):
    card = await answer(adapter, "report", assert_valid_card)
    texts = card_texts(card)
    assert "📊 Highlight report — October 2016" in texts and "Whole plan: 307 actions" in texts
    images = [e for e in card["body"] if e.get("type") == "Image"]
    assert len(images) == 1 and images[0]["url"].startswith("data:image/png;base64,")
    assert text_size(card) <= MAX_CARD_BYTES


def test_report_for_the_largest_priority_with_long_notes_fits_one_card(rt, assert_valid_card):
    fill_with_long_ambers(rt, 5)
    reply = rt.core.handle(ChatRequest(Identity("terminal", "sit-manager"), text="report p5"))
    card = assert_valid_card(render_card(reply.views))
    assert card_size(card) <= MAX_CARD_BYTES
    texts = card_texts(card)
    assert "Priority 5:" in texts and "more: **status priority 5**" in texts
    assert "too long for one card" not in texts
