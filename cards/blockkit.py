"""Block Kit rendering for Slack: every view in `bot/views.py` → blocks, plus the update modal
and the App Home tab.

Pure functions, like `cards/text.py`. Everything dynamic (notes, names, the plan's own text) goes
through `cards.slack_escape.escape` before it lands in a text object, so nothing a person typed
can ping a channel or hide a link. Slack's limits are enforced here, not hoped for: at most 50
blocks a message and 100 in a modal or Home tab, section text ≤ 3,000 characters, button text
≤ 75, unique `action_id`s; long lists are cut by the core (`bot.views.LIST_LIMIT`) and a nudge
for many actions shows buttons for the `NUDGE_BUTTON_ITEMS` most urgent and lists the rest by id
under their urgency group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import singledispatch
from typing import Any

from bot.typed_command import shown, typed
from bot.views import (
    ActionDetailView,
    ActionLine,
    ActionListView,
    ConfirmationView,
    EscalationView,
    HelpView,
    NoticeView,
    NudgeView,
    PlanSummaryView,
    PriorityStatusView,
    RagCountsView,
    UpdateFormView,
)
from cards import blockkit_ids as ids
from cards import text as plain
from cards.format import RAG_EMOJI, counts_phrase, due_phrase, fmt_date, rag_label, rag_tag, shorten
from cards.kept_renders import KeptRenders
from cards.slack_escape import escape
from domain.evidence import FORM_HINT
from domain.vocabulary import NOTE_MAX

MESSAGE_BLOCKS = 50
SURFACE_BLOCKS = 100  # modal or Home tab
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FALLBACK_TEXT = 300  # the notification line under the blocks
NUDGE_BUTTON_ITEMS = 10  # the most urgent get buttons (2 blocks each); the rest are listed by group
MODAL_TITLE = 24
SLACK_PREFIX = ids.DEFAULT_SLACK_COMMAND + " "  # the default; the app passes `SLACK_COMMAND`'s

Block = dict[str, Any]
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_LEVEL_ICON = {"info": "ℹ️", "warning": "⚠️", "error": "❌"}


# --------------------------------------------------------------------------- text objects


def fit(text: str, limit: int = SECTION_TEXT) -> str:
    """Cut already-escaped mrkdwn to `limit` without leaving half an `&amp;` at the end."""
    if len(text) <= limit:
        return text
    cut = _PARTIAL_ENTITY.sub("", text[: limit - 1])
    return cut + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text)}]}


def divider() -> Block:
    return {"type": "divider"}


def header(text: str) -> Block:
    """Only for fixed wording: headers are plain_text, so dynamic text goes in a section."""
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _e(text: str, limit: int | None = None) -> str:
    """Shorten (on the raw text, so entities are never cut) and escape."""
    return escape(shorten(text, limit) if limit else text)


# --------------------------------------------------------------------------- buttons


def button_row(ref: str, place: str) -> Block:
    """Green / Amber / Red / Completed / Add update for one action."""
    elements = []
    for verb in (*ids.RAG_VERBS, ids.ADD_UPDATE):
        button: Block = {
            "type": "button",
            "text": _plain(ids.BUTTON_LABELS[verb]),
            "action_id": ids.button_action_id(verb, ref, place),
            "value": ids.button_value(verb, ref),
        }
        if verb in ids.BUTTON_STYLES:
            button["style"] = ids.BUTTON_STYLES[verb]
        elements.append(button)
    return {"type": "actions", "block_id": ids.row_block_id(place, ref), "elements": elements}


# --------------------------------------------------------------------------- renderers


@singledispatch
def render(view) -> list[Block]:
    """A view with no Block Kit layout of its own (yet) is shown as its plain-text rendering,
    escaped and cut into sections, rather than lost. Register a renderer to do better."""
    text = plain.render(view)  # TypeError for something that is no view at all
    chunks = _text_chunks(text, SECTION_TEXT // 2)
    return [section(f"```{escape(chunk)}```") for chunk in chunks][: MESSAGE_BLOCKS - 1]


def item_text(a: ActionLine) -> str:
    """One action in a list, three short lines: id, RAG, lead, due; the action; the latest note."""
    leads = " / ".join(a.leads)
    out = (
        f"*{escape(a.ref)}* · {rag_tag(a.rag)} · {_e(leads, 80)} · {escape(due_phrase(a.due, a.days_to_due))}\n"
        f"{_e(a.text, 150)}"
    )
    if a.note:
        out += f"\n> “{_e(a.note, 200)}” — {_e(a.note_author, 60)}"
    return out


@render.register
def _(view: ActionListView) -> list[Block]:
    if not view.items:
        return [section(f"*{_e(view.title, 200)}*\n{_e(view.empty_text)}")]
    blocks = [section(f"*{_e(view.title, 200)}*"), *(section(item_text(a)) for a in view.items)]
    if view.more_hint:
        blocks.append(context(f"… {escape(view.more_hint)}"))
    return blocks


def _counts_line(c) -> str:
    return (
        f"{RAG_EMOJI['red']} Red *{c.red}*   {RAG_EMOJI['amber']} Amber *{c.amber}*   "
        f"{RAG_EMOJI['green']} Green *{c.green}*   {RAG_EMOJI['not_rated']} Not yet rated *{c.not_rated}*   "
        f"{RAG_EMOJI['completed']} Completed *{c.completed}*"
    )


@render.register
def _(view: RagCountsView) -> list[Block]:
    """The counts alone (usually part of a summary; every view type renders on every channel)."""
    return [context(_counts_line(view))]


@render.register
def _(view: PriorityStatusView) -> list[Block]:
    blocks = [
        section(f"*Priority {view.number}: {_e(view.title, 200)}*\nLead officer: {_e(view.lead_officer, 200)}"),
        context(f"As of {fmt_date(view.as_of)} · {view.counts.total} actions"),
        section(_counts_line(view.counts)),
    ]
    for part in (view.overdue, view.reds_ambers, view.next_deadlines):
        blocks += [divider(), *render(part)]
    return blocks


@render.register
def _(view: PlanSummaryView) -> list[Block]:
    blocks = [
        section(
            f"*{_e(view.plan_title, 200)}*\nAs of {fmt_date(view.as_of)}: "
            f"{counts_phrase(view.counts)}; {view.overdue_total} overdue"
            + (f"\n{view.awaiting_signoff}" if view.awaiting_signoff else "")
        )
    ]
    lines = [
        f"*P{number}* {_e(title, 50)} — {RAG_EMOJI['red']}{c.red} {RAG_EMOJI['amber']}{c.amber} "
        f"{RAG_EMOJI['green']}{c.green} {RAG_EMOJI['not_rated']}{c.not_rated} {RAG_EMOJI['completed']}{c.completed}"
        f" · {overdue} overdue"
        for number, title, c, overdue in view.priorities
    ]
    blocks += [section("\n".join(chunk)) for chunk in _chunks(lines, 10) if chunk]
    blocks.append(context(f"`{typed('status priority N')}` for a priority's detail"))
    return blocks


@render.register
def _(view: ActionDetailView) -> list[Block]:
    leads = " / ".join(view.leads) + (f" ({', '.join(view.lead_names)})" if view.lead_names else "")
    fields = [
        f"*Lead*\n{_e(leads, 300)}",
        f"*Partners*\n{_e(', '.join(view.partners) or 'none', 300)}",
        f"*Timescale*\n{_e(view.timescale or '—', 200)}",
        f"*Due*\n{escape(due_phrase(view.due, view.days_to_due))}",
    ]
    if view.recurrence:
        fields.append(f"*Recurs*\n{_e(view.recurrence, 50)}")
    blocks: list[Block] = [
        section(f"*{escape(view.ref)}* · {rag_tag(view.rag)} · Priority {view.priority}\n{_e(view.text, 2500)}"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": fit(f, FIELD_TEXT)} for f in fields]},
    ]
    if view.completion:
        blocks.append(context(_e(view.completion, 400)))
    if view.pending_due:
        blocks.append(context(f"⏳ Proposed new date awaiting SIT approval: {fmt_date(view.pending_due)}"))
    if view.updates:
        lines = []
        for u in view.updates:
            proposes = f" (proposes {fmt_date(u.proposed_due)})" if u.proposed_due else ""
            lines.append(
                f"• {escape(u.at)} · {rag_tag(u.rag)} · *{_e(u.author, 80)}*: {_e(u.note or '—', NOTE_MAX)}{proposes}"
            )
        blocks.append(section("*Last updates*\n" + "\n".join(lines)))
    else:
        blocks.append(context("No updates yet."))
    if view.can_update:
        blocks.append(button_row(view.ref, ids.DETAIL_BLOCK))
    if view.can_signoff:
        blocks.append(signoff_row(view.ref))
        blocks.append(context(escape(view.signoff_hint)))
    return blocks


def signoff_row(ref: str) -> Block:
    """"Sign off completion" and "Reopen" side by side: the SIT's two answers to a completion
    claim. Sign off types `signoff <ref>`; Reopen opens `reopen_modal` for the reason."""
    buttons = []
    for verb, style in ((ids.SIGNOFF, "primary"), (ids.REOPEN, "")):
        button: Block = {
            "type": "button",
            "text": _plain(ids.BUTTON_LABELS[verb]),
            "action_id": ids.button_action_id(verb, ref, ids.SIGNOFF_BLOCK),
            "value": ids.button_value(verb, ref),
        }
        if style:
            button["style"] = style
        buttons.append(button)
    return {"type": "actions", "block_id": ids.row_block_id(ids.SIGNOFF_BLOCK, ref), "elements": buttons}


@render.register
def _(view: NudgeView) -> list[Block]:
    """The nudge in its urgency groups: buttons for the `NUDGE_BUTTON_ITEMS` most urgent actions,
    every other action listed by id under its group (never dropped), then "No change on the
    rest" for a round. At most 2 + 2×NUDGE_BUTTON_ITEMS + 4 headings + the lists' sections + 2
    blocks, so an escalation and a readings request still fit in the same 50-block message."""
    blocks = [section(_e(view.greeting, 1000))]
    budget = NUDGE_BUTTON_ITEMS
    listed_any = ""
    for _key, heading, items in view.groups():
        blocks.append(section(f"*{escape(heading)}* ({len(items)})"))
        shown, rest = items[:budget], items[budget:]
        budget -= len(shown)
        for item in shown:
            text = (
                f"*{escape(item.ref)}* — {_e(item.text, 200)}\n"
                f"{escape(due_phrase(item.due, item.days_to_due))} · now {rag_tag(item.rag)}"
            )
            if item.reason:
                text += f"\n_{_e(item.reason, 200)}_"
            blocks.append(section(text))
            done = view.recorded.get(item.ref)
            blocks.append(context(f"✅ Recorded: {_e(done, 400)}") if done else button_row(item.ref, ids.NUDGE_BLOCK))
        if rest:
            listed_any = listed_any or rest[0].ref
            lines = [
                f"• *{escape(i.ref)}* "
                + ("✅" if i.ref in view.recorded else f"{rag_label(i.rag)} · {escape(due_phrase(i.due, i.days_to_due))}")
                for i in rest
            ]
            blocks += [section(chunk) for chunk in _joined_chunks(lines)]
    if listed_any:
        blocks.append(
            context(f"Reply in this thread, one action per line, e.g. `{escape(listed_any)} green - on track`.")
        )
    if view.no_change:
        blocks.append(no_change_row())
    if view.footer:
        blocks.append(context(_e(view.footer, 500)))
    return blocks


def no_change_row() -> Block:
    """The round's "No change on the rest" button: the handler sends the `no change` command."""
    button: Block = {
        "type": "button",
        "text": _plain(ids.BUTTON_LABELS[ids.NO_CHANGE]),
        "action_id": ids.button_action_id(ids.NO_CHANGE, "rest", ids.NO_CHANGE_BLOCK),
        "value": ids.NO_CHANGE,
    }
    return {"type": "actions", "block_id": ids.NO_CHANGE_BLOCK, "elements": [button]}


@render.register
def _(view: ConfirmationView) -> list[Block]:
    if not view.recorded:
        return [section(_e(view.message or "Nothing recorded."))]
    lines = []
    for r in view.recorded:
        note = f" — {_e(r.note, NOTE_MAX)}" if r.note else ""
        date = f" · proposed new date {fmt_date(r.proposed_due)} (awaiting SIT approval)" if r.proposed_due else ""
        lines.append(f"• *{escape(r.ref)}*: {rag_tag(r.rag)}{note}{date}")
    title = _e(view.message) if view.message else "✅ *Recorded*"
    return [section(chunk) for chunk in _joined_chunks([title, *lines])]


@render.register
def _(view: NoticeView) -> list[Block]:
    icon = _LEVEL_ICON.get(view.level, "")
    return [section(f"{icon} {escape(view.text)}".strip())]


@render.register
def _(view: HelpView) -> list[Block]:
    lines = [f"`{escape(cmd)}` — {escape(what)}" for cmd, what in view.lines]
    return [section(f"*{escape(view.title)}*"), *(section(chunk) for chunk in _joined_chunks(lines))]


@render.register
def _(view: EscalationView) -> list[Block]:
    blocks = [
        section(
            f"*{_e(view.manager_name, 100)}*: {view.count} action(s) need your attention.\n{_e(view.ask, 1000)}"
        )
    ]
    shown, rest = view.items[:NUDGE_BUTTON_ITEMS], view.items[NUDGE_BUTTON_ITEMS:]
    for i in shown:
        late = f", {i.overdue_days} days overdue" if i.overdue_days else ""
        text = (
            f"*{escape(i.ref)}* · {rag_tag(i.rag)} · {_e(i.owner, 100)}: {_e(i.reason, 200)}{late}\n{_e(i.text, 150)}"
        )
        if i.note:
            text += f"\n> “{_e(i.note, NOTE_MAX)}”"
        blocks.append(section(text))
    if rest:
        blocks.append(section(f"*{len(rest)} more:* " + ", ".join(escape(i.ref) for i in rest)))
    if view.more_hint:
        blocks.append(context(escape(view.more_hint)))
    return blocks


@render.register
def _(view: UpdateFormView) -> list[Block]:
    """The form as a message, for when a modal cannot be opened (e.g. the click expired)."""
    rag = f" as {rag_label(view.rag)}" if view.rag else ""
    blocks = [section(f"Update *{escape(view.ref)}*{rag}: {_e(view.action_text, 300)}")]
    if view.error:
        blocks.append(section(f"⚠️ {escape(view.error)}"))
    blocks.append(
        context(
            f"Reply `{escape(view.ref)} {view.rag or 'amber'} - one-line note, new date end of Oct` (date optional)."
        )
    )
    return blocks


# --------------------------------------------------------------------------- surfaces


def blocks_for(
    views: Iterable[Any], limit: int = MESSAGE_BLOCKS, *, rendered: Callable[[Any], list[Block]] = render
) -> list[Block]:
    """Several views in one message, separated by dividers, within `limit` blocks."""
    blocks: list[Block] = []
    for view in views:
        if blocks:
            blocks.append(divider())
        blocks += rendered(view)
    return cap(blocks, limit)


def _first_line(view: Any) -> str:
    return next((line for line in plain.render(view).splitlines() if line.strip()), "")


# The views the core keeps (a priority's status, the plan summary) are rendered once per object;
# `message` copies the kept blocks into each message (`shown`), so they are never changed.
_kept_blocks: KeptRenders[list[Block]] = KeptRenders(render)
_kept_first_line: KeptRenders[str] = KeptRenders(_first_line)


def cap(blocks: list[Block], limit: int) -> list[Block]:
    """A last guard: never more than Slack accepts (the renderers stay well under it)."""
    if len(blocks) <= limit:
        return blocks
    return [
        *blocks[: limit - 1],
        context(f"… cut to fit Slack: ask a narrower question, e.g. `{typed('status priority 4')}`."),
    ]


def fallback_text(views: list[Any]) -> str:
    """The notification text under the blocks: the first line of the first view."""
    if not views:
        return ""
    return fit(_e(_kept_first_line(views[0]), FALLBACK_TEXT), FALLBACK_TEXT)


def message(views: list[Any], command: str = SLACK_PREFIX) -> dict[str, Any]:
    """`text` + `blocks` for chat.postMessage, chat.update, chat.postEphemeral or respond().
    `command` is what a person types before a command here (`SLACK_COMMAND` and a space):
    every command the views suggest is shown with it."""
    return shown({"text": fallback_text(views), "blocks": blocks_for(views, rendered=_kept_blocks)}, command)


def update_modal(view: UpdateFormView, private_metadata: str) -> dict[str, Any]:
    """The "Add update" modal: RAG, a one-line note and an optional proposed new date."""
    options = [_option(r) for r in ids.RAG_VERBS]
    rag_select: Block = {
        "type": "static_select",
        "action_id": ids.RAG_INPUT,
        "placeholder": _plain("Choose"),
        "options": options,
    }
    if view.rag in ids.RAG_VERBS:
        rag_select["initial_option"] = _option(view.rag)
    blocks: list[Block] = [section(f"*{escape(view.ref)}* — {_e(view.action_text, 600)}")]
    if view.error:
        blocks.append(context(f"⚠️ {escape(view.error)}"))
    blocks += [
        {"type": "input", "block_id": ids.RAG_BLOCK, "label": _plain("RAG status"), "element": rag_select},
        {
            "type": "input",
            "block_id": ids.NOTE_BLOCK,
            "optional": True,
            "label": _plain("One-line note"),
            "hint": _plain(f"Required for Amber and Red; {FORM_HINT}; at most {NOTE_MAX} characters."),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.NOTE_INPUT,
                "max_length": NOTE_MAX,
                "placeholder": _plain("e.g. waiting on HR sign-off"),
            },
        },
        {
            "type": "input",
            "block_id": ids.DATE_BLOCK,
            "optional": True,
            "label": _plain("Proposed new date"),
            "hint": _plain(
                "e.g. end of Oct, next Friday, 31/10/2016. The SIT approves it; the due date stays until then."
            ),
            "element": {
                "type": "plain_text_input",
                "action_id": ids.DATE_INPUT,
                "placeholder": _plain("optional"),
            },
        },
    ]
    return {
        "type": "modal",
        "callback_id": ids.UPDATE_MODAL,
        "title": _plain(f"Update {view.ref}"[:MODAL_TITLE]),
        "submit": _plain("Record"),
        "close": _plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def reopen_modal(ref: str, private_metadata: str) -> dict[str, Any]:
    """The "Reopen" modal: only the reason, because a reopen without one is refused (`bot.signoff`
    checks it; the input's limit is the same NOTE_MAX so Slack stops an over-long reason early)."""
    return {
        "type": "modal",
        "callback_id": ids.REOPEN_MODAL,
        "title": _plain(f"Reopen {ref}"[:MODAL_TITLE]),
        "submit": _plain("Reopen"),
        "close": _plain("Cancel"),
        "private_metadata": private_metadata,
        "blocks": [
            section(f"Return the completion of *{escape(ref)}* to its lead. They see your reason."),
            {
                "type": "input",
                "block_id": ids.REASON_BLOCK,
                "label": _plain("Reason"),
                "hint": _plain(f"Why it is not complete yet; at most {NOTE_MAX} characters."),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.REASON_INPUT,
                    "max_length": NOTE_MAX,
                    "placeholder": _plain("e.g. the audit found two teams untrained"),
                },
            },
        ],
    }


def form_errors(view: UpdateFormView) -> dict[str, str]:
    """Where in the modal the core's complaint belongs (Slack shows it under that input)."""
    block = {"date": ids.DATE_BLOCK, "rag": ids.RAG_BLOCK}.get(view.error_field, ids.NOTE_BLOCK)
    return {block: view.error[:150] if len(view.error) <= 150 else shorten(view.error, 150)}


def home(views: list[Any], banner: list[Any] | None = None, command: str = SLACK_PREFIX) -> dict[str, Any]:
    """The App Home tab: "My actions" by due date, each with the same buttons as a nudge."""
    blocks: list[Block] = [header("My actions")]
    for view in banner or []:
        blocks += render(view)
    for view in views:
        blocks.append(divider())
        if isinstance(view, ActionListView):
            blocks.append(section(f"*{_e(view.title, 200)}*"))
            if not view.items:
                blocks.append(section(_e(view.empty_text)))
            for item in view.items:
                blocks += [section(item_text(item)), button_row(item.ref, ids.HOME_BLOCK)]
            if view.more_hint:
                blocks.append(context(f"… {escape(view.more_hint)}"))
        else:
            blocks += render(view)
    blocks.append(context(f"Ask anything with `{typed('status help')}`; write updates to me as messages."))
    return shown({"type": "home", "blocks": cap(blocks, SURFACE_BLOCKS)}, command)


# --------------------------------------------------------------------------- helpers


def _option(rag: str) -> dict[str, Any]:
    return {"text": _plain(rag_tag(rag)), "value": rag}


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _text_chunks(text: str, size: int) -> list[str]:
    """Plain text cut at line ends into pieces of at most `size` characters (before escaping,
    which can grow it: hence the caller's margin)."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        line = shorten(line, size) if len(line) > size else line
        if current and len(current) + 1 + len(line) > size:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    return [p for p in [*pieces, current] if p.strip()] or ["—"]


def _joined_chunks(lines: list[str], limit: int = SECTION_TEXT) -> list[str]:
    """Lines joined into as few section texts as fit under `limit` characters each."""
    out: list[str] = []
    current = ""
    for line in lines:
        line = fit(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            out.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not out:
        out.append(current or " ")
    return out


# The highlight report registers its renderings of ReportDigestView (kept in its own module).
from cards import governance_blockkit as _governance_blockkit  # noqa: E402, F401
from cards import report_blockkit as _report_blockkit  # noqa: E402, F401
