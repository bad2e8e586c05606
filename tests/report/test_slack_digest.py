"""The SIT digest reaches Slack the way the scheduler sends it: `bot.delivery.send_to_sit`
with the real `SlackChannel`, against the local fake Slack API (with Slack's file upload flow).
The headline carries the report's counts, the chart is uploaded into its thread (files.uploadV2),
and each priority's detail follows in the same thread."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from bot import delivery
from bot.report import digest_views
from cards.charts import digest_png
from domain.clock import FixedClock
from handlers.slack.outbound import SlackChannel
from handlers.slack.settings import SlackSettings
from tests.conftest import uk
from tests.fakes.slack_api import block_problems
from tests.fakes.slack_files import FakeSlackWithFiles

SIT = "C0SIT"


@pytest.fixture
async def slack():
    fake = await FakeSlackWithFiles().start()
    yield fake
    await fake.close()


def slack_settings(fake) -> SlackSettings:
    return SlackSettings(
        _env_file=None,
        slack_bot_token=fake.token,
        slack_signing_secret="secret",
        slack_api_url=fake.api_url,
        slack_sit_channel=SIT,
    )


async def test_digest_posts_headline_then_chart_and_priorities_in_its_thread(seeded, october, slack):
    channels = {"slack": SlackChannel(slack_settings(slack), FixedClock(uk(2016, 10, 3, 9, 0)).sleep)}
    outcomes = await delivery.send_to_sit(
        seeded, channels, digest_views(october), key="report:2016-10", kind="report", now=uk(2016, 11, 7, 9, 0)
    )
    assert [(o.channel, o.status) for o in outcomes] == [("slack", "sent")]
    posts = slack.calls_to("chat.postMessage")
    head, replies = posts[0], posts[1:]
    assert head.body["channel"] == SIT and "thread_ts" not in head.body
    ts = head.answer["ts"]
    assert outcomes[0].detail == f"{SIT}:{ts}"
    assert head.body["metadata"]["event_type"].endswith("report")
    # the headline shows the report's figures
    blocks = head.body["blocks"]
    assert block_problems(blocks) == []
    fields = {
        f["text"].split("*")[1]: f["text"].split("\n")[1] for f in next(b for b in blocks if "fields" in b)["fields"]
    }
    c = october.counts
    assert fields["Red"].startswith(f"{c.red} ") and fields["Completed"].startswith(f"{c.completed} ")
    assert fields["Not yet rated"] == f"{c.not_rated}  (−2)"
    text = json.dumps(blocks, ensure_ascii=False)
    assert f"Overdue *{october.figures()['overdue']}*" in text
    # the chart: uploaded through files.getUploadURLExternal → upload → files.completeUploadExternal
    methods = [call.method for call in slack.calls]
    first_upload = methods.index("files.getUploadURLExternal")
    assert methods[first_upload : first_upload + 3] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert methods.index("chat.postMessage") < first_upload  # after the headline, into its thread
    (chart,) = slack.shared_files()
    assert (chart.channel, chart.thread_ts) == (SIT, ts)
    assert chart.filename == "rag-2016-10.png" and chart.alt_txt.startswith("Stacked bars")
    assert chart.content == digest_png(october)  # exactly the model's picture
    picture = Image.open(io.BytesIO(chart.content))
    assert picture.format == "PNG" and picture.width > 900
    assert f"Red {c.red}, Amber {c.amber}" in chart.initial_comment
    # one reply per priority, then Appendix 1, all in the thread and valid
    assert len(replies) == 11
    for reply in replies:
        assert reply.body["thread_ts"] == ts and reply.answer["ok"] is True
        assert block_problems(reply.body["blocks"]) == []
    p7 = json.dumps(replies[6].body["blocks"], ensure_ascii=False)
    assert "Priority 7: Adoption services" in p7
    assert "no panel chair since the resignation" in p7 and "31 days overdue" in p7


async def test_the_same_digest_is_not_posted_twice(seeded, october, slack):
    channels = {"slack": SlackChannel(slack_settings(slack), FixedClock(uk(2016, 10, 3, 9, 0)).sleep)}
    args = dict(key="report:2016-10", kind="report", now=uk(2016, 11, 7, 9, 0))
    await delivery.send_to_sit(seeded, channels, digest_views(october), **args)
    again = await delivery.send_to_sit(seeded, channels, digest_views(october), **args)
    assert [o.status for o in again] == ["duplicate"]
    assert len(slack.calls_to("chat.postMessage")) == 12


async def test_a_failed_chart_upload_still_posts_the_digest(seeded, october, slack):
    slack.fail("files.getUploadURLExternal", error="missing_scope")
    channels = {"slack": SlackChannel(slack_settings(slack), FixedClock(uk(2016, 10, 3, 9, 0)).sleep)}
    (outcome,) = await delivery.send_to_sit(
        seeded, channels, digest_views(october), key="report:2016-10", kind="report", now=uk(2016, 11, 7, 9, 0)
    )
    assert outcome.status == "sent"
    posts = slack.calls_to("chat.postMessage")
    assert "chart could not be attached" in posts[1].body["text"] and "missing_scope" in posts[1].body["text"]
    assert len(posts) == 13 and slack.shared_files() == []
