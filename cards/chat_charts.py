"""The pictures a chat answer carries, for channels that can show an image next to the text.

`report` in chat answers with a `ReportDigestView`; Teams draws its chart inside the card, while
Slack uploads it (files.uploadV2) under the answer and the terminal saves it as a PNG and prints
the path. Which view has which picture is decided here, once: a view with a chart registers a
`chart_of` rendering (e.g. a status trend), and every such channel picks it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatch
from typing import Any

from bot.views import ReportDigestView, TrendView
from cards.charts import Chart, alt_text, digest_chart, trend_png


@singledispatch
def chart_of(view: Any) -> Chart | None:
    """The picture that goes with `view`, or None (most views have none)."""
    return None


@chart_of.register
def _(view: ReportDigestView) -> Chart | None:
    return digest_chart(view.report)  # type: ignore[arg-type]


@chart_of.register
def _(view: TrendView) -> Chart | None:
    """`status trend`: the month-by-month RAG chart beside its table."""
    report: Any = view.report
    if report is None or not view.points:
        return None
    return Chart(f"rag-trend-{report.period.key}.png", "RAG trend, month by month", trend_png(report), alt_text(report))


def charts_in(views: Iterable[Any]) -> list[Chart]:
    return [c for c in (chart_of(v) for v in views) if c is not None]
