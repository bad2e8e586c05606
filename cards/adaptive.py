"""Adaptive Card 1.5 rendering (Microsoft Teams), from the same view models as text and Block Kit.

One reply becomes one card, so a card button's answer can replace the card in place. Cards stay
inside Teams' message limit (~28 KB): lists arrive already cut by the core (with the command that
shows the rest); a nudge about many actions keeps inputs for the first few and lists the others;
a final guard trims anything still too big. Colour is never the only signal: every RAG colour
comes with its word.

The card verbs (what a button means) are defined here once; `parse_card_action` reads them back
from a submission, whichever way it arrived (Universal Action invoke or `Action.Submit`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from bot.typed_command import shown
from bot.views import (
    ActionDetailView,
    ActionLine,
    ActionListView,
    ConfirmationView,
    EscalationView,
    HelpView,
    NoticeView,
    NudgeItem,
    NudgeView,
    PlanSummaryView,
    PriorityStatusView,
    RagCountsView,
    ReportDigestView,
    UpdateFormView,
)
from cards.format import counts_phrase, due_phrase, fmt_date, rag_label, rag_tag, shorten
from cards.kept_renders import KeptRenders
from cards.text import render as render_plain
from domain.evidence import FORM_HINT
from domain.vocabulary import NOTE_MAX, RAG_ORDER, canonical_action_id

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams refuses messages over ~28 KB; keep the card well inside that, the envelope needs room too.
MAX_CARD_BYTES = 26_000
FALLBACK_TEXT_MAX = 1_500
# A nudge keeps note/date inputs and buttons for this many actions; the rest are listed compactly.
NUDGE_FULL_ITEMS = 6

# Card verbs: the one place that says what a button on our cards means.
VERB_PREFIX = "actionbot.rag."
RAG_BUTTONS: tuple[tuple[str, str, str], ...] = (
    # rag, button title, Adaptive Card action style
    ("green", "Green", "positive"),
    ("amber", "Amber", "default"),
    ("red", "Red", "destructive"),
    ("completed", "Completed", "default"),
)
RAG_VERBS = {rag: f"{VERB_PREFIX}{rag}" for rag, _, _ in RAG_BUTTONS}
SIGNOFF_VERB = "actionbot.signoff"  # an SIT admin verifies a completion (the handler sends `signoff <ref>`)
APPROVE_VERB = "actionbot.approve"  # an SIT admin decides a proposed date (`status approve <ref>`)
REJECT_VERB = "actionbot.reject"  # … or `status reject <ref>`
REOPEN_VERB = "actionbot.reopen"  # … or returns it: the handler sends `reopen <ref> - <reason>`, the reason typed in the card
COMMAND_VERBS = {
    SIGNOFF_VERB: "signoff {ref}",
    APPROVE_VERB: "status approve {ref}",
    REJECT_VERB: "status reject {ref}",
    REOPEN_VERB: "reopen {ref} - {reason}",
}
NO_CHANGE_VERB = "actionbot.nochange"  # a round's "No change on the rest" (the handler sends `no change`)
NOTE_INPUT = "note.{ref}"
DATE_INPUT = "date.{ref}"
REASON_INPUT = "reason.{ref}"  # the reopen reason, next to the Reopen button

RAG_COLOURS = {"red": "attention", "amber": "warning", "green": "good", "completed": "accent", "not_rated": "default"}
LEVEL_COLOURS = {"info": "default", "warning": "warning", "error": "attention"}
LEVEL_MARKS = {"info": "", "warning": "⚠️ ", "error": "⛔ "}


@dataclass(frozen=True)
class CardAction:
    """A RAG button pressed on one of our cards, with what was typed into the card's inputs."""

    verb: str
    ref: str
    rag: str
    refs: tuple[str, ...]
    note: str
    proposed_date: str


def parse_card_action(data: Any) -> CardAction | None:
    """Read a submission's merged data (button data + inputs); None if it is not one of ours."""
    if not isinstance(data, dict):
        return None
    verb = data.get("verb")
    rag = next((r for r, v in RAG_VERBS.items() if v == verb), None)
    raw = data.get("ref")
    ref = canonical_action_id(raw)  # the one action-id grammar; the core checks it again
    if rag is None or ref is None:
        return None
    refs = data.get("refs") or [ref]
    if not isinstance(refs, list):
        refs = [ref]
    return CardAction(
        verb=verb,
        ref=ref,
        rag=rag,
        refs=tuple(str(r) for r in refs),
        note=str(data.get(NOTE_INPUT.format(ref=raw)) or "").strip(),
        proposed_date=str(data.get(DATE_INPUT.format(ref=raw)) or "").strip(),
    )


# ---------------------------------------------------------------- small element builders


def _md(text: str) -> str:
    """Teams' TextBlock markdown has no code spans: show `commands` in bold instead."""
    parts = text.split("`")
    if len(parts) < 3:
        return text
    out = []
    for i, part in enumerate(parts):
        out.append(f"**{part}**" if i % 2 and part else part)
    return "".join(out)


def _text(text: str, **kw: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": _md(text), "wrap": True, **kw}


def _rich(*runs: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs), **kw}


def _run(text: str, **kw: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **kw}


def _rag_run(rag: str) -> dict[str, Any]:
    """The RAG word with its colour (and its emoji): never colour alone."""
    return _run(rag_tag(rag), color=RAG_COLOURS.get(rag, "default"), weight="bolder")


def _heading(text: str, size: str = "medium") -> dict[str, Any]:
    return _text(text, size=size, weight="bolder")


def _facts(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "FactSet", "facts": [{"title": t, "value": _md(v)} for t, v in pairs if v]}


def _container(items: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {"type": "Container", "items": items, **kw}


def _counts_line(c: RagCountsView) -> dict[str, Any]:
    runs = []
    for rag in RAG_ORDER:
        if runs:
            runs.append(_run(" · "))
        runs.append(_run(f"{rag_label(rag)} {getattr(c, rag)}", color=RAG_COLOURS[rag], weight="bolder"))
    return _rich(*runs)


def rag_buttons(ref: str, refs: tuple[str, ...], chosen: str | None = None) -> dict[str, Any]:
    """Green / Amber / Red / Completed as Universal Actions, each falling back to Action.Submit.

    The data carries the action's ref and every ref on the card, so the answer can rebuild the
    whole card (with what was recorded) and replace it in place.
    """
    actions = []
    for rag, title, style in RAG_BUTTONS:
        data = {"verb": RAG_VERBS[rag], "ref": ref, "rag": rag, "refs": list(refs or (ref,))}
        label = f"{title} ✓" if chosen == rag else title
        actions.append(
            {
                "type": "Action.Execute",
                "title": label,
                "verb": RAG_VERBS[rag],
                "data": data,
                "associatedInputs": "auto",
                "style": style,
                "tooltip": f"Record {ref} as {title}",
                "fallback": {"type": "Action.Submit", "title": label, "data": data, "style": style},
            }
        )
    return {"type": "ActionSet", "actions": actions}


def parse_command_button(data: Any) -> str | None:
    """The text command a Sign off, Approve, Reject or Reopen button types for the person (the
    core checks it as if typed, so an empty or over-long reason is refused there, as typed), or
    None if the data is not one of those buttons."""
    if not isinstance(data, dict) or data.get("verb") not in COMMAND_VERBS:
        return None
    raw = data.get("ref")
    ref = canonical_action_id(raw)
    if not ref:
        return None
    reason = data.get(REASON_INPUT.format(ref=raw))
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    return COMMAND_VERBS[data["verb"]].format(ref=ref, reason=reason)


def signoff_buttons(ref: str) -> list[dict[str, Any]]:
    """The SIT's two answers to a completion claim: a reason box, then "Sign off completion" and
    "Reopen". Sign off ignores the box (associatedInputs none); the box is not marked required,
    so an empty reason reaches the core, which says what it needs."""
    signoff = {"verb": SIGNOFF_VERB, "ref": ref}
    reopen = {"verb": REOPEN_VERB, "ref": ref}
    return [
        {
            "type": "Input.Text",
            "id": REASON_INPUT.format(ref=ref),
            "label": f"Reason, to reopen {ref} (the lead sees it)",
            "placeholder": "e.g. the audit found two teams untrained",
            "maxLength": NOTE_MAX,
            "errorMessage": f"Keep it to {NOTE_MAX} characters.",
        },
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Execute",
                    "title": "Sign off completion",
                    "verb": SIGNOFF_VERB,
                    "data": signoff,
                    "associatedInputs": "none",
                    "style": "positive",
                    "fallback": {"type": "Action.Submit", "title": "Sign off completion", "data": signoff},
                },
                {
                    "type": "Action.Execute",
                    "title": "Reopen",
                    "verb": REOPEN_VERB,
                    "data": reopen,
                    "associatedInputs": "auto",
                    "fallback": {"type": "Action.Submit", "title": "Reopen", "data": reopen},
                },
            ],
        },
    ]


def update_inputs(ref: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "Input.Text",
            "id": NOTE_INPUT.format(ref=ref),
            "label": f"One line on {ref} (needed for Amber and Red; {FORM_HINT})",
            "placeholder": "e.g. waiting on HR sign-off",
            "maxLength": NOTE_MAX,
            "errorMessage": f"Keep it to {NOTE_MAX} characters.",
        },
        {
            "type": "Input.Text",
            "id": DATE_INPUT.format(ref=ref),
            "label": "Proposed new date (optional)",
            "placeholder": "e.g. 31/10/2016 or end of Oct",
            "maxLength": 60,
        },
    ]


def _suggestion_buttons(suggestions: tuple[str, ...]) -> list[dict[str, Any]]:
    """'Did you mean 4.2.1?' as buttons that type `status 4.2.1` for the person (Teams imBack)."""
    if not suggestions:
        return []
    return [
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": f"status {s}",
                    "data": {"msteams": {"type": "imBack", "value": f"status {s}"}},
                }
                for s in suggestions[:5]
            ],
        }
    ]


# ---------------------------------------------------------------- view renderers (card body parts)


@singledispatch
def body(view) -> list[dict[str, Any]]:
    """A view's card body elements. Views without their own renderer show as plain text."""
    try:
        return [_text(render_plain(view))]
    except TypeError:
        raise TypeError(f"no Adaptive Card rendering for {type(view).__name__}") from None


@body.register
def _(view: RagCountsView) -> list[dict[str, Any]]:
    """The counts alone (usually part of a summary; every view type renders on every channel)."""
    return [_counts_line(view)]


def _action_line(a: ActionLine) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        _rich(
            _run(a.ref, weight="bolder"),
            _run("  "),
            _rag_run(a.rag),
            _run(f"  {' / '.join(a.leads)}  ·  {due_phrase(a.due, a.days_to_due)}", isSubtle=True),
        ),
        _text(shorten(a.text, 160), spacing="none"),
    ]
    if a.note:
        items.append(_text(f"“{shorten(a.note, 140)}” — {a.note_author}", isSubtle=True, spacing="none", size="small"))
    return _container(items, spacing="medium")


@body.register
def _(view: ActionListView) -> list[dict[str, Any]]:
    out = [_text(view.title, weight="bolder", spacing="medium")]
    if not view.items:
        return [*out, _text(view.empty_text, isSubtle=True, spacing="none")]
    out += [_action_line(a) for a in view.items]
    if view.more_hint:
        out.append(_text(f"… {view.more_hint}", isSubtle=True))
    return out


@body.register
def _(view: PlanSummaryView) -> list[dict[str, Any]]:
    out = [
        _heading(view.plan_title),
        _text(f"As of {fmt_date(view.as_of)}: {view.overdue_total} overdue", isSubtle=True, spacing="none"),
        _counts_line(view.counts),
    ]
    if view.awaiting_signoff:
        out.append(_text(view.awaiting_signoff, isSubtle=True, spacing="none"))
    for number, title, counts, overdue in view.priorities:
        out.append(
            _container(
                [
                    _text(f"**P{number}** {shorten(title, 70)}"),
                    _text(counts_phrase(counts) + f" · overdue {overdue}", isSubtle=True, spacing="none", size="small"),
                ],
                separator=True,
            )
        )
    out.append(_text("`status priority N` for detail.", isSubtle=True))
    return out


@body.register
def _(view: PriorityStatusView) -> list[dict[str, Any]]:
    out = [
        _heading(f"Priority {view.number}: {view.title}"),
        _text(f"Lead officer: {view.lead_officer}", spacing="none"),
        _text(f"As of {fmt_date(view.as_of)}", isSubtle=True, spacing="none"),
        _counts_line(view.counts),
    ]
    for part in (view.overdue, view.reds_ambers, view.next_deadlines):
        out.append(_container(body(part), separator=True, spacing="medium"))
    return out


@body.register
def _(view: ActionDetailView) -> list[dict[str, Any]]:
    leads = " / ".join(view.leads) + (f" ({', '.join(view.lead_names)})" if view.lead_names else "")
    out: list[dict[str, Any]] = [
        _rich(_run(view.ref, weight="bolder", size="medium"), _run("  "), _rag_run(view.rag)),
        _text(view.text),
        _facts(
            [
                ("Lead", leads),
                ("Partners", ", ".join(view.partners) or "none"),
                ("Timescale", view.timescale or "—"),
                ("Due", due_phrase(view.due, view.days_to_due)),
                ("Recurs", view.recurrence or ""),
                ("Proposed date", f"{fmt_date(view.pending_due)} (awaiting SIT approval)" if view.pending_due else ""),
                ("Completion", view.completion),
            ]
        ),
        _text("Last updates" if view.updates else "No updates yet.", weight="bolder", spacing="medium"),
    ]
    for u in view.updates:
        extra = f" (proposes {fmt_date(u.proposed_due)})" if u.proposed_due else ""
        out.append(
            _rich(
                _run(f"{u.at}  ", isSubtle=True),
                _rag_run(u.rag),
                _run(f"  {u.author}: {shorten(u.note, 200) or '—'}{extra}"),
            )
        )
    if view.can_update:
        out.append(_text(f"Update {view.ref}:", weight="bolder", separator=True))
        out += [*update_inputs(view.ref), rag_buttons(view.ref, (view.ref,))]
    if view.can_signoff:
        out += [*signoff_buttons(view.ref), _text(view.signoff_hint, isSubtle=True)]
    return out


def _nudge_item_head(item: NudgeItem) -> list[dict[str, Any]]:
    out = [
        _rich(
            _run(item.ref, weight="bolder"),
            _run(f"  {due_phrase(item.due, item.days_to_due)}  ·  now "),
            _rag_run(item.rag),
        ),
        _text(shorten(item.text, 220), spacing="none"),
    ]
    if item.reason:
        out.append(_text(f"({item.reason})", isSubtle=True, size="small", spacing="none"))
    return out


def nudge_body(view: NudgeView, full_items: int = NUDGE_FULL_ITEMS) -> list[dict[str, Any]]:
    """The nudge in its urgency groups: inputs and buttons for the `full_items` most urgent open
    items, the rest of each group listed under its heading, then "No change on the rest".

    The buttons carry the refs of the items shown with buttons (and those already answered), so
    the card rebuilt after an answer is this card with the answer in it. Listed items are
    answered by typing a line, which keeps a nudge about a hundred actions inside Teams' limit.
    """
    pending = [i for i in view.items if not view.recorded.get(i.ref)]
    asked = {i.ref for i in pending[:full_items]}
    refs = tuple(i.ref for i in view.items if i.ref in asked or view.recorded.get(i.ref))
    out: list[dict[str, Any]] = [_text(view.greeting)]
    first_listed = ""
    for _key, heading, items in view.groups():
        out.append(_text(f"{heading} ({len(items)})", weight="bolder", size="medium", separator=True))
        compact: list[NudgeItem] = []
        for item in items:
            done = view.recorded.get(item.ref)
            if done:
                out.append(
                    _container(
                        [*_nudge_item_head(item), _text(f"✅ Recorded: {done}", color="good", weight="bolder")],
                        separator=True,
                    )
                )
            elif item.ref in asked:
                out.append(
                    _container(
                        [*_nudge_item_head(item), *update_inputs(item.ref), rag_buttons(item.ref, refs)],
                        separator=True,
                    )
                )
            else:
                compact.append(item)
        if compact:
            first_listed = first_listed or compact[0].ref
            listed = "\n".join(f"- **{c.ref}** {rag_tag(c.rag)} · {due_phrase(c.due, c.days_to_due)}" for c in compact)
            out.append(_text(listed, spacing="small"))
    if first_listed:
        out.append(
            _text(
                f"To update a listed action, reply with a line each, e.g. `{first_listed} green`. "
                "`status mine` lists all your actions.",
                isSubtle=True,
            )
        )
    if view.no_change:
        out.append(no_change_button())
    if view.footer:
        out.append(_text(view.footer, isSubtle=True, size="small"))
    return out


def no_change_button() -> dict[str, Any]:
    """A round's "No change on the rest": the handler sends the `no change` command."""
    data = {"verb": NO_CHANGE_VERB}
    title = "No change on the rest"
    return {
        "type": "ActionSet",
        "actions": [
            {
                "type": "Action.Execute",
                "title": title,
                "verb": NO_CHANGE_VERB,
                "data": data,
                "tooltip": "Re-confirm the last RAG of every action of this round you have not answered",
                "fallback": {"type": "Action.Submit", "title": title, "data": data},
            }
        ],
    }


def is_no_change(data: Any) -> bool:
    """Whether a card's data is the "No change on the rest" button."""
    return isinstance(data, dict) and data.get("verb") == NO_CHANGE_VERB


@body.register
def _(view: NudgeView) -> list[dict[str, Any]]:
    return nudge_body(view)


@body.register
def _(view: ConfirmationView) -> list[dict[str, Any]]:
    if not view.recorded:
        return [_text(view.message or "Nothing recorded.")]
    out = [_text(view.message or "Recorded:", weight="bolder")]
    for r in view.recorded:
        date_part = f", proposed new date {fmt_date(r.proposed_due)} (awaiting SIT approval)" if r.proposed_due else ""
        out.append(
            _rich(
                _run(r.ref, weight="bolder"),
                _run("  "),
                _rag_run(r.rag),
                _run(f"{' — ' + r.note if r.note else ''}{date_part}"),
            )
        )
    return out


@body.register
def _(view: NoticeView) -> list[dict[str, Any]]:
    return [
        _text(LEVEL_MARKS.get(view.level, "") + view.text, color=LEVEL_COLOURS.get(view.level, "default")),
        *_suggestion_buttons(view.suggestions),
    ]


@body.register
def _(view: HelpView) -> list[dict[str, Any]]:
    return [_heading(view.title), _facts([(cmd, what) for cmd, what in view.lines])]


@body.register
def _(view: EscalationView) -> list[dict[str, Any]]:
    out = [_heading(f"{view.manager_name}: {view.count} action(s) need your attention"), _text(view.ask)]
    for i in view.items:
        late = f", {i.overdue_days} days overdue" if i.overdue_days else ""
        items = [
            _rich(_run(i.ref, weight="bolder"), _run("  "), _rag_run(i.rag), _run(f"  {i.owner}: {i.reason}{late}")),
            _text(shorten(i.text, 160), spacing="none"),
        ]
        if i.note:
            items.append(_text(f"“{shorten(i.note, 140)}”", isSubtle=True, spacing="none"))
        out.append(_container(items, separator=True))
    if view.more_hint:
        out.append(_text(view.more_hint, isSubtle=True, separator=True))
    return out


@body.register
def _(view: UpdateFormView) -> list[dict[str, Any]]:
    rag = f" as {rag_label(view.rag)}" if view.rag else ""
    out = [_heading(f"Update {view.ref}{rag}", size="default"), _text(shorten(view.action_text, 220), spacing="none")]
    if view.error:
        out.append(_text(f"⚠️ {view.error}", color="attention", weight="bolder"))
    return [*out, *update_inputs(view.ref), rag_buttons(view.ref, view.thread_refs or (view.ref,), view.rag)]


# ---------------------------------------------------------------- whole cards


def card_size(card: dict[str, Any]) -> int:
    """Bytes on the wire, the measure Teams' limit is expressed in."""
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def render_card(views: list[Any]) -> dict[str, Any]:
    """One Adaptive Card for a whole reply (so a button's answer replaces exactly one card)."""
    elements: list[dict[str, Any]] = []
    for i, view in enumerate(views):
        part = list(_kept_body(view))  # a copy: the kept list is never changed
        if i and part:
            part[0] = {**part[0], "separator": True, "spacing": "large"}
        elements += part
    card = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": shorten_text(_text_of(views), FALLBACK_TEXT_MAX),
        "body": elements,
    }
    return shown(_fit(card, views), "")  # in Teams a command is typed as it is: `status …`


# The views the core keeps (a priority's status, the plan summary) are rendered once per object
# (`cards.kept_renders`); `render_card` copies what it changes and `shown` copies the whole card.
_kept_body: KeptRenders[list[dict[str, Any]]] = KeptRenders(body)
_kept_text: KeptRenders[str] = KeptRenders(render_plain)


def _text_of(views: list[Any]) -> str:
    """`cards.text.render_all`, from the kept renderings."""
    return shown("\n\n".join(_kept_text(v) for v in views), "")


def shorten_text(text: str, limit: int) -> str:
    """Like `shorten`, but keeps line breaks (the fallback text is read as a message)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fit(card: dict[str, Any], views: list[Any]) -> dict[str, Any]:
    """Keep the card under MAX_CARD_BYTES: first fewer nudge inputs, then fewer body elements."""
    if card_size(card) <= MAX_CARD_BYTES:
        return card
    nudges = [v for v in views if isinstance(v, NudgeView)]
    if nudges:
        for full in range(NUDGE_FULL_ITEMS - 1, -1, -1):
            rebuilt: list[dict[str, Any]] = []
            for v in views:
                rebuilt += nudge_body(v, full) if isinstance(v, NudgeView) else body(v)
            card = {**card, "body": rebuilt}
            if card_size(card) <= MAX_CARD_BYTES:
                return card
    cut = {**card, "fallbackText": shorten_text(card["fallbackText"], 300)}
    elements = list(cut["body"])
    tail = _text("… this answer is too long for one card: ask for less, e.g. `status priority N`.", isSubtle=True)
    while elements and card_size({**cut, "body": [*elements, tail]}) > MAX_CARD_BYTES:
        elements.pop()
    return {**cut, "body": [*elements, tail]}


def attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": card}


def message_activity(views: list[Any]) -> dict[str, Any]:
    """A Bot Framework message activity (plain dict) carrying the reply as one card."""
    digest = next((v for v in views if isinstance(v, ReportDigestView)), None)
    if digest is not None:  # the highlight report: its own card, with the chart inside
        return _report_adaptive.digest_activity(digest.report)
    card = render_card(views)
    # the card's fallback text is the reply as text: its first line, when it is whole, is the
    # summary's, and the reply is not rendered as text a second time
    first, whole, _ = card["fallbackText"].partition("\n")
    return {
        "type": "message",
        "attachments": [attachment(card)],
        "summary": shorten(first if whole else _text_of(views).split("\n", 1)[0], 120),
    }


def invoke_card_response(views: list[Any]) -> dict[str, Any]:
    """The body of an `adaptiveCard/action` invoke response that replaces the card in place."""
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": render_card(views)}


def invoke_message_response(text: str) -> dict[str, Any]:
    """An `adaptiveCard/action` response that leaves the card as it is and shows a short message."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": shorten(text, 400)}


# The highlight report registers its renderings of ReportDigestView (kept in its own module).
from cards import governance_adaptive as _governance_adaptive  # noqa: E402, F401
from cards import report_adaptive as _report_adaptive  # noqa: E402
