"""The highlight report as a Slack SIT digest: a headline message, then one thread reply per
priority, so the channel shows one compact post and the detail is a click away.

Every message stays inside Block Kit's limits (50 blocks, 3,000 characters a section, 10
fields) even for the largest priority: lists are cut with the command that shows the rest.
Everything from people or the plan is escaped (`cards.slack_escape`), so a note can never ping
the channel. RAG is shown by word and letter as well as by emoji colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.report_model import HighlightReport, IndicatorLine, PriorityReport
from bot.typed_command import typed
from bot.views import PriorityReportView, ReportDigestView
from cards import blockkit
from cards import report_format as w
from cards.charts import STYLES
from cards.format import RAG_EMOJI, fmt_date, shorten
from cards.slack_escape import escape
from domain.vocabulary import RAG_LABELS, RAG_ORDER

Block = dict[str, Any]
ITEMS_PER_SECTION = 6
INDICATOR_LINES = 8


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage: the fallback text and the blocks."""

    text: str
    blocks: list[Block]

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


@dataclass(frozen=True)
class SlackDigest:
    headline: SlackMessage
    thread: list[SlackMessage]  # after the chart upload, in the headline's thread


def _counts_fields(counts, change: dict[str, int]) -> Block:
    fields = [
        {
            "type": "mrkdwn",
            "text": f"{RAG_EMOJI[r]} *{RAG_LABELS[r]}* ({STYLES[r].letter})\n{getattr(counts, r)}  ({w.signed(change[r])})",
        }
        for r in RAG_ORDER
    ]
    return {"type": "section", "fields": fields}


def headline(report: HighlightReport) -> SlackMessage:
    f = report.figures()
    sample = "\n⚠️ *SAMPLE DATA*: fictional updates from `actionbot demo-data`." if report.sample else ""
    rows = []
    for p in report.priorities:
        pf = p.figures()
        rows.append(
            f"`P{p.number:<2}` {RAG_EMOJI['red']}{p.counts.red} {RAG_EMOJI['amber']}{p.counts.amber} "
            f"{RAG_EMOJI['green']}{p.counts.green} {RAG_EMOJI['not_rated']}{p.counts.not_rated} "
            f"{RAG_EMOJI['completed']}{p.counts.completed}  ({w.letters(p.counts)}) · overdue {pf['overdue']} · "
            f"no update {pf['no_update']} — {escape(shorten(p.title, 40))}"
        )
    blocks = [
        blockkit.header(f"📊 {report.title}"),
        blockkit.context(escape(f"{w.subtitle(report)}. {w.standing(report)}") + sample),
        blockkit.section(f"*Whole plan: {report.total_actions} actions* (change since {report.previous.label})"),
        _counts_fields(report.counts, report.change),
        blockkit.section(
            f"✅ Completed in the period *{f['completed_in_period']}* · ⏰ Overdue *{f['overdue']}* · "
            f"🔇 No update this round *{f['no_update']}*\n"
            f"🔵 Completed and signed off *{f['completed_verified']}* · "
            f"Completed (awaiting sign-off) *{f['awaiting_signoff']}*\n"
            f"📅 Proposed dates awaiting approval *{f['pending_dates']}* · "
            f"⏳ Deadlines in the next {report.horizon_days} days *{f['due_soon']}*\n"
            f"📣 Escalations raised *{f['escalations_raised']}* (open {f['escalations_open']}) · "
            f"📈 Indicator readings missing *{f['indicators_missing']}*"
        ),
        blockkit.section("*By priority*\n" + "\n".join(rows)),
        blockkit.context(
            f"🧵 The chart and the detail for each priority are in the thread. `{typed('status priority N')}` any time."
        ),
    ]
    text = (
        f"{report.title}: Red {report.counts.red}, Amber {report.counts.amber}, Green {report.counts.green}, "
        f"Not yet rated {report.counts.not_rated}, Completed {report.counts.completed}"
    )
    return SlackMessage(escape(text), blocks)


def _item(section: str, a) -> str:
    return f"• *{escape(a.ref)}* {RAG_EMOJI.get(a.rag, '')} {RAG_LABELS.get(a.rag, a.rag)} — {escape(w.action_detail(section, a))}"


def priority_message(p: PriorityReport, limit: int = ITEMS_PER_SECTION) -> SlackMessage:
    blocks: list[Block] = [
        blockkit.section(f"*{escape(w.priority_heading(p))}*\nLead officer: {escape(p.lead_officer or '—')}"),
        _counts_fields(p.counts, p.change),
    ]
    for section in w.ACTION_SECTIONS:
        items = getattr(p, section.key)
        lines = [f"*{section.title}* ({len(items)})"]
        if not items:
            lines.append(f"_{section.empty}_")
        lines += [_item(section.key, a) for a in items[:limit]]
        if len(items) > limit:
            lines.append(f"… and {len(items) - limit} more: `{typed(f'status priority {p.number}')}`")
        blocks.append(blockkit.section("\n".join(lines)))
    esc = [f"*Escalations raised* ({len(p.escalations)}, open {len(p.open_escalations)})"]
    esc += [f"• {escape(w.escalation_line(e))}" for e in p.escalations[:limit]] or ["_None raised in the period._"]
    if len(p.escalations) > limit:
        esc.append(f"… and {len(p.escalations) - limit} more")
    blocks.append(blockkit.section("\n".join(esc)))
    blocks.append(blockkit.section(_indicators_text(p.indicators)))
    log = [f"*{escape(w.log_heading(p))}*"]
    log += [f"• {escape(w.log_line(x))}" for x in p.log[:limit]] or [f"_{w.LOG_EMPTY}_"]
    if len(p.log) > limit:
        log.append(f"… and {len(p.log) - limit} more: `{typed(f'risks p{p.number}')}`")
    blocks.append(blockkit.section("\n".join(log)))
    blocks.append(
        blockkit.context(f"Figures as at the report date. `{typed(f'status priority {p.number}')}` for today's.")
    )
    text = f"{w.priority_heading(p)}: {w.letters(p.counts)}"
    return SlackMessage(escape(text), blockkit.cap(blocks, blockkit.MESSAGE_BLOCKS))


def _indicators_text(lines: tuple[IndicatorLine, ...], title: str = "Indicators") -> str:
    missing = [i for i in lines if i.missing]
    out = [f"*{title}* ({len(lines)}, {len(missing)} missing a reading)"]
    if not lines:
        out.append("_No measures for this priority._")
    read = [i for i in lines if i.latest_value]
    for i in read[:INDICATOR_LINES]:
        target = f"target {escape(i.target)}" if i.target else "no target set"
        out.append(
            f"• *{escape(i.code)}* {escape(shorten(i.title, 70))}: {escape(w.reading_text(i))}, {target} — "
            f"{w.direction_text(i)}"
        )
    if len(read) > INDICATOR_LINES:
        out.append(f"… and {len(read) - INDICATOR_LINES} more with readings")
    if missing:
        out.append(f"Missing readings: {escape(w.missing_codes(lines))}")
    return "\n".join(out)


def appendix_message(report: HighlightReport) -> SlackMessage | None:
    lines = report.appendix_indicators
    if not lines:
        return None
    text = _indicators_text(lines, "Appendix 1 performance measures")
    return SlackMessage(
        escape(f"Appendix 1: {len(report.missing_appendix)} readings missing"), [blockkit.section(text)]
    )


def digest(report: HighlightReport) -> SlackDigest:
    thread = [priority_message(p) for p in report.priorities]
    appendix = appendix_message(report)
    if appendix is not None:
        thread.append(appendix)
    return SlackDigest(headline(report), thread)


def chart_comment(report: HighlightReport) -> str:
    c = report.counts
    return escape(
        f"RAG by priority and the month-by-month trend, {report.period.label} (as at {fmt_date(report.as_of)}): "
        f"Red {c.red}, Amber {c.amber}, Green {c.green}, Not yet rated {c.not_rated}, Completed {c.completed}."
    )


@blockkit.render.register
def _(view: ReportDigestView) -> list[Block]:
    """Anywhere a digest is rendered as one message (`report` asked in chat), it is its
    headline; there is no thread then, so its last line points to `report p4` instead."""
    report: HighlightReport = view.report  # type: ignore[assignment]
    blocks = headline(report).blocks
    return [
        *blocks[:-1],
        blockkit.context(
            f"`{typed('report p4')}` for a priority's detail, `{typed('status priority N')}` for today's lists."
        ),
    ]


@blockkit.render.register
def _(view: PriorityReportView) -> list[Block]:
    """`report p4` in chat: the priority's message from the digest thread, under the report's title."""
    report: HighlightReport = view.report  # type: ignore[assignment]
    p = report.priority(view.number)
    if p is None:  # the core checks the number first
        return [blockkit.section(escape(f"{report.title}: there is no priority {view.number}."))]
    top = [blockkit.header(f"📊 {report.title}"), blockkit.context(escape(w.standing(report)))]
    return blockkit.cap([*top, *priority_message(p).blocks], blockkit.MESSAGE_BLOCKS)
