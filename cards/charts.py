"""Pictures of the highlight report: RAG by priority (stacked bars) and the plan's RAG trend.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state, no display),
from the report model only. Colour-blind-safe: the Okabe–Ito palette, a hatch pattern per
status, and each segment labelled with its status letter and count, so nothing relies on
colour alone.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.report_model import HighlightReport
from bot.views import RagCountsView
from cards.format import RAG_LETTERS
from domain.vocabulary import RAG_LABELS, RAG_ORDER

if TYPE_CHECKING:  # matplotlib loads on the first chart drawn: it is 40 MB a `serve` mostly never needs
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch


@dataclass(frozen=True)
class Style:
    colour: str
    hatch: str
    edge: str  # hatch and outline colour, chosen to show on the fill
    text: str
    letter: str


STYLES: dict[str, Style] = {
    "red": Style("#D55E00", "xx", "#FFFFFF", "#FFFFFF", RAG_LETTERS["red"]),
    "amber": Style("#E69F00", "//", "#5A3E00", "#000000", RAG_LETTERS["amber"]),
    "green": Style("#009E73", "", "#00523C", "#FFFFFF", RAG_LETTERS["green"]),
    "not_rated": Style("#DDDDDD", "..", "#555555", "#000000", RAG_LETTERS["not_rated"]),
    "completed": Style("#0072B2", "\\\\", "#FFFFFF", "#FFFFFF", RAG_LETTERS["completed"]),
}


@dataclass(frozen=True)
class Chart:
    """A rendered picture: what a channel uploads or a file embeds."""

    filename: str
    title: str
    png: bytes
    alt: str


def by_priority_series(report: HighlightReport) -> tuple[list[str], dict[str, list[int]]]:
    """Bar labels and per-status counts, straight from the report's priorities."""
    labels = [f"P{p.number}" for p in report.priorities]
    series = {rag: [getattr(p.counts, rag) for p in report.priorities] for rag in RAG_ORDER}
    return labels, series


def trend_series(report: HighlightReport) -> tuple[list[str], dict[str, list[int]]]:
    labels = [t.label for t in report.trend]
    series = {rag: [getattr(t.counts, rag) for t in report.trend] for rag in RAG_ORDER}
    return labels, series


def _stack(
    ax: Axes,
    positions: list[int],
    series: dict[str, list[int]],
    *,
    horizontal: bool,
    label_from: int,
    **bar_options: object,
) -> list[int]:
    """One segment per status on top of the last; a segment wide enough for it (at least
    `label_from` actions) carries its letter and count, so no segment relies on colour alone.
    Returns each bar's total."""
    draw = ax.barh if horizontal else ax.bar
    totals = [0] * len(positions)
    for rag in RAG_ORDER:
        st = STYLES[rag]
        values = series[rag]
        offset = {"left": totals} if horizontal else {"bottom": totals}
        bars = draw(
            positions,
            values,
            **offset,
            color=st.colour,
            hatch=st.hatch,
            edgecolor=st.edge,
            linewidth=0.6,
            label=RAG_LABELS[rag],
            **bar_options,
        )
        for bar, value in zip(bars, values, strict=True):
            if value >= label_from:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{st.letter}{value}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=st.text,
                    fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.1", "fc": st.colour, "ec": "none"},
                )
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    return totals


def draw_by_priority(ax: Axes, report: HighlightReport) -> None:
    labels, series = by_priority_series(report)
    positions = list(range(len(labels)))
    totals = _stack(ax, positions, series, horizontal=True, label_from=2)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.set_xlabel("actions")
    ax.set_title(f"RAG by priority, {report.as_of:%d %b %Y}", fontsize=10)
    for i, (total, y) in enumerate(zip(totals, positions, strict=True)):
        risks = " ".join(f"{STYLES[r].letter}{series[r][i]}" for r in ("red", "amber") if series[r][i])
        ax.text(total + 0.5, y, f"{total}" + (f"  ({risks})" if risks else ""), va="center", fontsize=7)
    ax.set_xlim(0, max(totals or [1]) * 1.18 + 2)
    ax.spines[["top", "right"]].set_visible(False)


def draw_trend(ax: Axes, report: HighlightReport) -> None:
    labels, series = trend_series(report)
    positions = list(range(len(labels)))
    _stack(ax, positions, series, horizontal=False, label_from=8, width=0.7)
    ax.set_xticks(positions, labels)
    ax.set_ylabel("actions")
    ax.set_title("Whole plan, month by month", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)


def legend_handles() -> list[Patch]:
    from matplotlib.patches import Patch

    return [
        Patch(facecolor=STYLES[r].colour, hatch=STYLES[r].hatch, edgecolor=STYLES[r].edge, label=f"{RAG_LABELS[r]}")
        for r in RAG_ORDER
    ]


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _finish(fig: Figure, report: HighlightReport, dpi: int) -> bytes:
    """The legend and title every picture carries, then the PNG."""
    fig.legend(handles=legend_handles(), loc="outside lower center", ncols=5, fontsize=8, frameon=False)
    _suptitle(fig, report)
    return _png(fig, dpi)


def _suptitle(fig: Figure, report: HighlightReport) -> None:
    """The plan and the period, wrapped to the figure's width so a long plan title still fits."""
    sample = " — SAMPLE DATA" if report.sample and "SAMPLE" not in report.plan_title.upper() else ""
    width = int(fig.get_figwidth() * 11)
    fig.suptitle(textwrap.fill(f"{report.period.label}: {report.plan_title}{sample}", width), fontsize=10)


def by_priority_png(report: HighlightReport, dpi: int = 110) -> bytes:
    fig = _figure(7.5, 0.42 * max(len(report.priorities), 3) + 1.6)
    draw_by_priority(fig.add_subplot(), report)
    return _finish(fig, report, dpi)


def trend_png(report: HighlightReport, dpi: int = 110) -> bytes:
    fig = _figure(7.5, 4.2)
    draw_trend(fig.add_subplot(), report)
    return _finish(fig, report, dpi)


def digest_png(report: HighlightReport, dpi: int = 90) -> bytes:
    """Both pictures side by side in one image: what the SIT digest carries."""
    fig = _figure(11, 4.6)
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1])
    draw_by_priority(left, report)
    draw_trend(right, report)
    return _finish(fig, report, dpi)


def alt_text(report: HighlightReport) -> str:
    """What the picture says, for screen readers and text-only clients."""
    c: RagCountsView = report.counts
    parts = [
        f"Stacked bars of RAG status per priority for {report.period.label}: whole plan Red {c.red}, "
        f"Amber {c.amber}, Green {c.green}, Not yet rated {c.not_rated}, Completed {c.completed}."
    ]
    if report.trend:
        first, last = report.trend[0], report.trend[-1]
        parts.append(
            f"Trend from {first.label} to {last.label}: completed {first.counts.completed} → "
            f"{last.counts.completed}, red {first.counts.red} → {last.counts.red}."
        )
    return " ".join(parts)


def digest_chart(report: HighlightReport, dpi: int = 90) -> Chart:
    return Chart(
        filename=f"rag-{report.period.key}.png",
        title=f"RAG by priority and trend — {report.period.label}",
        png=digest_png(report, dpi),
        alt=alt_text(report),
    )


def report_charts(report: HighlightReport) -> list[Chart]:
    """The two pictures the board files embed (html, pdf, xlsx)."""
    return [
        Chart(f"rag-by-priority-{report.period.key}.png", "RAG by priority", by_priority_png(report), alt_text(report)),
        Chart(f"rag-trend-{report.period.key}.png", "RAG trend, month by month", trend_png(report), alt_text(report)),
    ]


def compact_png(png: bytes, colours: int = 32) -> bytes:
    """The same picture with a small palette: a quarter of the bytes, for size-limited cards."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=colours)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
