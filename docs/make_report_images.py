"""Regenerate the README's pictures of the highlight report (docs/images/report-*.png).

    .venv/bin/python docs/make_report_images.py

Builds a throwaway SQLite database with the reference plan and the labelled sample history
(`actionbot demo-data`), computes the September 2016 report, and writes:

  report-chart-2016-09.png        the digest chart, exactly as the Slack digest uploads it
  report-slack-digest-2016-09.png the Slack digest (headline, chart and Priority 5 reply)
  report-html-2016-09.png         the top of the html board report

The two screenshots need headless Chromium (Debian: `apt-get install chromium`, plus
`fonts-noto-color-emoji` for the emoji); the chart needs nothing but the project.
Nothing here runs in the test suite.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from actionbot.demo_data import load_demo  # noqa: E402
from bot.report import build_report  # noqa: E402
from bot.runtime import import_reference  # noqa: E402
from cards.charts import digest_chart  # noqa: E402
from cards.report_blockkit import digest  # noqa: E402
from cards.report_html import data_uri, render_html  # noqa: E402
from domain.clock import FixedClock, parse_now  # noqa: E402
from storage import repo  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402

OUT = ROOT / "docs" / "images"

SLACK_CSS = """
body { font-family: 'Lato', 'DejaVu Sans', Arial, sans-serif; background: #fff; margin: 0; padding: 16px; width: 760px;
       color: #1d1c1d; font-size: 15px; line-height: 1.45; }
.msg { display: flex; gap: 10px; margin-bottom: 14px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #0072B2; color: #fff; font-weight: bold;
          display: flex; align-items: center; justify-content: center; flex: none; }
.name { font-weight: 900; } .app { background: #e8e8e8; font-size: 10px; padding: 1px 3px; border-radius: 2px; }
.time { color: #616061; font-size: 12px; margin-left: 4px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.context { color: #616061; font-size: 12px; margin: 4px 0; }
.section { margin: 6px 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 6px 14px; margin: 6px 0; }
code { background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; font-size: 12px;
       color: #c01343; }
.thread { border-left: 3px solid #ddd; margin: 8px 0 0 46px; padding-left: 12px; }
.thread-label { color: #1264a3; font-size: 13px; font-weight: bold; margin: 0 0 8px 46px; }
img.chart { width: 620px; border: 1px solid #ddd; border-radius: 6px; }
"""


def mrkdwn(text: str) -> str:
    """Slack mrkdwn (already escaped by the renderer) → HTML for the preview."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    out = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?!\w)", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w_])_([^_\n]+)_(?!\w)", r"<i>\1</i>", out)
    return out.replace("\n", "<br>")


def blocks_html(blocks: list[dict]) -> str:
    parts = []
    for b in blocks:
        if b["type"] == "header":
            parts.append(f'<div class="header">{html.escape(b["text"]["text"])}</div>')
        elif b["type"] == "context":
            parts.append(f'<div class="context">{mrkdwn(b["elements"][0]["text"])}</div>')
        elif b["type"] == "section" and "fields" in b:
            cells = "".join(f"<div>{mrkdwn(f['text'])}</div>" for f in b["fields"])
            parts.append(f'<div class="fields">{cells}</div>')
        elif b["type"] == "section":
            parts.append(f'<div class="section">{mrkdwn(b["text"]["text"])}</div>')
    return "".join(parts)


def message(body: str, time: str) -> str:
    return (
        '<div class="msg"><div class="avatar">ab</div><div><span class="name">actionbot</span> '
        f'<span class="app">APP</span><span class="time">{time}</span>{body}</div></div>'
    )


def slack_preview(report) -> str:
    d = digest(report)
    chart = digest_chart(report)
    p5 = d.thread[4]
    thread = message(
        f'<div class="section">{mrkdwn(chart.alt[:160])}…</div><img class="chart" src="{data_uri(chart.png)}">', "09:00"
    ) + message(blocks_html(p5.blocks), "09:00")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{SLACK_CSS}</style></head><body>"
        + message(blocks_html(d.headline.blocks), "09:00")
        + f'<div class="thread-label">{len(d.thread) + 1} replies (the chart, then each priority; Priority 5 shown)</div>'
        + f'<div class="thread">{thread}</div></body></html>'
    )


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print(f"skipped {png.name}: no headless Chromium")
        return
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
    )
    print(f"wrote {png.relative_to(ROOT)}")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        upgrade(engine)
        clock = FixedClock(parse_now("2016-11-01"))
        import_reference(engine, clock, actor="docs")
        load_demo(engine, clock, actor="docs")
        with Session(engine) as session:
            report = build_report(session, repo.active_plan(session), "2016-09")
        engine.dispose()
        chart = OUT / "report-chart-2016-09.png"
        chart.write_bytes(digest_chart(report).png)
        print(f"wrote {chart.relative_to(ROOT)}")
        page = Path(tmp) / "slack.html"
        page.write_text(slack_preview(report), encoding="utf-8")
        screenshot(page, OUT / "report-slack-digest-2016-09.png", 800, 1500)
        page = Path(tmp) / "report.html"
        page.write_text(render_html(report), encoding="utf-8")
        screenshot(page, OUT / "report-html-2016-09.png", 1100, 1250)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
