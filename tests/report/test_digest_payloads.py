"""The SIT digest payloads are valid for Slack (slack_sdk's Block Kit models) and Teams
(Adaptive Card 1.5 schema), within size limits, even for the largest priority at its worst."""

from __future__ import annotations

import json
from pathlib import Path

import adaptive_cards
import jsonschema
import pytest
from slack_sdk.models.blocks import Block

from bot.report import digest_views
from bot.typed_command import shown
from cards import adaptive, blockkit
from cards.report_adaptive import MAX_CARD_BYTES, digest_activity, digest_card, fitted_card, text_size
from cards.report_blockkit import ITEMS_PER_SECTION, digest, priority_message
from cards.text import render_all
from tests.fakes.slack_api import block_problems

SCHEMA = json.loads((Path(adaptive_cards.__file__).parent / "schemas" / "schema-1.5.json").read_text())


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft6Validator(SCHEMA)


def slack_valid(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for raw in blocks:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        parsed.validate_json()
        for field in ("text",):
            if raw.get(field):
                assert len(raw[field]["text"]) <= 3000
        assert len(raw.get("fields") or []) <= 10
    assert block_problems(blocks) == []


def test_largest_priority_slack_detail_is_valid_and_cut_with_a_command(crowded_report):
    p5 = crowded_report.priority(5)
    assert len(p5.reds_ambers) == 59 and len(p5.pending_dates) == 59 and len(p5.escalations) == 59
    message = priority_message(p5)
    slack_valid(message.blocks)
    text = json.dumps(shown(message.blocks, "/actionbot "), ensure_ascii=False)
    assert f"… and {59 - ITEMS_PER_SECTION} more: `/actionbot status priority 5`" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text  # notes never ping the channel
    assert "<@U123>" not in text and "<https://evil" not in text
    assert len(message.text) <= 3000


def test_slack_headline_and_every_thread_message_are_valid(crowded_report):
    d = digest(crowded_report)
    slack_valid(d.headline.blocks)
    for message in d.thread:
        slack_valid(message.blocks)
    assert len(d.thread) == 11  # ten priorities and Appendix 1
    headline = json.dumps(d.headline.blocks, ensure_ascii=False)
    c = crowded_report.counts
    assert f"{c.red}  (±0)" in headline  # 29 reds, all already red at the end of September
    assert "P5 " in headline


def test_slack_headline_carries_the_report_counts(october):
    d = digest(october)
    fields = next(b for b in d.headline.blocks if "fields" in b)["fields"]
    shown = {f["text"].split("*")[1]: f["text"].split("\n")[1] for f in fields}
    assert shown == {
        "Red": "1  (+1)",
        "Amber": "2  (±0)",
        "Green": "3  (±0)",
        "Not yet rated": "295  (−2)",
        "Completed": "6  (+1)",
    }
    assert "Completed in the period *1*" in json.dumps(d.headline.blocks, ensure_ascii=False)


def test_teams_digest_card_is_valid_for_the_largest_priority(crowded_report, validator):
    activity = digest_activity(crowded_report)
    (attachment,) = activity["attachments"]
    card = attachment["content"]
    errors = sorted(validator.iter_errors(card), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]
    assert card["version"] == "1.5"
    assert text_size(card) <= MAX_CARD_BYTES  # what Teams counts: the text, not the base64 chart
    image = next(el for el in card["body"] if el["type"] == "Image")
    assert image["url"].startswith("data:image/png;base64,") and image["altText"]
    p5 = next(el for el in card["body"] if el.get("id") == "p5")
    assert p5["isVisible"] is False
    text = json.dumps(p5, ensure_ascii=False)
    assert "status priority 5" in text and "Supporting children looked after" in text


def test_teams_card_cuts_lists_then_details_to_fit(crowded_report, validator):
    roomy = fitted_card(crowded_report, None, max_bytes=10**6)
    tight = fitted_card(crowded_report, None, max_bytes=14_000)
    assert text_size(tight) <= 14_000 < text_size(roomy)
    assert not list(validator.iter_errors(tight))
    rows = [el for el in tight["body"] if el["type"] == "ColumnSet" and el.get("separator")]
    assert len(rows) >= 10  # every priority still has its row of counts
    assert "status priority N" in json.dumps(tight, ensure_ascii=False)


def test_teams_card_counts_are_the_reports(october):
    card = digest_card(october, None)
    columns = next(el for el in card["body"] if el["type"] == "ColumnSet")["columns"]
    shown = [(c["items"][0]["text"].split("· ")[1], int(c["items"][1]["text"]), c["items"][2]["text"]) for c in columns]
    assert shown == [
        ("Red", 1, "+1"),
        ("Amber", 2, "±0"),
        ("Green", 3, "±0"),
        ("Not yet rated", 295, "−2"),
        ("Completed", 6, "+1"),
    ]


def test_digest_view_renders_on_every_channel(october):
    (view,) = digest_views(october)
    assert "Highlight report — October 2016" in render_all([view])  # terminal channel
    blocks = blockkit.blocks_for([view])  # a Slack channel without the digest poster: the headline
    slack_valid(blocks)
    assert blocks[0]["text"]["text"].endswith("Highlight report — October 2016")
    body = adaptive.body(view)  # inside a Teams card
    assert any("Whole plan" in el.get("text", "") for el in body)
