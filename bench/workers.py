"""`actionbot serve --workers N`: throughput with 1 and 2 web processes, side by side in one run.

The same load as `bench.slack_load` (signed `/actionbot priority 5` from concurrent clients, the
answer timed at `response_url`) against `serve --workers 1` and `serve --workers 2` on the same
database. One process runs one request's Python at a time, so a second one can only help when
a core is free: on a machine with more cores than the load generator and the rest of the
machine need, answers/s should nearly double; on a busy 2-core machine expect much less.

Run: `python -m bench workers` (`BENCH_WORKERS_REQUESTS`, default 600 per level;
`BENCH_WORKERS_CLIENTS`, default `10,50`; `BENCH_WORKERS_DB`: `sqlite`, `postgresql` or both,
default both).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from bench.slack_load import (
    ACTIONBOT,
    COMMAND,
    SECRET,
    TOKEN,
    Level,
    SlackSide,
    free_port,
    measure,
    pg_url_for,
    prepare_database,
)


def show(name: str, levels: list[Level], one: list[Level] | None) -> None:
    print(f"  {name}")
    for i, lv in enumerate(levels):
        rate = lv.sent / lv.seconds
        line = (f"    {lv.clients:>3} clients: {rate:6.1f} answers/s | answer p50 {lv.pct(lv.answers, 0.5):8.1f} "
                f"p99 {lv.pct(lv.answers, 0.99):8.1f} ms | within 3 s {lv.within_3s}/{lv.sent}")
        if one:
            line += f" | x 1 worker: {rate / (one[i].sent / one[i].seconds):.2f}x answers/s"
        print(line)


async def run(levels: list[int], total: int, databases: list[str]) -> None:
    slack = SlackSide()
    await slack.start()
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
        with tempfile.TemporaryDirectory() as tmp:
            urls = []
            if "sqlite" in databases:
                urls.append(("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
            if "postgresql" in databases and (pg := pg_url_for("ab_bench_workers")):
                urls.append(("PostgreSQL", pg))
            for db_name, db_url in urls:
                env = base_env | {
                    "DATABASE_URL": db_url,
                    "ACTIONBOT_NOW": "2016-10-14",
                    "SLACK_BOT_TOKEN": TOKEN,
                    "SLACK_SIGNING_SECRET": SECRET,
                    "SLACK_API_URL": f"{slack.url}/api/",
                    "SLACK_COMMAND": COMMAND,
                }
                prepare_database(env, Path(tmp))
                one: list[Level] | None = None
                for workers in (1, 2):
                    port = free_port()
                    argv = [str(ACTIONBOT), "serve", "--no-scheduler", "--workers", str(workers),
                            "--host", "127.0.0.1", "--port", str(port)]
                    url = f"http://127.0.0.1:{port}"
                    out = await measure(db_name, argv, env, (f"{url}/healthz", 200), url, slack, levels, total)
                    show(f"{db_name}, serve --workers {workers}", out, one)
                    one = one or out
    finally:
        await slack.close()


def main() -> None:
    total = int(os.environ.get("BENCH_WORKERS_REQUESTS", "600"))
    levels = [int(x) for x in os.environ.get("BENCH_WORKERS_CLIENTS", "10,50").split(",")]
    databases = os.environ.get("BENCH_WORKERS_DB", "sqlite,postgresql").split(",")
    print(f"serve --workers: signed `{COMMAND} priority 5`, {total} requests per level, 1 vs 2 web processes "
          f"(this machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    asyncio.run(run(levels, total, databases))
    print()
