"""`report` in a Slack DM: the headline as a message, and the RAG chart uploaded under it with
files.uploadV2 (files.getUploadURLExternal → upload → files.completeUploadExternal), against
the fake Web API with Slack's upload host."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from actionbot.app import create_app
from handlers import outbound_channels
from tests.fakes.slack_files import FakeSlackWithFiles
from tests.slack.conftest import TOKEN, USERS, SlackBench, slack_runtime, slack_settings


@pytest.fixture
async def files_bench(reference_engine, slack_clock):
    api = FakeSlackWithFiles(TOKEN)
    await api.start()
    for user_id, (email, name) in USERS.items():
        api.add_user(user_id, email, name)
    rt = slack_runtime(slack_settings(api), reference_engine, slack_clock)
    rt.channels = outbound_channels(rt)
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    yield SlackBench(http, api, rt)
    await http.close()
    await api.close()


async def test_report_in_a_dm_uploads_the_chart_under_the_answer(files_bench):
    answer = await files_bench.dm_reply("U0HOSSCP", "report")
    assert "Highlight report" in json.dumps(answer.body, ensure_ascii=False)
    await files_bench.api.wait_for("files.completeUploadExternal")
    (chart,) = files_bench.api.shared_files()
    assert chart.channel == answer.body["channel"] and chart.filename == "rag-2016-10.png"
    assert chart.content is not None and chart.content.startswith(b"\x89PNG\r\n")
    assert chart.alt_txt.startswith("Stacked bars of RAG status per priority for October 2016")
    # a question with no picture uploads nothing
    await files_bench.dm_reply("U0HOSSCP", "status p4")
    await files_bench.settle()
    assert len(files_bench.api.shared_files()) == 1


async def test_a_failed_chart_upload_still_answers_and_says_so(files_bench):
    files_bench.api.fail("files.getUploadURLExternal", error="missing_scope")
    await files_bench.dm_reply("U0HOSSCP", "report")
    notes = await files_bench.api.wait_for("chat.postMessage", 2)
    assert "The chart could not be attached" in notes[-1].body["text"]
    assert files_bench.api.shared_files() == []
