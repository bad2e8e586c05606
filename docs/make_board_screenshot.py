"""Regenerate the README's picture of the board's web view (docs/board.png).

    .venv/bin/python docs/make_board_screenshot.py

Builds a throwaway SQLite database with the reference plan and the labelled sample history
(`actionbot demo-data`, so the counts are not all "not yet rated"), serves the real app on a
free loopback port, signs in with a personal link as `board` in chat gives one, and takes a
screenshot of the top of the plan's page with Playwright driving Debian's Chromium
(`make browser`). Nothing here runs in the test suite.
"""

from __future__ import annotations

import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actionbot.demo_data import load_demo  # noqa: E402
from bot.board_access import BoardLinks  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.requests import ChatRequest, Identity  # noqa: E402
from bot.runtime import build_runtime, import_reference  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from tests.browser.served import CHROMIUM, served  # noqa: E402

KEY = "screenshot-only-secret-key-0123456789-abcdef"
OUT = ROOT / "docs" / "board.png"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'board.db'}")
        upgrade(engine)
        clock = FixedClock(datetime(2016, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")))
        import_reference(engine, clock, actor="screenshot")
        clock.current = datetime(2016, 9, 30, 17, 0, tzinfo=ZoneInfo("Europe/London"))
        load_demo(engine, clock, actor="screenshot")
        settings = Settings(_env_file=None, database_url=str(engine.url), actionbot_secret_key=KEY)
        rt = build_runtime(settings, engine=engine, clock=clock)
        with served(rt) as base, sync_playwright() as p:
            rt.core.board = BoardLinks(base, KEY)
            reply = rt.core.handle(ChatRequest(Identity("terminal", "dcs"), text="board"))
            text = " ".join(getattr(v, "text", "") for v in reply.views)
            url = re.search(r"(http://\S+/board/link/\S+)", text).group(1)
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(url)
            page.get_by_role("button", name="Open the board").click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(OUT))
            browser.close()
        engine.dispose()
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
