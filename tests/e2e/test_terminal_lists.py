"""Lists and the highlight report in the terminal chat (issue 12), as a person uses it with the
scheduler on: after a nudge about several actions (the terminal's "thread"), `status red` is
the list and a bare `green` is an answer to the nudge, asked "which action?"."""

from __future__ import annotations

import asyncio
import io

from actionbot.chat import chat_with_scheduler
from bot.config import Settings
from bot.runtime import build_runtime
from tests.conftest import uk

LINES = [
    "4.2.1 red - no trainer until November",
    "status red",
    "green",
    "status amber",
    "red and amber p4",
    "status completed",
    "not rated p4",
    "pending",
    "status partner police p4",
    "report p4",
    "report",
]


def answers(engine, clock, who: str, lines: list[str], charts=None) -> dict[str, str]:
    """What the bot answered to each line (the text between one prompt and the next)."""
    rt = build_runtime(Settings(database_url="sqlite://"), engine=engine, clock=clock)
    out = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines) + "quit\n")
    assert asyncio.run(chat_with_scheduler(rt, who, stdin, out, background=False, charts=charts)) == 0
    chunks = out.getvalue().split("you> ")[1 : len(lines) + 1]
    return dict(zip(lines, chunks, strict=True))


def test_lists_and_reports_in_the_terminal_after_a_nudge(reference_engine, clock, tmp_path):
    clock.set(uk(2016, 10, 14, 10, 0))
    got = answers(reference_engine, clock, "HOS S&CP", LINES, charts=tmp_path)
    nudge = got[LINES[0]]
    assert "[bot → Sadie Carpenterly (fictional), nudge" in nudge and "Recorded:" in nudge
    assert "please give an update on these" in nudge  # several actions: the terminal's thread names them all
    assert got["status red"].startswith("Red actions (1)") and "4.2.1" in got["status red"]
    assert "which action? start the line with its id" in got["green"]
    assert got["status amber"].startswith("Amber actions (0)")
    assert got["red and amber p4"].startswith("Red and amber actions in priority 4 (1)")
    assert got["status completed"].startswith("Completed actions (5)")
    assert got["not rated p4"].startswith("Not yet rated actions in priority 4 (31)")
    assert got["pending"].startswith("I didn't understand that.")
    assert got["status partner police p4"].startswith("Actions involving Police in priority 4 (12)")
    assert got["report p4"].startswith("Highlight report — October 2016: priority 4")
    assert "4.2.1  🔴 Red  “no trainer until November”" in got["report p4"]
    assert got["report"].startswith("Highlight report — October 2016")
    assert "Whole plan (307 actions)" in got["report"]
    # a terminal cannot show the chart: it saves it and says where
    chart = tmp_path / "rag-2016-10.png"
    assert f"Chart saved: {chart} (RAG by priority and trend — October 2016)" in got["report"]
    assert chart.read_bytes().startswith(b"\x89PNG\r\n") and "Chart saved" not in got["report p4"]


def test_no_change_in_the_terminal_confirms_the_rest_of_the_round(reference_engine, clock):
    clock.set(uk(2016, 9, 20, 10, 0))
    answers(reference_engine, clock, "HOS S&CP", ["4.2.1 green - on track"])
    clock.set(uk(2016, 10, 14, 10, 0))
    got = answers(reference_engine, clock, "HOS S&CP", ["no change", "status 4.2.1"])
    assert "Confirmed, unchanged for October 2016 (1): Green: 4.2.1" in got["no change"]
    assert "Not confirmed, never rated (give a RAG status and one line)" in got["no change"]
    assert "🟢 Green" in got["status 4.2.1"]
