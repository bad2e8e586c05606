"""Block Kit renderings of the governance views (risks and issues log, proposed dates with
Approve and Reject buttons, the RAG trend)."""

from __future__ import annotations

from typing import Any

from bot.typed_command import typed
from bot.views import LogView, ProposalsView, TrendView
from cards import blockkit_ids as ids
from cards.blockkit import _e, _plain, context, render, section
from cards.format import fmt_date
from cards.governance_text import trend_rows
from cards.slack_escape import escape

PROPOSALS_SHOWN = 20  # 2 blocks each, under Slack's 50


@render.register
def _(view: LogView) -> list[dict[str, Any]]:
    if not view.lines:
        return [section(f"*{_e(view.title, 200)}*\n{_e(view.empty_text)}")]
    blocks = [section(f"*{_e(view.title, 200)}*")]
    for line in view.lines[:40]:
        blocks.append(section(f"*{escape(line.ref)}* · P{line.priority} · {_e(line.title, 300)}\n{_e(line.details(), 900)}"))
    if len(view.lines) > 40:
        blocks.append(context(f"… and {len(view.lines) - 40} more"))
    if view.hint:
        blocks.append(context(_e(view.hint)))
    return blocks


def decision_buttons(ref: str) -> dict[str, Any]:
    elements = []
    for verb, style in ((ids.APPROVE, "primary"), (ids.REJECT, "danger")):
        elements.append(
            {
                "type": "button",
                "text": _plain(ids.BUTTON_LABELS[verb]),
                "action_id": ids.button_action_id(verb, ref, ids.PROPOSAL_BLOCK),
                "value": ids.button_value(verb, ref),
                "style": style,
            }
        )
    return {"type": "actions", "block_id": ids.row_block_id(ids.PROPOSAL_BLOCK, ref), "elements": elements}


@render.register
def _(view: ProposalsView) -> list[dict[str, Any]]:
    if not view.lines:
        return [section("No proposed dates are awaiting a decision.")]
    blocks = [section(f"*Proposed dates awaiting a decision ({len(view.lines)})*")]
    for p in view.lines[:PROPOSALS_SHOWN]:
        note = f"\n> “{_e(p.note, 300)}”" if p.note else ""
        blocks.append(
            section(
                f"*{escape(p.ref)}* · {_e(p.proposed_by, 80)} proposes *{fmt_date(p.proposed_due)}* "
                f"(due {fmt_date(p.due)})\n{_e(p.text, 200)}{note}"
            )
        )
        if view.buttons:
            blocks.append(decision_buttons(p.ref))
    rest = view.lines[PROPOSALS_SHOWN:]
    if rest:
        blocks.append(section(f"*{len(rest)} more:* " + ", ".join(escape(p.ref) for p in rest)))
    blocks.append(
        context(escape(f"`{typed('status approve 4.2.1')}` or `{typed('status reject 4.2.1 - reason')}`"))
    )
    return blocks


@render.register
def _(view: TrendView) -> list[dict[str, Any]]:
    if not view.points:
        return [section(f"{_e(view.plan_title, 200)}: no months to show yet.")]
    table = "\n".join(trend_rows(view))
    return [section(f"*RAG trend, month by month* — {_e(view.plan_title, 200)}"), section(f"```{escape(table)}```")]
