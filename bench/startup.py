"""Start-up and memory: what a restart, a deploy and an idle server cost.

- **help**: `actionbot --help`, wall time of the whole process (issue #14: ≤ 0.5 s), beside a bare
  `python -c pass` on the same interpreter (the floor no command line can beat);
- **healthz**: from starting `actionbot serve` (Slack configured, Teams in development mode, the
  scheduler on, a migrated database with the reference plan) to its first `200` on `/healthz`
  (≤ 2 s);
- **memory**: the resident memory (RSS) of that server once it has answered `/healthz` and run
  its first tick, i.e. idle (≤ 150 MB), beside the bare slack-bolt floor of `bench.slack_floor`
  started the same way, and which of the large libraries it has loaded (none should be: charts,
  PDF, workbooks and documents load when a report or an import needs them).

Run: `python -m bench startup` (help and healthz) and `python -m bench memory`.
`BENCH_STARTUP_RUNS` sets how many times each start is repeated (default 5; the median is shown).

Every child runs with its bytecode cached (`PYTHONPYCACHEPREFIX`, a temporary folder; an uncounted
warm-up start fills it), as a deployed server has: with `PYTHONDONTWRITEBYTECODE` set (as on the
development machine) each start compiled our ~130 modules again, about 0.4 s of CPU that neither
a deployment nor the Bolt floor (whose library is compiled by pip) pays.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.slack_load import COMMAND, SECRET, TOKEN, SlackSide, free_port

ACTIONBOT = Path(sys.executable).with_name("actionbot")
HEAVY = ("matplotlib", "numpy", "PIL", "fpdf", "openpyxl", "docx", "dateparser")
HELP_TARGET_S = 0.5
HEALTHZ_TARGET_S = 2.0
RSS_TARGET_MB = 150.0


def runs() -> int:
    return max(1, int(os.environ.get("BENCH_STARTUP_RUNS", "5")))


BYTECODE = tempfile.mkdtemp(prefix="bench-startup-pyc-")
atexit.register(shutil.rmtree, BYTECODE, ignore_errors=True)


def clean_env() -> dict[str, str]:
    """The environment without any channel's or the bot's settings, bytecode cached (see above)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "ACTIONBOT_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env | {"PYTHONPYCACHEPREFIX": BYTECODE}


def wall(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of a child process, and the CPU seconds (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_help() -> None:
    env = clean_env()
    n = runs()
    wall([str(ACTIONBOT), "--help"], env)  # warm-up: fills the bytecode cache
    bare = [wall([sys.executable, "-c", "pass"], env) for _ in range(n)]
    helps = [wall([str(ACTIONBOT), "--help"], env) for _ in range(n)]
    median = statistics.median(w for w, _ in helps)
    verdict = "ok" if median <= HELP_TARGET_S else f"OVER {HELP_TARGET_S} s"
    print(f"  actionbot --help: median {median * 1000:6.0f} ms, best {min(w for w, _ in helps) * 1000:6.0f} ms, "
          f"CPU {statistics.median(c for _, c in helps) * 1000:.0f} ms (bare `python -c pass` "
          f"{statistics.median(w for w, _ in bare) * 1000:.0f} ms, CPU {statistics.median(c for _, c in bare) * 1000:.0f} ms)"
          f" {verdict}")


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far: unlike wall time, hardly moved by how busy
    the rest of the machine is (a shared machine makes the wall figures noisy)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loaded_heavy(pid: int) -> list[str]:
    """Which large libraries the process has mapped (their compiled parts or package folders)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in HEAVY if f"/site-packages/{name}/" in maps or f"/{name}/" in maps]


class Server:
    """A server process started for timing: `started` is taken just before the exec."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        self.argv, self.env = argv, env
        self.proc: asyncio.subprocess.Process | None = None
        self.started = 0.0
        self.log = tempfile.NamedTemporaryFile(prefix="bench-startup-", suffix=".log", delete=False)  # noqa: SIM115

    async def start(self) -> None:
        self.started = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, stdout=asyncio.subprocess.DEVNULL, stderr=self.log
        )

    async def until(self, url: str, status: int, method: str = "GET") -> float:
        """Seconds from start to the first `status` answer at `url` (polled every 10 ms)."""
        assert self.proc is not None
        async with aiohttp.ClientSession() as http:
            while True:
                if self.proc.returncode is not None or time.perf_counter() - self.started > 90:
                    raise RuntimeError(f"{self.argv[0]} did not come up: {Path(self.log.name).read_text()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.request(method, url) as r:
                        if r.status == status:
                            return time.perf_counter() - self.started
                await asyncio.sleep(0.01)  # polling another process; the resolution of the figure

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 15)
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def server_env(slack: SlackSide, db: Path) -> dict[str, str]:
    return clean_env() | {
        "DATABASE_URL": f"sqlite:///{db}",
        "ACTIONBOT_NOW": "2016-10-14",
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{slack.url}/api/",
        "SLACK_COMMAND": COMMAND,
    }


def prepared_database(env: dict[str, str], tmp: Path) -> None:
    subprocess.run([str(ACTIONBOT), "import", "--reference"], env=env, check=True, capture_output=True, cwd=tmp)


async def serve_times(env: dict[str, str], n: int, *extra: str) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds to the first 200 on /healthz of `n` starts (after an uncounted one)."""
    times, cpu = [], []
    for i in range(n + 1):
        port = free_port()
        server = Server([str(ACTIONBOT), "serve", "--host", "127.0.0.1", "--port", str(port), *extra], env)
        await server.start()
        try:
            seconds = await server.until(f"http://127.0.0.1:{port}/healthz", 200)
            if i:
                times.append(seconds)
                cpu.append(cpu_seconds(server.proc.pid))
        finally:
            await server.stop()
    return times, cpu


async def healthz_times(n: int) -> None:
    slack = SlackSide()
    await slack.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bare = clean_env() | {"DATABASE_URL": f"sqlite:///{Path(tmp) / 'default.db'}"}
            plain, plain_cpu = await serve_times(bare, n, "--bootstrap")  # `make run`: no credentials
            env = server_env(slack, Path(tmp) / "bench.db")
            prepared_database(env, Path(tmp))
            times, cpu = await serve_times(env, n)
            floor_times, floor_cpu = [], []
            for _ in range(n):
                port = free_port()
                floor = Server([sys.executable, "-m", "bench.slack_floor", "--port", str(port), "--secret", SECRET,
                                "--api-url", f"{slack.url}/api/", "--command", COMMAND], clean_env())
                await floor.start()
                try:
                    floor_times.append(await floor.until(f"http://127.0.0.1:{port}/slack/events", 401, "POST"))
                    floor_cpu.append(cpu_seconds(floor.proc.pid))
                finally:
                    await floor.stop()
            print(f"  actionbot serve --bootstrap, no credentials (`make run`) → first 200 on /healthz: median "
                  f"{statistics.median(plain) * 1000:6.0f} ms, best {min(plain) * 1000:6.0f} ms; "
                  f"CPU used by then: median {statistics.median(plain_cpu) * 1000:.0f} ms")
            median = statistics.median(times)
            verdict = "ok" if median <= HEALTHZ_TARGET_S else f"OVER {HEALTHZ_TARGET_S} s"
            print(f"  actionbot serve → first 200 on /healthz: median {median * 1000:6.0f} ms, "
                  f"best {min(times) * 1000:6.0f} ms ({n} starts; Slack + Teams + scheduler) {verdict}; "
                  f"CPU used by then: median {statistics.median(cpu) * 1000:.0f} ms")
            print(f"    the bare slack-bolt floor to its first answer: median {statistics.median(floor_times) * 1000:6.0f} ms,"
                  f" CPU {statistics.median(floor_cpu) * 1000:.0f} ms (x floor: wall "
                  f"{median / statistics.median(floor_times):.1f}x, CPU {statistics.median(cpu) / statistics.median(floor_cpu):.1f}x)")
    finally:
        await slack.close()


async def idle_memory() -> None:
    slack = SlackSide()
    await slack.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = server_env(slack, Path(tmp) / "bench.db")
            prepared_database(env, Path(tmp))
            port = free_port()
            floor = Server([sys.executable, "-m", "bench.slack_floor", "--port", str(port), "--secret", SECRET,
                            "--api-url", f"{slack.url}/api/", "--command", COMMAND], clean_env())
            await floor.start()
            try:
                await floor.until(f"http://127.0.0.1:{port}/slack/events", 401, "POST")
                floor_rss, _ = rss_mb(floor.proc.pid)
            finally:
                await floor.stop()
            port = free_port()
            server = Server([str(ACTIONBOT), "serve", "--host", "127.0.0.1", "--port", str(port)], env)
            await server.start()
            try:
                await server.until(f"http://127.0.0.1:{port}/healthz", 200)
                await asyncio.sleep(2)  # let the first scheduler tick finish: idle means after it
                rss, peak = rss_mb(server.proc.pid)
                heavy = loaded_heavy(server.proc.pid)
            finally:
                await server.stop()
            verdict = "ok" if rss <= RSS_TARGET_MB else f"OVER {RSS_TARGET_MB:.0f} MB"
            print(f"  idle actionbot serve (Slack + Teams + scheduler): RSS {rss:5.0f} MB (peak {peak:.0f} MB) "
                  f"{verdict}; bare slack-bolt floor {floor_rss:.0f} MB ({rss / floor_rss:.1f}x)")
            print(f"  large libraries loaded while idle: {', '.join(heavy) or 'none'} "
                  f"(checked: {', '.join(HEAVY)})")
    finally:
        await slack.close()


def main_startup() -> None:
    print(f"Start-up (median of {runs()} runs; load average {os.getloadavg()[0]:.1f})")
    bench_help()
    asyncio.run(healthz_times(runs()))
    print()


def main_memory() -> None:
    print("Memory of an idle server")
    asyncio.run(idle_memory())
    print()
