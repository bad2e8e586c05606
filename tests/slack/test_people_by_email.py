"""Issue #10: nudges reach people who never wrote to the bot. A council imports names and
emails; before the first message to someone with no Slack id the bot asks Slack
(`users.lookupByEmail`, on the fake Web API), remembers the link and audits it. `actionbot
people link` does it for everyone at once and says who could not be found and why."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from actionbot.cli import main
from bot.identity import chat_id
from bot.policy import load_policy
from domain.clock import FixedClock
from handlers.slack.outbound import SlackChannel
from handlers.slack.people import lookup_by_email
from scheduler.tick import Ticker
from storage import repo
from storage.models import AuditEvent, Person, SendLedger
from tests.contract.test_import_export import _url
from tests.slack.conftest import TOKEN, slack_settings

UK = ZoneInfo("Europe/London")


def person(engine, key: str) -> Person:
    with Session(engine) as s:
        return repo.person_by_key(s, key)


def slack_id(engine, key: str) -> str | None:
    with Session(engine) as s:
        return chat_id(s, key, "slack")


def links(engine) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.kind == "person.linked")).all())


def ticker(engine, api, clock: FixedClock) -> Ticker:
    channel = SlackChannel(slack_settings(api), clock.sleep, engine=engine, clock=clock)
    return Ticker(engine, clock, load_policy(), {"slack": channel}, recipients={"hos-scp"}, include_sit=False)


async def test_a_scheduler_nudge_reaches_someone_who_has_only_an_email(reference_engine, slack_api):
    assert slack_id(reference_engine, "hos-scp") is None  # the directory has her email only
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))  # the September round opens

    await ticker(reference_engine, slack_api, clock).tick()

    (lookup,) = slack_api.calls_to("users.lookupByEmail")
    assert lookup.body["email"] == "hos-scp@example.invalid"
    assert [c.body["users"] for c in slack_api.calls_to("conversations.open")] == ["U0HOSSCP"]
    (post,) = slack_api.calls_to("chat.postMessage")
    assert post.answer["channel"] == "D0HOSSCP"  # the DM of the right user
    assert slack_api.calls.index(lookup) < slack_api.calls.index(post)
    assert slack_id(reference_engine, "hos-scp") == "U0HOSSCP"
    (linked,) = links(reference_engine)
    assert (linked.subject, linked.actor) == ("hos-scp", "bot")
    assert linked.details == {"channel": "slack", "user_id": "U0HOSSCP", "via": "users.lookupByEmail"}
    with Session(reference_engine) as s:
        row = s.exec(select(SendLedger).where(SendLedger.key == "msg:hos-scp:2016-09-01")).one()
    assert (row.status, row.channel) == ("sent", "slack")

    clock.set(datetime(2016, 10, 3, 9, 0, tzinfo=UK))  # the October round: a second nudge
    await ticker(reference_engine, slack_api, clock).tick()
    assert len(slack_api.calls_to("chat.postMessage")) == 2
    assert len(slack_api.calls_to("users.lookupByEmail")) == 1  # the link is remembered
    assert len(links(reference_engine)) == 1


async def test_someone_slack_does_not_know_is_a_failed_send_and_the_sit_hears_it(reference_engine, slack_api):
    del slack_api.users["U0HOSSCP"]  # no Slack account with her email
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    channel = SlackChannel(slack_settings(slack_api), clock.sleep, engine=reference_engine, clock=clock)
    await Ticker(reference_engine, clock, load_policy(), {"slack": channel}, recipients={"hos-scp"}).tick()
    with Session(reference_engine) as s:
        row = s.exec(select(SendLedger).where(SendLedger.key == "msg:hos-scp:2016-09-01")).one()
    assert row.status == "failed"
    assert "users_not_found" in (row.last_error or "")
    assert not slack_api.calls_to("conversations.open")
    assert slack_id(reference_engine, "hos-scp") is None and not links(reference_engine)
    sit = [c for c in slack_api.calls_to("chat.postMessage") if c.body["channel"] == "C0SIT"]
    assert any("Sadie Carpenterly" in (c.body.get("text") or "") + str(c.body.get("blocks")) for c in sit)


async def test_the_lookup_tells_not_found_deactivated_bots_and_errors_apart(slack_api):
    from slack_sdk.web.async_client import AsyncWebClient

    from handlers.slack.client import configure

    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    client = configure(AsyncWebClient(token=TOKEN), slack_settings(slack_api), clock.sleep)
    slack_api.add_user("U0GONE", "left@example.invalid", "Left The Council", deleted=True)
    slack_api.add_user("U0ROBOT", "robot@example.invalid", "A Bot", is_bot=True)

    found = await lookup_by_email(client, "HOS-SCP@example.invalid")  # Slack ignores the case
    assert (found.outcome, found.user_id) == ("found", "U0HOSSCP")
    missing = await lookup_by_email(client, "nobody@example.invalid")
    assert (missing.outcome, missing.permanent) == ("not_found", True)
    assert "users_not_found" in missing.describe()
    gone = await lookup_by_email(client, "left@example.invalid")
    assert (gone.outcome, gone.user_id) == ("deactivated", "U0GONE") and "deactivated" in gone.describe()
    robot = await lookup_by_email(client, "robot@example.invalid")
    assert robot.outcome == "bot" and "bot" in robot.describe()
    slack_api.fail("users.lookupByEmail", error="missing_scope")
    scope = await lookup_by_email(client, "dcs@example.invalid")
    assert (scope.outcome, scope.detail, scope.permanent) == ("error", "missing_scope", True)
    slack_api.fail("users.lookupByEmail", status=503, times=3)
    down = await lookup_by_email(client, "dcs@example.invalid")
    assert (down.outcome, down.permanent) == ("error", False)


async def test_tier_3_rate_limits_are_waited_out_on_the_clock(reference_engine, slack_api):
    clock = FixedClock(datetime(2016, 9, 1, 9, 0, tzinfo=UK))
    channel = SlackChannel(slack_settings(slack_api), clock.sleep, engine=reference_engine, clock=clock)
    slack_api.fail("users.lookupByEmail", status=429, retry_after=7)
    result = await channel.link(person(reference_engine, "dcs"))
    assert result.linked and result.lookup.user_id == "U0DCS"
    assert len(slack_api.calls_to("users.lookupByEmail")) == 2
    assert 7 <= clock.slept[0] < 8  # Retry-After, plus jitter


async def test_people_link_links_everyone_it_can_and_says_why_not_for_the_rest(
    reference_engine, slack_api, monkeypatch, capsys
):
    slack_api.add_user("U0GONE", "dph@example.invalid", "Gone", deleted=True)
    with Session(reference_engine) as s:
        everyone = repo.all_people(s)
    for name, value in {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack_api.api_url,
        "SLACK_APP_TOKEN": "",
    }.items():
        monkeypatch.setenv(name, value)
    url = _url(reference_engine)

    code = await asyncio.to_thread(main, ["--database-url", url, "people", "link"])

    out = capsys.readouterr().out
    assert code == 1  # some could not be found
    found = {"hos-scp": "U0HOSSCP", "dcs": "U0DCS", "hos-qi": "U0HOSQI", "sit-manager": "U0SIT"}
    assert f"Linked {len(found)} people to Slack by email; 0 were already linked." in out
    assert "  + Sadie Carpenterly (fictional) (hos-scp): U0HOSSCP" in out
    assert f"Could not link {len(everyone) - len(found)}:" in out
    assert "(dph; dph@example.invalid): the Slack account U0GONE is deactivated" in out
    assert "no Slack account has this email address (users_not_found)" in out
    with Session(reference_engine) as s:
        assert repo.chat_ids_by_person(s, "slack") == found
    assert len(links(reference_engine)) == len(found)
    assert {e.actor for e in links(reference_engine)} == {"cli"}

    lookups = len(slack_api.calls_to("users.lookupByEmail"))
    assert await asyncio.to_thread(main, ["--database-url", url, "people", "link"]) == 1  # idempotent
    out = capsys.readouterr().out
    assert f"Linked 0 people to Slack by email; {len(found)} were already linked." in out
    assert len(slack_api.calls_to("users.lookupByEmail")) == lookups + len(everyone) - len(found)
    assert len(links(reference_engine)) == len(found)
