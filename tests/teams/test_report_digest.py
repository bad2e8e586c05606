"""The highlight report digest reaches the Teams SIT channel through the real TeamsChannel and
a fake Bot Connector: one Adaptive Card 1.5 with the report's counts and the chart inside."""

from __future__ import annotations

import base64
import io
import json

from PIL import Image
from sqlmodel import Session

from bot import delivery
from bot.report import build_report, digest_views
from cards.adaptive import MAX_CARD_BYTES
from cards.report_adaptive import text_size
from storage import repo
from tests.report.seed import seed_priority_seven
from tests.teams.conftest import SAM, card_texts

SIT_CONVERSATION = "19:sit-room@thread.tacv2"


async def test_digest_card_in_the_sit_channel_carries_counts_and_chart(world, assert_valid_card):
    seed_priority_seven(world.rt.engine)
    with Session(world.rt.engine) as session:
        report = build_report(session, repo.active_plan(session), "2016-10")
    await world.post(world.channel_activity(SAM, "set sit channel"))
    await world.rt.channels["teams"].send_to_sit(digest_views(report), kind="report", meta={})
    card = world.cards(SIT_CONVERSATION)[-1]
    assert_valid_card(card)
    assert text_size(card) <= MAX_CARD_BYTES
    texts = card_texts(card)
    assert "Highlight report — October 2016" in texts
    columns = next(el for el in card["body"] if el["type"] == "ColumnSet")["columns"]
    assert [int(c["items"][1]["text"]) for c in columns] == [1, 2, 3, 295, 6]
    image = next(el for el in card["body"] if el["type"] == "Image")
    png = base64.b64decode(image["url"].split(",", 1)[1])
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.width <= 1024 and picture.height <= 1024 and len(png) < 1_000_000
    detail = next(el for el in card["body"] if el.get("id") == "p7")
    assert "no panel chair since the resignation" in json.dumps(detail, ensure_ascii=False)


async def test_a_report_rendered_ahead_in_a_worker_thread_arrives_as_the_one_rendered_at_its_send(world):
    """A round starts drawing its report's chart when it begins (`bot.delivery.prepare`); what
    reaches the SIT channel is the same card as when it is rendered at its turn."""
    seed_priority_seven(world.rt.engine)
    with Session(world.rt.engine) as session:
        report = build_report(session, repo.active_plan(session), "2016-10")
    await world.post(world.channel_activity(SAM, "set sit channel"))
    teams = world.rt.channels["teams"]
    await teams.send_to_sit(digest_views(report), kind="report", meta={"ledger_key": "r:1"})
    prepared = delivery.prepare(world.rt.channels, digest_views(report))
    assert set(prepared.rendered) == {"teams"}
    await teams.send_to_sit(prepared, kind="report", meta={"ledger_key": "r:1"})
    at_its_turn, ahead = world.cards(SIT_CONVERSATION)[-2:]
    assert ahead == at_its_turn
    assert delivery.rendered_ahead(digest_views(report), "teams") is None  # plain views: rendered at the send
