"""End to end: `actionbot serve --workers 2`, real processes, a SQLite file and a fake Slack.

Done when (issue #14): two web processes answer on one port; every signed `/actionbot priority 4`
gets the same answer whichever process takes it; a command replayed to both processes at once
is answered once; exactly one process runs the scheduler, and every message its tick sends is
in the ledger once and reached Slack once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from storage.reference import load_reference_people
from tests.e2e.test_slack_serve import SECRET, TOKEN, free_port, section_texts
from tests.fakes import slack_payloads as slack
from tests.fakes.slack_api import FakeSlackApi

ACTIONBOT = Path(sys.executable).with_name("actionbot")
ASKER = "U0HOSSCP"  # Sadie Carpenterly, found by her email on her first command


@pytest.fixture
async def workspace():
    """Every person of the reference directory has a Slack account with their email."""
    fake = FakeSlackApi(TOKEN)
    await fake.start()
    fake.add_user(ASKER, "hos-scp@example.invalid", "Sadie Carpenterly")
    for n, person in enumerate(load_reference_people()):
        if person.email and person.email != "hos-scp@example.invalid":
            fake.add_user(f"U{n:04d}REF", person.email, person.name)
    yield fake
    await fake.close()


@pytest.fixture
async def two_workers(tmp_path, workspace):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'actionbot.db'}",
        "ACTIONBOT_NOW": "2016-10-14",  # a Friday with nudges and the weekly digest due
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": workspace.api_url,
    }
    log = (tmp_path / "serve.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(ACTIONBOT), "serve", "--bootstrap", "--workers", "2", "--host", "127.0.0.1", "--port", str(port),
        cwd=tmp_path, env=env, stdout=log, stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):  # waiting for other processes to start (up to a minute), not for time
                if process.returncode is not None:
                    break
                try:
                    async with http.get(f"{url}/healthz") as r:
                        if r.status == 200 and (await r.json())["scheduler"]["last_tick"]:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("serve --workers 2 did not answer /healthz with a tick")
        assert process.returncode is None, (tmp_path / "serve.log").read_text()
        yield url, process.pid, tmp_path / "actionbot.db"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
        log.close()
    assert process.returncode == 0, (tmp_path / "serve.log").read_text()


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


async def healthz_pids(url: str, rounds: int = 25, parallel: int = 8) -> Counter:
    """Which process answered each /healthz, over new connections, several at a time."""
    seen: Counter = Counter()

    async def one(http: aiohttp.ClientSession) -> None:
        async with http.get(f"{url}/healthz") as r:
            assert r.status == 200
            seen[(await r.json())["pid"]] += 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        for _ in range(rounds):
            await asyncio.gather(*(one(http) for _ in range(parallel)))
            if len(seen) > 1:
                break
    return seen


async def post(http: aiohttp.ClientSession, url: str, body: str) -> int:
    async with http.post(f"{url}/slack/events", data=body.encode(), headers=slack.signed(SECRET, body, slack.FORM)) as r:
        await r.read()
        return r.status


def ledger(db: Path) -> tuple[list[tuple[str, str, str, str]], list[int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT key, status, channel, claimed_by FROM send_ledger").fetchall()
        beats = [r[0] for r in conn.execute("SELECT pid FROM scheduler_heartbeat").fetchall()]
    return rows, beats


async def test_two_workers_answer_alike_once_each_and_one_of_them_schedules(two_workers, workspace):
    url, parent, db = two_workers
    workers = children(parent)
    assert len(workers) == 2

    # Both processes take connections on the one port.
    assert set(await healthz_pids(url)) == set(workers)

    # The same command from 20 clients at once: every answer is the same, whoever answered it.
    connector = aiohttp.TCPConnector(force_close=True)  # a new connection each: spread over both
    async with aiohttp.ClientSession(connector=connector) as http:
        names = [f"p4-{n}" for n in range(20)]
        codes = await asyncio.gather(
            *(post(http, url, slack.slash_command("priority 4", ASKER, workspace.response_url(n))) for n in names)
        )
        assert codes == [200] * 20
        answers = [section_texts((await workspace.response_to(n, timeout=20)).body["blocks"]) for n in names]
        assert "*Priority 4: Safeguarding – better help and protection*" in answers[0]
        assert set(answers) == {answers[0]}

        # One command delivered twice at once (Slack's retry, or a replay): answered once.
        for n in range(5):
            body = slack.slash_command("priority 4", ASKER, workspace.response_url(f"twice-{n}"))
            assert await asyncio.gather(post(http, url, body), post(http, url, body)) == [200, 200]
        await asyncio.gather(*(workspace.response_to(f"twice-{n}", timeout=20) for n in range(5)))
        # a later command's answer has come back, so any second answer would have too
        await post(http, url, slack.slash_command("priority 4", ASKER, workspace.response_url("after")))
        await workspace.response_to("after", timeout=20)
    for n in range(5):
        assert len([c for c in workspace.calls if c.path == f"/response/twice-{n}"]) == 1

    # One scheduler: one heartbeat, from a worker, and every ledger row claimed by that worker.
    rows, beats = ledger(db)
    assert len(beats) == 1 and beats[0] in workers
    sent = [key for key, status, channel, _ in rows if status == "sent" and channel == "slack"]
    assert sent, rows  # the tick at start-up had nudges and the digest to send
    assert {claimed_by.rsplit(":", 1)[1] for *_, claimed_by in rows} == {str(beats[0])}
    # ... and each of those messages reached Slack exactly once
    posted = Counter(
        c.body["metadata"]["event_payload"]["ledger_key"]
        for c in workspace.calls_to("chat.postMessage")
        if (c.body.get("metadata") or {}).get("event_payload", {}).get("ledger_key")
    )
    assert set(posted) == set(sent)
    assert [k for k, n in posted.items() if n > 1] == []
