"""Issue #10, Slack: the command the manifest registers (read from manifest.yml, never
hard-coded) answers every form `/status` had, and `@actionbot …` in a channel is answered in a
thread under the mention, through signed requests against the fake Slack API."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event

from actionbot.app import create_app
from bot.plan_state import load_state
from handlers import outbound_channels
from storage import repo
from storage.db import session_scope
from tests.fakes import slack_payloads as slack
from tests.fakes.slack_api import block_problems
from tests.slack.conftest import SlackBench, section_texts, slack_runtime, slack_settings

COMMAND = slack.manifest_command()


async def run_command(bench: SlackBench, text: str, *, command: str = COMMAND, user: str = "U0HOSSCP") -> str:
    name = bench._name()
    body = slack.slash_command(text, user, bench.api.response_url(name), command=command)
    code, _ = await bench.post(body, slack.FORM)
    assert code == 200
    answer = (await bench.api.response_to(name)).body
    assert block_problems(answer["blocks"]) == []
    return section_texts(answer["blocks"])


def test_the_manifest_registers_actionbot():
    assert COMMAND == "/actionbot"


@pytest.mark.parametrize(
    ("with_status", "without"),
    [("status priority 4", "priority 4"), ("status 4.2.1", "4.2.1"), ("status overdue", "overdue")],
)
async def test_the_word_status_is_optional_after_the_command(slack_bench, with_status, without):
    first = await run_command(slack_bench, with_status)
    assert first == await run_command(slack_bench, without)
    assert "I don't know" not in first


async def test_every_form_of_the_old_status_command_works_after_actionbot(slack_bench):
    assert "*Priority 4: Safeguarding – better help and protection*" in await run_command(
        slack_bench, "status priority 4"
    )
    assert "Mandatory training on child protection procedures" in await run_command(slack_bench, "4.2.1")
    assert "Overdue actions (" in await run_command(slack_bench, "overdue")
    helptext = await run_command(slack_bench, "help")
    assert "`/actionbot status priority 4`" in helptext and "`/actionbot status mine`" in helptext
    assert "`/status" not in helptext
    assert "As of 15 Oct 2016" in await run_command(slack_bench, "")
    # An update typed after the command is recorded like one typed in the DM.
    assert "4.2.1" in await run_command(slack_bench, "4.2.1 amber - waiting on the trainer")
    assert "waiting on the trainer" in await run_command(slack_bench, "status 4.2.1")


async def test_the_old_name_is_not_answered(slack_bench):
    name = slack_bench._name()
    body = slack.slash_command("priority 4", "U0HOSSCP", slack_bench.api.response_url(name), command="/status")
    code, _ = await slack_bench.post(body, slack.FORM)
    assert code == 404  # Bolt: no listener for it (Slack would never send it: the name is reserved)
    await slack_bench.settle()
    assert not [c for c in slack_bench.api.calls if c.path.endswith(name)]


async def test_a_second_copy_listens_to_its_own_command_and_shows_it(reference_engine, slack_api, slack_clock):
    rt = slack_runtime(slack_settings(slack_api, slack_command="/actionbot-test"), reference_engine, slack_clock)
    rt.channels = outbound_channels(rt)
    http = TestClient(TestServer(create_app(rt)))
    await http.start_server()
    try:
        bench = SlackBench(http, slack_api, rt)
        text = await run_command(bench, "priority 5", command="/actionbot-test")
        assert "more: `/actionbot-test status overdue p5`" in text
        name = bench._name()
        code, _ = await bench.post(
            slack.slash_command("p5", "U0HOSSCP", slack_api.response_url(name), command="/actionbot"), slack.FORM
        )
        assert code == 404  # the other copy's command is not ours
    finally:
        await http.close()


async def test_page_2_hints_and_error_texts_name_the_command_to_type(slack_bench):
    text = await run_command(slack_bench, "not rated")
    assert "more: `/actionbot status not rated page 2`" in text
    assert "I don't know `/actionbot status what is this`" in await run_command(slack_bench, "what is this")
    assert "`/actionbot status priority 4`" in await run_command(slack_bench, "priority four hundred")


async def mention(bench: SlackBench, text: str, *, user: str = "U0DCS", thread_ts: str | None = None):
    event = slack.mention_event(user, text, thread_ts=thread_ts)
    before = len(bench.api.calls_to("chat.postMessage"))
    code, _ = await bench.post(slack.event_callback(event), slack.JSON)
    assert code == 200
    call = (await bench.api.wait_for("chat.postMessage", before + 1))[before]
    assert block_problems(call.body["blocks"]) == []
    return event, call


async def test_a_mention_in_a_channel_is_answered_in_a_thread_under_it(slack_bench):
    event, call = await mention(slack_bench, "status priority 4")
    assert call.body["channel"] == "C0PLAN"
    assert call.body["thread_ts"] == event["ts"]
    text = section_texts(call.body["blocks"])
    assert "*Priority 4: Safeguarding – better help and protection*" in text
    _, p5 = await mention(slack_bench, "status p5")
    assert "more: `/actionbot status overdue p5`" in section_texts(p5.body["blocks"])  # what to type in Slack


async def test_a_mention_inside_a_thread_answers_in_that_thread(slack_bench):
    _, call = await mention(slack_bench, "overdue", thread_ts="1476540000.000001")
    assert call.body["thread_ts"] == "1476540000.000001"
    assert "Overdue actions (" in section_texts(call.body["blocks"])


async def test_an_update_in_a_mention_is_recorded_like_a_dm(slack_bench):
    _, call = await mention(slack_bench, "4.2.1 red - no trainer available", user="U0HOSSCP")
    assert "4.2.1" in section_texts(call.body["blocks"])
    with session_scope(slack_bench.rt.engine) as session:
        state = load_state(session, repo.active_plan(session), slack_bench.rt.clock.now())
        assert state.action("4.2.1").rag == "red"
        assert state.action("4.2.1").updates[-1].note == "no trainer available"


async def test_a_bare_mention_gets_the_help_and_a_stranger_cannot_update(slack_bench):
    _, call = await mention(slack_bench, "")
    assert "`/actionbot status priority 4`" in section_texts(call.body["blocks"])
    _, refused = await mention(slack_bench, "4.2.1 green", user="U0STRANGER")
    with session_scope(slack_bench.rt.engine) as session:
        state = load_state(session, repo.active_plan(session), slack_bench.rt.clock.now())
        assert state.action("4.2.1").rag == "not_rated"
    assert "Nothing was recorded" in section_texts(refused.body["blocks"]) or "Only the lead" in section_texts(
        refused.body["blocks"]
    )


async def test_a_retried_mention_is_answered_once(slack_bench):
    event = slack.mention_event("U0DCS", "status p4")
    body = slack.event_callback(event, "EvMENTION1")
    assert (await slack_bench.post(body, slack.JSON))[0] == 200
    await slack_bench.api.wait_for("chat.postMessage", 1)
    assert (await slack_bench.post(body, slack.JSON, retry=1))[0] == 200
    await slack_bench.settle()
    assert len(slack_bench.api.calls_to("chat.postMessage")) == 1


async def test_board_asked_for_in_a_channel_gives_no_link_to_the_channel(slack_bench):
    """A board link works once for whoever opens it first: it never goes into a channel."""
    _, call = await mention(slack_bench, "board")
    text = section_texts(call.body["blocks"])
    assert "direct message" in text and "/board/link/" not in text
    with session_scope(slack_bench.rt.engine) as s:
        assert repo.audit_events(s, ["link_issued"]) == []


async def test_a_question_asked_again_is_answered_on_the_loop_alike_and_claimed_once(slack_bench_any):
    """The first `priority 4` links the Slack account by its email (an audited write: the plan's
    version moves on), the second reads the plan's state again (both in a thread,
    `Core.handle`); asked again, with the state kept, it is answered by `Core.answer_at_once`:
    every statement through the quick lane (SQLite's no-wait engine, PostgreSQL's asynchronous
    connections), none on the main engine (which `handle` uses), with the same words. A replay
    of that command is acknowledged and dropped the same way. Then the app stops, and closes the
    lane's connections."""
    slack_bench = slack_bench_any
    core, main_engine = slack_bench.rt.core, slack_bench.rt.engine
    assert core.quick_lane is not None
    await run_command(slack_bench, "priority 4")
    first = await run_command(slack_bench, "priority 4")
    seen: dict[str, list[str]] = {"loop": [], "main": []}

    def recorder(where: str):
        def record(_conn, _cursor, sql, *_args) -> None:
            seen[where].append(sql)

        return record

    on_loop, on_main = recorder("loop"), recorder("main")
    event.listen(core.quick_lane.engine, "before_cursor_execute", on_loop)
    event.listen(main_engine, "before_cursor_execute", on_main)
    try:
        name = slack_bench._name()
        body = slack.slash_command("priority 4", "U0HOSSCP", slack_bench.api.response_url(name), command=COMMAND)
        assert (await slack_bench.post(body, slack.FORM))[0] == 200
        again = (await slack_bench.api.response_to(name)).body
        assert section_texts(again["blocks"]) == first
        assert any("INSERT" in sql and "seen_event" in sql for sql in seen["loop"])  # the claim, on the loop
        assert seen["main"] == []  # nothing fell back to `handle`
        # the same signed command again (a replay): acknowledged, and nothing more is posted
        seen["loop"].clear()
        assert (await slack_bench.post(body, slack.FORM))[0] == 200
        await slack_bench.settle()
        assert any("seen_event" in sql for sql in seen["loop"]) and seen["main"] == []
    finally:
        event.remove(core.quick_lane.engine, "before_cursor_execute", on_loop)
        event.remove(main_engine, "before_cursor_execute", on_main)
    assert sum(1 for c in slack_bench.api.calls if c.path == f"/response/{name}") == 1
    lane_pool = core.quick_lane.engine.pool
    assert lane_pool.checkedin() >= 1  # its connection, kept for the next question
    await slack_bench.http.close()
    assert lane_pool.checkedin() == 0
