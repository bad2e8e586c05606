"""The highlight report as a Teams SIT digest: one Adaptive Card 1.5 with the whole-plan
figures, the chart, and a row per priority that opens its detail in place (ToggleVisibility),
so the channel shows one compact card.

Teams refuses messages over ~28 KB. The chart goes inside the card as a `data:` URI when the
whole card still fits `MAX_CARD_BYTES`; otherwise the card says so and the chart follows as an
image attachment in a second message. Lists are cut further until the card fits.
"""

from __future__ import annotations

from typing import Any

from bot.domain import RAG_LABELS, RAG_ORDER
from bot.report_model import HighlightReport, IndicatorLine, PriorityReport
from bot.views import ReportDigestView
from cards import adaptive
from cards import report_format as w
from cards.charts import STYLES, compact_png, digest_png
from cards.format import RAG_EMOJI, shorten
from cards.report_html import data_uri

Element = dict[str, Any]
MAX_CARD_BYTES = adaptive.MAX_CARD_BYTES
CHART_DPI = 60
COLOURS = adaptive.RAG_COLOURS


def _text(text: str, **kw: Any) -> Element:
    return {"type": "TextBlock", "text": text, "wrap": True, **kw}


def _counts_columns(counts, change: dict[str, int]) -> Element:
    columns = []
    for rag in RAG_ORDER:
        columns.append(
            {
                "type": "Column",
                "width": "stretch",
                "items": [
                    _text(
                        f"{RAG_EMOJI[rag]} {STYLES[rag].letter} · {RAG_LABELS[rag]}",
                        color=COLOURS[rag],
                        weight="bolder",
                        size="small",
                    ),
                    _text(str(getattr(counts, rag)), size="large", weight="bolder", spacing="none"),
                    _text(w.signed(change[rag]), isSubtle=True, spacing="none", size="small"),
                ],
            }
        )
    return {"type": "ColumnSet", "columns": columns}


def _letters(counts) -> str:
    return " ".join(f"{STYLES[r].letter}{getattr(counts, r)}" for r in RAG_ORDER)


def _priority_row(p: PriorityReport) -> Element:
    f = p.figures()
    return {
        "type": "ColumnSet",
        "separator": True,
        "selectAction": {"type": "Action.ToggleVisibility", "title": "Show detail", "targetElements": [f"p{p.number}"]},
        "columns": [
            {
                "type": "Column",
                "width": "stretch",
                "items": [_text(f"**P{p.number}** {shorten(p.title, 60)}", size="small")],
            },
            {
                "type": "Column",
                "width": "auto",
                "items": [
                    _text(
                        f"{_letters(p.counts)} · overdue {f['overdue']} · no update {f['no_update']} ▸",
                        size="small",
                        horizontalAlignment="right",
                    )
                ],
            },
        ],
    }


def _priority_detail(p: PriorityReport, limit: int) -> Element:
    """A priority's detail as a few TextBlocks (one per part): compact JSON, so ten fit in a card."""
    counts = " · ".join(
        f"{STYLES[r].letter} {RAG_LABELS[r]} {getattr(p.counts, r)} ({w.signed(p.change[r])})" for r in RAG_ORDER
    )
    items: list[Element] = [
        _text(f"**{w.priority_heading(p)}** — lead officer: {p.lead_officer or '—'}\n\n{counts}", size="small")
    ]
    lines: list[str] = []
    for section in w.ACTION_SECTIONS:
        actions = getattr(p, section.key)
        lines.append(f"**{section.title}** ({len(actions)})" + ("" if actions else f": {section.empty}"))
        for a in actions[:limit]:
            lines.append(
                f"- **{a.ref}** {STYLES[a.rag].letter if a.rag in STYLES else ''} {RAG_LABELS.get(a.rag, a.rag)} — "
                f"{w.action_detail(section.key, a)}"
            )
        if len(actions) > limit:
            lines.append(f"- … {len(actions) - limit} more: **status priority {p.number}**")
    lines.append(f"**Escalations raised** ({len(p.escalations)}, open {len(p.open_escalations)})")
    lines += [f"- {w.escalation_line(e)}" for e in p.escalations[:limit]]
    items.append(_text("\n".join(lines), size="small"))
    items.append(_text(_indicators(p.indicators, limit), size="small"))
    return {"type": "Container", "id": f"p{p.number}", "isVisible": False, "items": items}


def _indicators(lines: tuple[IndicatorLine, ...], limit: int, title: str = "Indicators") -> str:
    missing = [i for i in lines if i.missing]
    out = [f"**{title}** ({len(lines)}, {len(missing)} missing a reading)"]
    read = [i for i in lines if i.latest_value]
    for i in read[:limit]:
        out.append(f"- **{i.code}** {shorten(i.title, 60)}: {w.reading_text(i)} — {w.direction_text(i)}")
    if len(read) > limit:
        out.append(f"- … and {len(read) - limit} more with readings")
    if missing:
        out.append(f"Missing readings: {w.missing_codes(lines)}")
    return "\n".join(out)


def digest_card(report: HighlightReport, chart_uri: str | None, limit: int = 4) -> dict[str, Any]:
    f = report.figures()
    body: list[Element] = [
        _text(f"📊 {report.title}", size="large", weight="bolder"),
        _text(f"{w.subtitle(report)}. {w.standing(report)}", isSubtle=True, spacing="none", size="small"),
    ]
    if report.sample:
        body.append(_text("⚠️ SAMPLE DATA: fictional updates from `actionbot demo-data`.", color="attention"))
    body += [
        _text(f"**Whole plan: {report.total_actions} actions** (change since {report.previous.label})"),
        _counts_columns(report.counts, report.change),
        {
            "type": "FactSet",
            "facts": [
                {"title": "Completed in the period", "value": str(f["completed_in_period"])},
                {"title": "Overdue", "value": str(f["overdue"])},
                {"title": "No update this round", "value": str(f["no_update"])},
                {"title": "Proposed dates awaiting approval", "value": str(f["pending_dates"])},
                {"title": f"Deadlines in the next {report.horizon_days} days", "value": str(f["due_soon"])},
                {"title": "Escalations raised (open)", "value": f"{f['escalations_raised']} ({f['escalations_open']})"},
                {"title": "Indicator readings missing", "value": str(f["indicators_missing"])},
            ],
        },
    ]
    if chart_uri:
        body.append(
            {
                "type": "Image",
                "url": chart_uri,
                "altText": shorten(f"RAG by priority and trend, {report.period.label}", 200),
                "size": "stretch",
            }
        )
    else:
        body.append(_text("The chart follows in the next message.", isSubtle=True, size="small"))
    body.append(_text("**By priority** (select a row for its detail)", spacing="medium"))
    for p in report.priorities:
        body += [_priority_row(p), _priority_detail(p, limit)]
    if report.appendix_indicators:
        body.append(
            {
                "type": "ColumnSet",
                "separator": True,
                "selectAction": {"type": "Action.ToggleVisibility", "targetElements": ["appendix-1"]},
                "columns": [
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [
                            _text(
                                f"**Appendix 1** performance measures: {len(report.missing_appendix)} of "
                                f"{len(report.appendix_indicators)} readings missing ▸",
                                size="small",
                            )
                        ],
                    }
                ],
            }
        )
        body.append(
            {
                "type": "Container",
                "id": "appendix-1",
                "isVisible": False,
                "items": [_text(_indicators(report.appendix_indicators, limit, "Appendix 1"), size="small")],
            }
        )
    return {
        "type": "AdaptiveCard",
        "$schema": adaptive.CARD_SCHEMA,
        "version": adaptive.CARD_VERSION,
        "fallbackText": shorten(
            f"{report.title}: Red {report.counts.red}, Amber {report.counts.amber}, Green {report.counts.green}, "
            f"Not yet rated {report.counts.not_rated}, Completed {report.counts.completed}",
            300,
        ),
        "body": body,
    }


def chart_png(report: HighlightReport) -> bytes:
    return compact_png(digest_png(report, dpi=CHART_DPI))


def digest_activities(report: HighlightReport, max_bytes: int = MAX_CARD_BYTES) -> list[dict[str, Any]]:
    """The message(s) for the SIT channel: the card with the chart inside when it fits Teams'
    size limit; otherwise the card (lists cut until it fits) and then the chart as an image
    attachment in a message of its own (each message is measured against the limit)."""
    uri = data_uri(chart_png(report))
    summary = shorten(f"{report.title}: {_letters(report.counts)}", 120)
    for limit in (4, 3, 2, 1, 0):
        card = digest_card(report, uri, limit)
        if adaptive.card_size(card) <= max_bytes:
            return [{"type": "message", "summary": summary, "attachments": [adaptive.attachment(card)]}]
    card = digest_card(report, None, 0)
    for limit in (4, 3, 2, 1):
        candidate = digest_card(report, None, limit)
        if adaptive.card_size(candidate) <= max_bytes:
            card = candidate
            break
    image = {
        "type": "message",
        "summary": f"RAG chart, {report.period.label}",
        "text": f"RAG by priority and the month-by-month trend, {report.period.label}.",
        "attachments": [{"contentType": "image/png", "contentUrl": uri, "name": f"rag-{report.period.key}.png"}],
    }
    return [{"type": "message", "summary": summary, "attachments": [adaptive.attachment(card)]}, image]


@adaptive.body.register
def _(view: ReportDigestView) -> list[Element]:
    """Anywhere a digest is rendered inside another card: its card body, without the chart."""
    report: HighlightReport = view.report  # type: ignore[assignment]
    return digest_card(report, None, limit=2)["body"]
