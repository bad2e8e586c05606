"""Teams under load: actionbot against botbuilder's echo bot, side by side in one run.

Both run as real processes in local development mode. This process plays Teams and the Bot
Connector: it POSTs `status priority 5` message activities (a personal chat) to
`/api/messages` with 1, 10 and 50 concurrent clients, and serves the `serviceUrl` the replies
go to, recording when the reply to each activity arrives. The figure is the time from sending
the activity to its reply reaching the connector, and the ratio is actionbot / echo floor.

Run alone: `python -m bench teams` (`BENCH_TEAMS_REQUESTS`, default 600 per level;
`BENCH_TEAMS_CLIENTS`, default `1,10,50`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.slack_load import Level, free_port, process

ACTIONBOT = Path(sys.executable).with_name("actionbot")
TENANT = "00000000-0000-0000-0000-00000000bench"
_ids = itertools.count()


class Connector:
    """The Bot Connector the replies go to: records when the reply to each activity arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _arrive(self, activity: str) -> None:
        self.arrived.setdefault(activity, time.perf_counter())
        waiter = self.waiters.get(activity)
        if waiter and not waiter.done():
            waiter.set_result(None)

    async def _reply(self, request: web.Request) -> web.Response:
        await request.read()
        self._arrive(request.match_info["activity"])
        return web.json_response({"id": f"reply-{next(_ids)}"})

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._arrive(str(body.get("replyToId") or ""))
        return web.json_response({"id": f"sent-{next(_ids)}"})

    async def _member(self, request: web.Request) -> web.Response:
        member = request.match_info["member"]
        return web.json_response({"id": member, "name": "Dana Carver", "email": "dcs@example.invalid",
                                  "userPrincipalName": "dcs@example.invalid", "aadObjectId": "aad-bench"})


def activity(connector: Connector, name: str) -> dict:
    return {
        "type": "message",
        "id": name,
        "timestamp": "2016-10-14T09:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": connector.url,
        "from": {"id": "29:bench-user", "name": "Dana Carver", "aadObjectId": "aad-bench"},
        "conversation": {"id": "a:personal-bench", "conversationType": "personal", "tenantId": TENANT},
        "recipient": {"id": "28:actionbot", "name": "actionbot"},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
        "text": "status priority 5",
    }


async def run_level(http: aiohttp.ClientSession, connector: Connector, url: str, clients: int, total: int) -> Level:
    answers: list[float] = []
    acks: list[float] = []
    queue = iter(range(total))

    async def one_client() -> None:
        for _ in queue:
            name = f"act-{next(_ids)}"
            waiter = asyncio.get_running_loop().create_future()
            connector.waiters[name] = waiter
            t0 = time.perf_counter()
            async with http.post(f"{url}/api/messages", json=activity(connector, name)) as response:
                await response.read()
                acks.append((time.perf_counter() - t0) * 1000)
                if response.status >= 300:
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, 30)
            if name in connector.arrived:
                answers.append((connector.arrived[name] - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return Level(clients, acks, answers, total, time.perf_counter() - started)


async def measure(argv: list[str], env: dict[str, str], url: str, connector: Connector, levels: list[int],
                  total: int) -> list[Level]:
    out = []
    async with (
        process(argv, env, f"{url}/healthz", 200),
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
    ):
        await run_level(http, connector, url, 1, 5)  # warm-up
        for clients in levels:
            out.append(await run_level(http, connector, url, clients, total))
    return out


def show(name: str, levels: list[Level], floor: list[Level] | None) -> None:
    print(f"  {name}")
    for i, lv in enumerate(levels):
        p50, p99 = lv.pct(lv.answers, 0.5), lv.pct(lv.answers, 0.99)
        line = (f"    {lv.clients:>3} clients: reply p50 {p50:8.1f} p99 {p99:8.1f} ms | replied {len(lv.answers)}/{lv.sent}"
                f" | {lv.sent / lv.seconds:6.1f} replies/s")
        if floor:
            line += f" | x echo floor: p50 {p50 / floor[i].pct(floor[i].answers, 0.5):.2f}x (target <= 1.2x)"
        print(line)


async def run(levels: list[int], total: int) -> None:
    connector = Connector()
    await connector.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
        port = free_port()
        floor = await measure([sys.executable, "-m", "bench.teams_floor", "--port", str(port)], env,
                              f"http://127.0.0.1:{port}", connector, levels, total)
        show("botbuilder echo bot (the floor)", floor, None)
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            bot_env = env | {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}", "ACTIONBOT_NOW": "2016-10-14"}
            argv = [str(ACTIONBOT), "serve", "--bootstrap", "--no-scheduler", "--host", "127.0.0.1",
                    "--port", str(port)]
            mine = await measure(argv, bot_env, f"http://127.0.0.1:{port}", connector, levels, total)
            show("actionbot on SQLite", mine, floor)
    finally:
        await connector.close()


def main() -> None:
    total = int(os.environ.get("BENCH_TEAMS_REQUESTS", "600"))
    levels = [int(x) for x in os.environ.get("BENCH_TEAMS_CLIENTS", "1,10,50").split(",")]
    print(f"Teams: `status priority 5` (59 actions) in a personal chat, {total} requests per level, side by side")
    asyncio.run(run(levels, total))
    print()


if __name__ == "__main__":
    main()
