"""The pictures: real PNGs, drawn from the report model, readable without colour."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from cards import charts
from domain.vocabulary import RAG_ORDER


def test_digest_chart_is_a_non_trivial_png(october):
    chart = charts.digest_chart(october)
    image = Image.open(io.BytesIO(chart.png))
    assert image.format == "PNG"
    assert image.width >= 900 and image.height >= 350
    assert len(chart.png) > 20_000
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 50
    pixels = {rgb for _, rgb in colours}
    for rag in ("red", "amber", "green", "completed"):  # each status colour is really drawn
        hex_colour = charts.STYLES[rag].colour.lstrip("#")
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
        assert rgb in pixels, rag
    assert chart.filename == "rag-2016-10.png"
    assert "Red 1" in chart.alt and "Completed 6" in chart.alt


def test_bars_are_the_models_counts(october):
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    charts.draw_by_priority(ax, october)
    bars = [p for p in ax.patches]
    n = len(october.priorities)
    assert len(bars) == n * len(RAG_ORDER)
    for k, rag in enumerate(RAG_ORDER):  # one BarContainer per status, one bar per priority
        widths = [round(b.get_width()) for b in bars[k * n : (k + 1) * n]]
        assert widths == [getattr(p.counts, rag) for p in october.priorities]
        assert {b.get_hatch() or "" for b in bars[k * n : (k + 1) * n]} == {charts.STYLES[rag].hatch}
    labels = {t.get_text() for t in ax.texts}
    p7 = october.priority(7)
    assert f"{p7.counts.total}  (R1 A2)" in labels  # reds and ambers named beside the bar
    assert f"G{p7.counts.green}" in labels


def test_trend_is_the_models_months(october):
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    charts.draw_trend(ax, october)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Jun 16", "Jul 16", "Aug 16", "Sep 16", "Oct 16"]
    n = len(october.trend)
    completed = ax.patches[RAG_ORDER.index("completed") * n : (RAG_ORDER.index("completed") + 1) * n]
    assert [round(b.get_height()) for b in completed] == [t.counts.completed for t in october.trend] == [5, 5, 5, 5, 6]


def test_every_status_has_its_own_hatch_and_letter():
    hatches = [charts.STYLES[r].hatch for r in RAG_ORDER]
    letters = [charts.STYLES[r].letter for r in RAG_ORDER]
    assert len(set(hatches)) == len(RAG_ORDER) and len(set(letters)) == len(RAG_ORDER)
    assert [h.get_label() for h in charts.legend_handles()] == ["Red", "Amber", "Green", "Not yet rated", "Completed"]


def test_compact_png_is_smaller_and_still_a_png(october):
    png = charts.digest_png(october, dpi=60)
    small = charts.compact_png(png)
    assert len(small) < len(png) / 2
    assert Image.open(io.BytesIO(small)).size == Image.open(io.BytesIO(png)).size
