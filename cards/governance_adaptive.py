"""Adaptive Card renderings of the governance views (risks and issues log, proposed dates with
Approve and Reject as Action.Execute, the RAG trend with its chart inline)."""

from __future__ import annotations

import base64
from typing import Any

from bot.typed_command import typed
from bot.views import LogView, ProposalsView, TrendView
from cards.adaptive import APPROVE_VERB, REJECT_VERB, _container, _heading, _text, body
from cards.format import fmt_date, shorten
from cards.governance_text import trend_rows

PROPOSALS_SHOWN = 15


@body.register
def _(view: LogView) -> list[dict[str, Any]]:
    out = [_text(view.title, weight="bolder", spacing="medium")]
    if not view.lines:
        return [*out, _text(view.empty_text, isSubtle=True, spacing="none")]
    for line in view.lines[:40]:
        out.append(
            _container(
                [
                    _text(f"**{line.ref}** · P{line.priority} · {shorten(line.title, 160)}"),
                    _text(shorten(line.details(), 400), isSubtle=True, spacing="none", size="small"),
                ],
                separator=True,
            )
        )
    if view.hint:
        out.append(_text(view.hint, isSubtle=True))
    return out


def decision_actions(ref: str) -> dict[str, Any]:
    actions = []
    for verb, title, style in ((APPROVE_VERB, "Approve", "positive"), (REJECT_VERB, "Reject", "destructive")):
        data = {"verb": verb, "ref": ref}
        actions.append(
            {
                "type": "Action.Execute",
                "title": title,
                "verb": verb,
                "data": data,
                "style": style,
                "fallback": {"type": "Action.Submit", "title": title, "data": data},
            }
        )
    return {"type": "ActionSet", "actions": actions}


@body.register
def _(view: ProposalsView) -> list[dict[str, Any]]:
    if not view.lines:
        return [_text("No proposed dates are awaiting a decision.")]
    out = [_heading(f"Proposed dates awaiting a decision ({len(view.lines)})")]
    for p in view.lines[:PROPOSALS_SHOWN]:
        items = [
            _text(f"**{p.ref}** · {p.proposed_by} proposes **{fmt_date(p.proposed_due)}** (due {fmt_date(p.due)})"),
            _text(shorten(p.text, 160), spacing="none", isSubtle=True),
        ]
        if p.note:
            items.append(_text(f"“{shorten(p.note, 140)}”", spacing="none", size="small"))
        if view.buttons:
            items.append(decision_actions(p.ref))
        out.append(_container(items, separator=True))
    rest = view.lines[PROPOSALS_SHOWN:]
    if rest:
        out.append(_text(f"{len(rest)} more: " + ", ".join(p.ref for p in rest), isSubtle=True))
    out.append(_text(f"`{typed('status reject 4.2.1 - reason')}` rejects with a reason.", isSubtle=True))
    return out


@body.register
def _(view: TrendView) -> list[dict[str, Any]]:
    if not view.points:
        return [_text(f"{view.plan_title}: no months to show yet.")]
    out = [_heading(f"RAG trend, month by month — {view.plan_title}")]
    if view.report is not None:
        from cards.charts import compact_png, trend_png

        png = compact_png(trend_png(view.report, dpi=60))
        out.append(
            {
                "type": "Image",
                "url": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                "altText": "RAG counts at the end of each month",
            }
        )
    out.append(_text("\n".join(trend_rows(view)), fontType="monospace", size="small"))
    return out
