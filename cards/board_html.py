"""The board's web pages: `bot.board` view models → HTML, through Jinja2 with autoescape on.

Everything a page needs is served by the board itself (one stylesheet, the charts as PNGs from
`cards.charts`), so the pages keep working under a `default-src 'self'` policy and on a council
network with no way out: no scripts, fonts, inline styles or `data:` images. Every chart has its
figures in a table beside it, every table a caption and header scopes, and a print stylesheet
turns the page into a board paper. The month pages render the same `HighlightReport` as the
exports (`cards/report_html.py`), with the same wording (`cards.report_format`); the risks and
issues tables of both kinds of page are `bot.board.priority_logs` of that report.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from bot.board import SHOW_CHOICES, BoardPage, RecommendationGroup, priority_logs
from bot.report_model import FIGURES, HighlightReport
from cards import report_format as w
from cards.charts import alt_text, by_priority_png, trend_png
from cards.format import counts_phrase, fmt_date
from domain.vocabulary import RAG_LABELS, RAG_ORDER

if TYPE_CHECKING:  # Jinja2 loads with the first page, not with `serve` (issue #14: start-up)
    from jinja2 import Environment

CHARTS = {
    "by-priority": ("RAG status by priority", by_priority_png),
    "trend": ("RAG trend, month by month", trend_png),
}


@cache
def environment() -> Environment:
    """One Jinja2 environment per process (templates are read once, then kept)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("cards", "templates/board"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.globals.update(
        rag_order=RAG_ORDER,
        rag_labels=RAG_LABELS,
        rag_text=w.rag_text,
        signed=w.signed,
        fmt_date=fmt_date,
        counts_phrase=counts_phrase,
        counts_line=w.counts_line,
        figure_labels=FIGURES,
        indicator_columns=w.INDICATOR_COLUMNS,
        indicator_cells=w.indicator_cells,
        priority_heading=w.priority_heading,
        action_sections=w.ACTION_SECTIONS,
        action_detail=w.action_detail,
        escalation_state=w.escalation_state,
        show_choices=SHOW_CHOICES,
        log_heading=w.log_heading,
        log_empty=w.LOG_EMPTY,
        sample_banner=w.SAMPLE_BANNER.replace("`", ""),
    )
    return env


def stylesheet() -> bytes:
    return resources.files("cards").joinpath("templates/board/board.css").read_bytes()


def plan_page(page: BoardPage, base: str = "/board") -> str:
    return environment().get_template("board.html.j2").render(
        page=page, base=base, plan_url=f"{base}/{page.plan_key}", chart_alt=alt_text(page.report)
    )


def recommendations_page(page: BoardPage, groups: tuple[RecommendationGroup, ...], base: str = "/board") -> str:
    return environment().get_template("recommendations.html.j2").render(
        page=page, groups=groups, base=base, plan_url=f"{base}/{page.plan_key}"
    )


def report_page(page: BoardPage, report: HighlightReport, base: str = "/board") -> str:
    """A month's highlight report on the board: the figures of `report`, nothing recomputed."""
    charts = [{"name": name, "title": title, "alt": alt_text(report)} for name, (title, _) in CHARTS.items()]
    return environment().get_template("report.html.j2").render(
        page=page,
        report=report,
        charts=charts,
        subtitle=w.subtitle(report),
        standing=w.standing(report),
        logs={log.number: log for log in priority_logs(report)},
        base=base,
        plan_url=f"{base}/{page.plan_key}",
    )


def message_page(title: str, lines: list[str], *, base: str = "/board", form_token: str = "") -> str:
    """A page with no plan data: not signed in, a refused link, not found, the link's button."""
    return environment().get_template("message.html.j2").render(
        title=title, lines=lines, base=base, form_token=form_token
    )


def chart_png(report: HighlightReport, name: str) -> bytes | None:
    """One of the report's pictures by its name in the URL, None for an unknown name."""
    chart = CHARTS.get(name)
    return chart[1](report) if chart else None
