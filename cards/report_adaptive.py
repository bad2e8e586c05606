"""The highlight report as a Teams SIT digest: one Adaptive Card 1.5 with the whole-plan
figures, the chart, and a row per priority that opens its detail in place (ToggleVisibility),
so the channel shows one compact card.

The chart goes inside the card as a `data:` URI: Teams' message-size limit covers the message
"encoded as UTF-16 and doesn't include Base64 encoded images" (Microsoft's "Format your bot
messages"), and pictures may be up to 1024 × 1024 pixels and 1 MB, which the chart is built
to respect. The card's text is kept within `MAX_CARD_BYTES` (the Teams renderer's budget):
lists are cut, then each priority's detail is left to `status priority N`.
"""

from __future__ import annotations

from typing import Any

from bot.report_model import HighlightReport, IndicatorLine, PriorityReport
from bot.views import PriorityReportView, ReportDigestView
from cards import adaptive
from cards import report_format as w
from cards.charts import STYLES, compact_png, digest_png
from cards.format import RAG_EMOJI, shorten
from cards.report_html import data_uri
from domain.vocabulary import RAG_LABELS, RAG_ORDER

Element = dict[str, Any]
MAX_CARD_BYTES = adaptive.MAX_CARD_BYTES
CHART_DPI = 90  # 11 × 4.6 inches → 990 × 414 pixels, inside Teams’ 1024 × 1024
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


def _priority_row(p: PriorityReport, toggles: bool = True) -> Element:
    f = p.figures()
    row: Element = {"type": "ColumnSet", "separator": True}
    if toggles:
        row["selectAction"] = {
            "type": "Action.ToggleVisibility",
            "title": "Show detail",
            "targetElements": [f"p{p.number}"],
        }
    return row | {
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
                        f"{w.letters(p.counts)} · overdue {f['overdue']} · no update {f['no_update']}"
                        + (" ▸" if toggles else ""),
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
    log = [f"**{w.log_heading(p)}**"] + [f"- {w.log_line(x)}" for x in p.log[:limit]]
    if len(p.log) > limit:
        log.append(f"- … {len(p.log) - limit} more: **risks p{p.number}**")
    items.append(_text("\n".join(log), size="small"))
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


def digest_card(report: HighlightReport, chart_uri: str | None, limit: int | None = 4) -> dict[str, Any]:
    """`limit`: items shown per list in each priority's detail; None leaves the detail out."""
    f = report.figures()
    body: list[Element] = [
        _text(f"📊 {report.title}", size="large", weight="bolder"),
        _text(f"{w.subtitle(report)}. {w.standing(report)}", isSubtle=True, spacing="none", size="small"),
    ]
    if report.sample:
        body.append(_text("⚠️ SAMPLE DATA: fictional updates from **actionbot demo-data**.", color="attention"))
    body += [
        _text(f"**Whole plan: {report.total_actions} actions** (change since {report.previous.label})"),
        _counts_columns(report.counts, report.change),
        {
            "type": "FactSet",
            "facts": [
                {"title": "Completed in the period", "value": str(f["completed_in_period"])},
                {"title": "Completed and signed off", "value": str(f["completed_verified"])},
                {"title": "Completed (awaiting sign-off)", "value": str(f["awaiting_signoff"])},
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
    hint = "select a row for its detail" if limit is not None else "**status priority N** for the detail"
    body.append(_text(f"**By priority** ({hint})", spacing="medium"))
    for p in report.priorities:
        body.append(_priority_row(p, toggles=limit is not None))
        if limit is not None:
            body.append(_priority_detail(p, limit))
    if report.appendix_indicators and limit is not None:
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
    """The digest chart within Teams' picture limits (at most 1024 × 1024 pixels and 1 MB)."""
    return compact_png(digest_png(report, dpi=CHART_DPI))


def text_size(card: dict[str, Any]) -> int:
    """The card's size as Teams counts it: base64 images are not part of the message limit."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("" if k == "url" and str(v).startswith("data:") else strip(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [strip(x) for x in node]
        return node

    return adaptive.card_size(strip(card))


def fitted_card(report: HighlightReport, chart_uri: str | None, max_bytes: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """The richest card that fits: every priority's detail with 4, 3, 2, 1, 0 items a list,
    then the priority rows alone (`status priority N` gives the rest)."""
    for limit in (4, 3, 2, 1, 0, None):
        card = digest_card(report, chart_uri, limit)
        if text_size(card) <= max_bytes:
            return card
    return card


def digest_activity(report: HighlightReport, max_bytes: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """The message for the Teams SIT channel: one card, the chart inside it as a `data:` URI
    (Teams leaves base64 images out of its message-size limit; the card's text must fit)."""
    card = fitted_card(report, data_uri(chart_png(report)), max_bytes)
    return {
        "type": "message",
        "summary": shorten(f"{report.title}: {w.letters(report.counts)}", 120),
        "attachments": [adaptive.attachment(card)],
    }


@adaptive.body.register
def _(view: ReportDigestView) -> list[Element]:
    """Anywhere a digest is rendered inside another card: its card body, without the chart."""
    report: HighlightReport = view.report  # type: ignore[assignment]
    return digest_card(report, None, limit=2)["body"]


CHAT_ITEMS = 5  # `report p4` in chat: items a list, so the largest priority fits one card


@adaptive.body.register
def _(view: PriorityReportView) -> list[Element]:
    """`report p4` in chat: the priority's detail from the digest card, shown open."""
    report: HighlightReport = view.report  # type: ignore[assignment]
    p = report.priority(view.number)
    if p is None:  # the core checks the number first
        return [_text(f"{report.title}: there is no priority {view.number}.")]
    detail = _priority_detail(p, CHAT_ITEMS)
    return [
        _text(f"📊 {report.title}", size="large", weight="bolder"),
        _text(w.standing(report), isSubtle=True, spacing="none", size="small"),
        {**detail, "isVisible": True},
    ]
