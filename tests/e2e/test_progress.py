"""Long commands show progress on a terminal and stay quiet when piped.

Each command runs as a real `actionbot` process twice: once with standard error piped (as in a
script, a cron job or a service: nothing but what the command has to say), once with standard
error on a pseudo-terminal (`pty.openpty()`: the progress bar is drawn there).
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from actionbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
ACTIONBOT = str(ROOT / ".venv" / "bin" / "actionbot")
BAR = "%|"  # tqdm's bar: the percentage, then the frame

COMMANDS = {
    "preview": (["preview", "--from", "2016-09-01", "--to", "2016-12-01"], "preview"),
    "report": (["report", "--month", "2016-09", "--format", "pdf", "--output", "r.pdf"], "report"),
    "demo-data": (["demo-data"], "sample history"),
    "import": (["import", "plan.csv", "--plan-key", "copy"], "import plan.csv"),
}


def database(tmp_path: Path, name: str) -> str:
    """A SQLite database with the reference plan, and the plan exported beside it as plan.csv."""
    url = f"sqlite:///{tmp_path / name}"
    assert main(["--database-url", url, "--as-of", "2016-10-15", "import", "--reference"]) == 0
    assert main(["--database-url", url, "export", "--format", "csv", "--output", str(tmp_path / "plan.csv")]) == 0
    return url


def environment(tmp_path: Path) -> dict[str, str]:
    """The developer's environment without any bot configuration (HOME keeps matplotlib's font cache)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ACTIONBOT_", "SLACK_", "MICROSOFT_", "DATABASE_URL", "TQDM_"))
    }
    return {**env, "ACTIONBOT_NOW": "2016-10-15", "COLUMNS": "100"}


def run_piped(url: str, args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ACTIONBOT, "--database-url", url, *args],
        cwd=tmp_path,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_on_a_terminal(url: str, args: list[str], tmp_path: Path) -> tuple[int, str]:
    """Standard error on a pseudo-terminal; returns the exit code and what the terminal showed."""
    master, slave = pty.openpty()
    # a new pseudo-terminal is 0×0; give it a real terminal's size (tqdm fits the bar to it)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with open(tmp_path / "stdout.txt", "w", encoding="utf-8") as stdout:
        proc = subprocess.Popen(
            [ACTIONBOT, "--database-url", url, *args],
            cwd=tmp_path,
            env=environment(tmp_path),
            stdout=stdout,
            stderr=slave,
        )
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return proc.wait(timeout=300), shown.decode("utf-8", "replace")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_progress_on_a_terminal_and_silence_in_a_pipe(tmp_path, name):
    args, label = COMMANDS[name]
    piped = run_piped(database(tmp_path, "piped.db"), args, tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert BAR not in piped.stderr and "\r" not in piped.stderr and label not in piped.stderr, piped.stderr
    code, shown = run_on_a_terminal(database(tmp_path, "terminal.db"), args, tmp_path)
    assert code == 0, shown
    assert label in shown and BAR in shown and "\r" in shown, shown
