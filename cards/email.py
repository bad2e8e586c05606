"""Email rendering: view models → one multipart message's parts (subject, plain text, HTML,
inline pictures). The email channel (handlers/email/) adds the headers and sends it.

Every view type in bot/views.py has a renderer here (`HTML_RENDERERS`, checked by the tests).
The HTML comes from Jinja2 templates in `cards/email_templates/` with autoescaping on, so a
note someone typed can never become markup; the plain-text part is the terminal's wording
(`cards.text`), with the nudge's answer links written out. Commands are shown with no prefix:
in a reply they are typed as they are (`4.2.1 amber - waiting on HR`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache, singledispatch
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bot.typed_command import shown
from bot.views import (
    ActionDetailView,
    ActionListView,
    ConfirmationView,
    EscalationView,
    HelpView,
    LogView,
    NoticeView,
    NudgeView,
    PlanSummaryView,
    PriorityReportView,
    PriorityStatusView,
    ProposalsView,
    RagCountsView,
    ReportDigestView,
    TrendView,
    UpdateFormView,
)
from cards import text as plain
from cards.format import counts_phrase, due_phrase, fmt_date, rag_tag, shorten

TEMPLATES = Path(__file__).resolve().parent / "email_templates"
# The answers a nudge email offers for each action, in order: (choice, label, border colour).
# Colours meet WCAG AA contrast (≥ 4.5:1) on white; the word is always there, never colour alone.
CHOICES: tuple[tuple[str, str, str], ...] = (
    ("green", "Green", "#1e6b2e"),
    ("completed", "Completed", "#004f8c"),
    ("amber", "Amber", "#8a4b00"),
    ("red", "Red", "#a4000f"),
    ("update", "Add update", "#1b1b1b"),
)
CHART_CID = "chart"
FOOTER = "Sent by actionbot for the improvement plan. Reply to this email to answer; links expire."

# choice → url, for one action; a nudge's links are ref → those
ActionLinks = Mapping[str, str]


@dataclass(frozen=True)
class InlineImage:
    cid: str
    png: bytes
    filename: str


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...] = field(default_factory=tuple)


def _code(value: Any) -> Markup:
    """Escape, then show `backticks` as <code> (what the core writes commands in)."""
    safe = str(escape(shown(str(value), "")))
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", safe))


def _nl2br(value: Any) -> Markup:
    return Markup(str(escape(value)).replace("\n", "<br>\n"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        rag_tag=rag_tag,
        shorten=shorten,
        due=due_phrase,
        date=fmt_date,
        counts=counts_phrase,
        code=_code,
        nl2br=_nl2br,
        shown=lambda v: shown(v, ""),
    )
    env.globals["choices"] = CHOICES
    return env


def _macros() -> Any:
    return environment().get_template("views.html.j2").module


@dataclass
class _Context:
    links: Mapping[str, ActionLinks]
    images: list[InlineImage]


@singledispatch
def html_part(view: Any, ctx: _Context) -> Markup:
    raise TypeError(f"no email rendering for {type(view).__name__}")


@html_part.register
def _(view: NudgeView, ctx: _Context) -> Markup:
    return _macros().nudge(view, ctx.links)


@html_part.register
def _(view: EscalationView, ctx: _Context) -> Markup:
    return _macros().escalation(view)


@html_part.register
def _(view: NoticeView, ctx: _Context) -> Markup:
    return _macros().notice(view)


@html_part.register
def _(view: ConfirmationView, ctx: _Context) -> Markup:
    return _macros().confirmation(view)


@html_part.register
def _(view: ActionListView, ctx: _Context) -> Markup:
    return _macros().action_list(view)


@html_part.register
def _(view: PlanSummaryView, ctx: _Context) -> Markup:
    return _macros().plan_summary(view)


@html_part.register
def _(view: PriorityStatusView, ctx: _Context) -> Markup:
    return _macros().priority_status(view)


@html_part.register
def _(view: ActionDetailView, ctx: _Context) -> Markup:
    return _macros().action_detail(view)


@html_part.register
def _(view: HelpView, ctx: _Context) -> Markup:
    return _macros().help(view)


@html_part.register
def _(view: UpdateFormView, ctx: _Context) -> Markup:
    return _macros().update_form(view)


@html_part.register
def _(view: RagCountsView, ctx: _Context) -> Markup:
    return Markup("<p>{}</p>").format(counts_phrase(view))


@html_part.register
def _(view: ReportDigestView, ctx: _Context) -> Markup:
    """The SIT digest: the report's text and its chart as an inline (cid:) picture, which mail
    clients show without fetching anything (remote images are often blocked)."""
    from cards.charts import digest_chart

    report: Any = view.report
    chart = digest_chart(report)
    if not any(i.cid == CHART_CID for i in ctx.images):
        ctx.images.append(InlineImage(CHART_CID, chart.png, chart.filename))
    return _macros().report_digest(chart.title, CHART_CID, chart.alt, text_part(view, {}))


@html_part.register(PriorityReportView)
@html_part.register(LogView)
@html_part.register(ProposalsView)
@html_part.register(TrendView)
def _preformatted(view: Any, ctx: _Context) -> Markup:
    """Tables whose terminal wording is already aligned: shown as it is (a `<pre>` block)."""
    return _macros().preformatted(text_part(view, {}))


def text_part(view: Any, links: Mapping[str, ActionLinks]) -> str:
    """The plain-text alternative: the terminal's wording, plus a nudge's links."""
    if isinstance(view, RagCountsView):
        return counts_phrase(view)
    body = shown(plain.render(view), "")
    if isinstance(view, NudgeView) and links:
        lines = [body, "", "Answer in one click:"]
        for item in view.items:
            mine = links.get(item.ref) or {}
            if view.recorded.get(item.ref) or not mine:
                continue
            lines.append(f"  {item.ref}:")
            lines += [f"    {label}: {mine[choice]}" for choice, label, _ in CHOICES if choice in mine]
        example = view.items[0].ref if view.items else "4.2.1"
        lines.append(f"\nOr reply to this email, one action a line, e.g. `{example} amber - waiting on HR`.")
        body = "\n".join(lines)
    return body


def subject_of(views: list[Any]) -> str:
    """A subject that says what the message wants, from its first view that says anything."""
    for view in views:
        if isinstance(view, NudgeView) and view.items:
            first = view.items[0]
            more = f" (+{len(view.items) - 1} more)" if len(view.items) > 1 else ""
            return shorten(f"Update needed: {first.ref} {first.text}", 70) + more
        if isinstance(view, EscalationView):
            n = len(view.items)
            return f"Escalation: {n} action{'s' if n != 1 else ''} need{'s' if n == 1 else ''} your attention"
        if isinstance(view, ReportDigestView):
            report: Any = view.report
            return shorten(f"{report.title} — {report.plan_title}", 90)
        if isinstance(view, ConfirmationView):
            return "Recorded: " + ", ".join(r.ref for r in view.recorded) if view.recorded else "Nothing recorded"
        if isinstance(view, NoticeView) and not view.text.startswith("Plan: "):
            return shorten(shown(view.text, "").splitlines()[0].replace("`", ""), 90)
    return "actionbot"


def render_email(
    views: list[Any], *, links: Mapping[str, ActionLinks] | None = None, subject: str | None = None
) -> RenderedEmail:
    """The views as one email. `links` (action ref → choice → url) gives a nudge its one-click
    answers; the channel issues them (signed, per person and action) before rendering."""
    links = links or {}
    ctx = _Context(links, [])
    parts = [html_part(v, ctx) for v in views]
    subject = subject or subject_of(views)
    html = environment().get_template("message.html.j2").render(subject=subject, parts=parts, footer=FOOTER)
    text = "\n\n".join(text_part(v, links) for v in views) + f"\n\n-- \n{FOOTER}\n"
    return RenderedEmail(subject=subject, text=text, html=html, images=tuple(ctx.images))
