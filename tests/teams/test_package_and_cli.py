"""`actionbot teams package`, the icons, `actionbot teams set-sit-channel`, and `actionbot nudge`
reaching a Teams user through the command line."""

from __future__ import annotations

import asyncio
import json
import struct
import zipfile
import zlib

import pytest

from actionbot.cli import main
from handlers.teams import icons
from handlers.teams.manifest import COMMANDS, GUID, TEAM_COMMANDS, PackageError, build_manifest
from storage import repo
from storage.db import session_scope
from tests.teams.conftest import HANNAH, SAM, card_texts

APP_ID = "6f0c3f51-0000-4000-8000-00000000a11d"


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Decode our own RGBA PNGs (filter 0 rows), enough to check sizes and colours."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunks[kind] = chunks.get(kind, b"") + data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 6)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 4 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + 4 * x : 5 + 4 * x]) for x in range(width)])
    return width, height, rows


def test_package_refuses_clearly_without_an_app_id(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    out = tmp_path / "app.zip"
    assert main(["--database-url", f"sqlite:///{tmp_path / 'x.db'}", "teams", "package", "-o", str(out)]) == 1
    assert "no bot id: set MICROSOFT_APP_ID" in capsys.readouterr().err
    assert not out.exists()
    assert main(["teams", "package", "-o", str(out), "--app-id", "not-a-guid"]) == 1
    assert "is not a GUID" in capsys.readouterr().err


def test_package_from_configuration_is_a_valid_teams_zip(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", "0d9f2b1e-0000-4000-8000-00000000c0de")
    out = tmp_path / "app.zip"
    assert main(["teams", "package", "--output", str(out)]) == 0
    assert f"wrote {out} (bot id {APP_ID})" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        colour = read_png(zf.read("color.png"))
        outline = read_png(zf.read("outline.png"))
    assert manifest["manifestVersion"] == "1.16" and "v1.16" in manifest["$schema"]
    assert manifest["id"] == APP_ID and GUID.match(manifest["id"])
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team"]
    personal, team = bot["commandLists"]
    assert personal["scopes"] == ["personal"] and team["scopes"] == ["team"]
    titles = [c["title"] for c in personal["commands"]]
    assert {"status priority 4", "status mine", "status overdue", "help"} <= set(titles)
    for commands in (personal["commands"], team["commands"]):
        assert len(commands) <= 10
        assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert all(manifest["developer"][k].startswith("https://") for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert colour[:2] == (192, 192) and outline[:2] == (32, 32)
    pixels = [p for row in outline[2] for p in row]
    assert all(p[:3] == (255, 255, 255) for p in pixels if p[3] > 0), "outline icon: white only"
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels), "outline: transparent + white"
    assert all(p[3] == 255 for row in colour[2] for p in row), "colour icon: opaque"


def test_menu_commands_are_understood_by_the_core():
    from bot.parsing import parse_status, strip_command

    for title, _ in (*COMMANDS, *TEAM_COMMANDS):
        if title == "set sit channel":
            continue
        assert parse_status(strip_command(title)) is not None, title


def test_manifest_rejects_non_https_developer_urls():
    from handlers.teams.manifest import Developer

    with pytest.raises(PackageError, match="https"):
        build_manifest(APP_ID, Developer(website_url="http://council.example"))


def test_committed_icons_are_what_the_code_draws():
    assert (icons.ASSETS / "color.png").read_bytes() == icons.color_icon()
    assert (icons.ASSETS / "outline.png").read_bytes() == icons.outline_icon()


async def test_set_sit_channel_from_the_cli_then_the_sit_gets_posts(world, capsys):
    url = str(world.rt.engine.url)

    def cli(*args: str) -> int:
        return main(["--database-url", url, *args])

    assert await asyncio.to_thread(cli, "teams", "set-sit-channel") == 1
    assert "has not seen any team channel yet" in capsys.readouterr().err
    await world.post(world.channel_activity(SAM, "status"))
    assert await asyncio.to_thread(cli, "teams", "set-sit-channel") == 0
    listing = capsys.readouterr().out
    assert "1. Children's Services › SIT  [19:sit-room@thread.tacv2]" in listing
    assert await asyncio.to_thread(cli, "teams", "set-sit-channel", "nowhere") == 1
    assert "no team channel matches 'nowhere'" in capsys.readouterr().err
    assert await asyncio.to_thread(cli, "teams", "set-sit-channel", "sit") == 0
    assert "The Teams SIT channel is now Children's Services › SIT." in capsys.readouterr().out
    with session_scope(world.rt.engine) as s:
        assert repo.channel_address(s, "teams", "sit").data["channel_name"] == "SIT"
    channel = world.rt.channels["teams"]
    from bot.views import NoticeView

    await channel.send_to_sit([NoticeView("Monthly digest")], kind="digest", meta={})
    assert "Monthly digest" in card_texts(world.cards("19:sit-room@thread.tacv2")[-1])


async def test_actionbot_nudge_on_the_command_line_reaches_teams(world, capsys):
    await world.post(world.activity(HANNAH, "hello"))
    url = str(world.rt.engine.url)
    code = await asyncio.to_thread(main, ["--database-url", url, "--as-of", "2016-10-15T10:00", "nudge", "4.2.1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sent" in out and "via teams: 4.2.1" in out
    assert "4.2.1" in card_texts(world.cards(f"a:personal-{HANNAH['id']}")[-1])
