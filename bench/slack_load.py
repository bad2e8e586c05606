"""Slack under load: actionbot against the bare-Bolt floor, side by side in one run.

Both servers run as real processes on this machine. This process plays Slack: it signs
`/actionbot priority 5` slash commands (59 actions of the reference plan), POSTs them with 1, 10
and 50 concurrent clients, and serves the `response_url`s, recording when each answer arrives.

- **ack**: the HTTP round trip of the command (Slack gives up after 3 s);
- **answer**: from sending the command to its answer reaching `response_url`, what a person
  waits for;
- ratios are actionbot / floor at the same level, measured in the same run.

The person asking is the reference plan's DCS, linked to her Slack id as after `people link`.

The servers take turns: each level is measured in rounds, and in each round the floor, then
actionbot on SQLite, then on PostgreSQL get their share of its requests (see `run`).

Run alone: `python -m bench slack` (`BENCH_SLACK_REQUESTS` sets requests per level, default 600;
`BENCH_SLACK_CLIENTS` the levels, default `1,10,50`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

SECRET = "bench-signing-secret-0123456789ab"
TOKEN = "xoxb-bench"
COMMAND = os.environ.get("SLACK_COMMAND", "/actionbot")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ACTIONBOT = Path(sys.executable).with_name("actionbot")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SlackSide:
    """The Web API methods both servers call, and every response_url: answers and arrival times."""

    arrived: dict[str, float] = field(default_factory=dict)
    waiters: dict[str, asyncio.Future] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        await request.read()
        if method == "auth.test":
            return web.json_response(
                {"ok": True, "team_id": "T0BENCH", "user_id": "UBOT", "bot_id": "BBOT", "team": "Bench", "user": "bot"}
            )
        if method == "users.info":
            return web.json_response({"ok": True, "user": {"id": "U0BENCH", "name": "bench", "profile": {}}})
        return web.json_response({"ok": True})

    async def _response(self, request: web.Request) -> web.Response:
        await request.read()
        name = request.match_info["name"]
        self.arrived.setdefault(name, time.perf_counter())
        waiter = self.waiters.get(name)
        if waiter and not waiter.done():
            waiter.set_result(None)
        return web.json_response({"ok": True})


def signed_command(text_: str, response_url: str, trigger: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "team_id": "T0BENCH",
            "channel_id": "C0BENCH",
            "user_id": "U0BENCH",
            "user_name": "bench",
            "command": COMMAND,
            "text": text_,
            "api_app_id": "A0BENCH",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    return body.encode(), headers


@dataclass
class Level:
    clients: int
    acks: list[float]  # ms
    answers: list[float]  # ms, only those that arrived
    sent: int
    seconds: float

    def pct(self, values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def within_3s(self) -> int:
        return sum(1 for a in self.answers if a <= 3000)


_names = itertools.count()


async def run_level(http: aiohttp.ClientSession, slack: SlackSide, url: str, clients: int, total: int) -> Level:
    acks: list[float] = []
    answers: list[float] = []
    queue = iter(range(total))

    async def one_client() -> None:
        for _ in queue:
            name = f"r{next(_names)}"
            waiter = asyncio.get_running_loop().create_future()
            slack.waiters[name] = waiter
            body, headers = signed_command("priority 5", f"{slack.url}/response/{name}", f"{name}.trigger")
            t0 = time.perf_counter()
            async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
                await response.read()
                acks.append((time.perf_counter() - t0) * 1000)
                if response.status != 200:
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, 30)
            if name in slack.arrived:
                answers.append((slack.arrived[name] - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return Level(clients, acks, answers, total, time.perf_counter() - started)


@contextlib.asynccontextmanager
async def process(argv: list[str], env: dict[str, str], ready_url: str, ready_status: int) -> AsyncIterator[None]:
    # the server's log goes to a file: a pipe nobody reads fills up and blocks the server
    log_file = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115
    proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log_file)
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 90
            while True:
                if proc.returncode is not None or time.monotonic() > deadline:
                    err = Path(log_file.name).read_text(encoding="utf-8", errors="replace")[-2000:]
                    raise RuntimeError(f"{argv[0]} did not come up:\n{err}")
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.request("GET" if ready_status == 200 else "POST", ready_url) as r:
                        if r.status == ready_status:
                            break
                await asyncio.sleep(0.2)  # waiting for another process to start
        yield
    finally:
        proc.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 15)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log_file.close()
        Path(log_file.name).unlink(missing_ok=True)


async def measure(name: str, argv: list[str], env: dict[str, str], ready: tuple[str, int], url: str,
                  slack: SlackSide, levels: list[int], total: int) -> list[Level]:
    """One server alone, level after level (`bench.workers` compares 1 and N workers this way)."""
    out = []
    async with process(argv, env, *ready):
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            await run_level(http, slack, url, 1, 5)  # warm-up (first import of lazy modules, caches)
            for clients in levels:
                out.append(await run_level(http, slack, url, clients, total))
    return out


def merged(parts: list[Level]) -> Level:
    """One level's rounds as one: every sample, the requests and the seconds they took."""
    return Level(
        parts[0].clients,
        [a for p in parts for a in p.acks],
        [a for p in parts for a in p.answers],
        sum(p.sent for p in parts),
        sum(p.seconds for p in parts),
    )


def prepare_database(env: dict[str, str], tmp: Path) -> None:
    """The reference plan, with the person asking linked to Slack as a council's DCS would be
    (`people import` of a `key, slack_user_id` file: a person_identity row), so each answer is the
    one she gets."""
    links = tmp / "links.csv"
    links.write_text("key,slack_user_id\ndcs,U0BENCH\n", encoding="utf-8")
    for args in (["import", "--reference"], ["people", "import", str(links)]):
        subprocess.run([str(ACTIONBOT), *args], env=env, check=True, capture_output=True)


def pg_url_for(schema: str) -> str | None:
    try:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            c.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    except Exception as exc:
        print(f"  (PostgreSQL unavailable: {type(exc).__name__}; SQLite only)")
        return None
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def print_levels(name: str, levels: list[Level], floor: list[Level] | None) -> None:
    print(f"  {name}")
    for i, lv in enumerate(levels):
        ack50, ack99 = lv.pct(lv.acks, 0.5), lv.pct(lv.acks, 0.99)
        ans50, ans99 = lv.pct(lv.answers, 0.5), lv.pct(lv.answers, 0.99)
        line = (f"    {lv.clients:>3} clients: ack p50 {ack50:8.1f} p99 {ack99:8.1f} ms | answer p50 {ans50:8.1f} "
                f"p99 {ans99:8.1f} ms | within 3 s {lv.within_3s}/{lv.sent} | {lv.sent / lv.seconds:6.1f} answers/s")
        if floor:
            f = floor[i]
            line += (f" | x floor: answer p50 {ans50 / f.pct(f.answers, 0.5):.1f}x,"
                     f" ack p99 {ack99 / f.pct(f.acks, 0.99):.1f}x")
        print(line)


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    ready: tuple[str, int]
    url: str


async def run(levels: list[int], total: int) -> None:
    """Every server is started first; then each level is measured in rounds (`ROUNDS`), and in
    each round every server gets its share of the level's requests in turn: the floor, then
    actionbot on SQLite, then on PostgreSQL. This machine's speed drifts by half as much again
    within minutes (it shares its host), so servers measured one after the other would be
    compared at different speeds; taking turns spreads the drift over every server alike."""
    slack = SlackSide()
    await slack.start()
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        floor_argv = [sys.executable, "-m", "bench.slack_floor", "--port", str(port), "--secret", SECRET,
                      "--api-url", f"{slack.url}/api/", "--command", COMMAND]
        servers = [Server("bare slack-bolt floor (ack + one fixed post to response_url)", floor_argv, base_env,
                          (f"{url}/slack/events", 401), url)]
        with tempfile.TemporaryDirectory() as tmp:
            databases = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
            if pg := pg_url_for("ab_bench_slack"):
                databases.append(("PostgreSQL", pg))
            for db_name, db_url in databases:
                port = free_port()
                env = base_env | {
                    "DATABASE_URL": db_url,
                    "ACTIONBOT_NOW": "2016-10-14",
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": f"{slack.url}/api/",
                    "SLACK_COMMAND": COMMAND,
                }
                prepare_database(env, Path(tmp))
                argv = [str(ACTIONBOT), "serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)]
                url = f"http://127.0.0.1:{port}"
                servers.append(Server(f"actionbot on {db_name}", argv, env, (f"{url}/healthz", 200), url))
            async with contextlib.AsyncExitStack() as stack:
                for server in servers:
                    await stack.enter_async_context(process(server.argv, server.env, *server.ready))
                connector = aiohttp.TCPConnector(limit=0)
                http = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
                for server in servers:  # warm-up (first import of lazy modules, caches)
                    await run_level(http, slack, server.url, 1, 5)
                rounds = max(1, min(ROUNDS, total // 100))
                parts: dict[str, dict[int, list[Level]]] = {s.name: {c: [] for c in levels} for s in servers}
                for clients in levels:
                    for r in range(rounds):
                        share = total // rounds + (1 if r < total % rounds else 0)
                        for server in servers:
                            parts[server.name][clients].append(
                                await run_level(http, slack, server.url, clients, share)
                            )
            floor = [merged(parts[servers[0].name][c]) for c in levels]
            print_levels(servers[0].name, floor, None)
            for server in servers[1:]:
                print_levels(server.name, [merged(parts[server.name][c]) for c in levels], floor)
    finally:
        await slack.close()


ROUNDS = 6  # turns each server takes at each level (fewer when a level has under 600 requests)


def main() -> None:
    total = int(os.environ.get("BENCH_SLACK_REQUESTS", "600"))
    levels = [int(x) for x in os.environ.get("BENCH_SLACK_CLIENTS", "1,10,50").split(",")]
    print(f"Slack: signed `{COMMAND} priority 5` (59 actions), {total} requests per level, side by side")
    asyncio.run(run(levels, total))
    print()


if __name__ == "__main__":
    main()
