"""The systemd units in deploy/ are accepted by `systemd-analyze verify` and say what the README
promises: web and clock each require the migration unit, run as the unprivileged `actionbot`
user from /etc/actionbot/actionbot.env, hardened.

`systemd-analyze verify` checks that each ExecStart= program exists, so it runs with `--root`
on a scratch tree holding systemd's own units and a stand-in for the installed `actionbot`.
Any output (an unknown key, a bad value) fails the test, not only a fatal error. The tool is
required: CI installs it (`.ci/run`); a machine without it fails here rather than skipping.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ("actionbot-migrate.service", "actionbot-web.service", "actionbot-clock.service")
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze is not installed: `apt-get install systemd` (.ci/run installs it)")
    root = tmp_path / "root"
    shutil.copytree(SYSTEM_UNITS, root / SYSTEM_UNITS.relative_to("/"), symlinks=True)
    target = root / "etc" / "systemd" / "system"
    target.mkdir(parents=True)
    for name in UNITS:
        shutil.copy(DEPLOY / name, target / name)
        program = Path(unit(name)["Service"]["ExecStart"].split()[0])
        assert program.is_absolute(), f"{name}: ExecStart must name an absolute path"
        stand_in = root / program.relative_to("/")
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text("#!/bin/sh\n", encoding="utf-8")
        stand_in.chmod(0o755)
    result = subprocess.run(
        [tool, "verify", f"--root={root}", *(f"/etc/systemd/system/{name}" for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (result.stdout + result.stderr).strip() == "", result.stdout + result.stderr


def test_the_units_run_what_the_readme_says():
    migrate, web, clock = (unit(name) for name in UNITS)
    assert migrate["Service"]["Type"] == "oneshot"
    assert migrate["Service"]["ExecStart"].endswith("/actionbot db upgrade")
    assert web["Service"]["ExecStart"].endswith("/actionbot serve --no-scheduler --host 127.0.0.1")
    assert clock["Service"]["ExecStart"].endswith("/actionbot clock")
    for u in (web, clock):
        assert "actionbot-migrate.service" in u["Unit"]["Requires"] and "actionbot-migrate.service" in u["Unit"]["After"]
        assert u["Service"]["Restart"] == "on-failure"
    for name, u in zip(UNITS, (migrate, web, clock), strict=True):
        service = u["Service"]
        assert service["User"] == "actionbot", name
        assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict", name
        assert service["CapabilityBoundingSet"] == "", name
    # configparser keeps the last of a repeated key: the migration role's file comes last
    text = (DEPLOY / "actionbot-migrate.service").read_text(encoding="utf-8")
    assert text.index("EnvironmentFile=/etc/actionbot/actionbot.env") < text.index(
        "EnvironmentFile=/etc/actionbot/migrate.env"
    )
