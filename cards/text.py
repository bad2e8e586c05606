"""Plain-text rendering (terminal channel, notification fallbacks, logs)."""

from __future__ import annotations

from functools import singledispatch

from bot.typed_command import shown
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
from cards.format import counts_phrase, due_phrase, fmt_date, rag_tag, shorten


@singledispatch
def render(view) -> str:
    raise TypeError(f"no text rendering for {type(view).__name__}")


def _line(a: ActionLine) -> str:
    note = f"\n      “{shorten(a.note, 120)}” — {a.note_author}" if a.note else ""
    return (
        f"  {a.ref}  {rag_tag(a.rag)}  [{' / '.join(a.leads)}]  {due_phrase(a.due, a.days_to_due)}\n"
        f"      {shorten(a.text, 100)}{note}"
    )


@render.register
def _(view: ActionListView) -> str:
    if not view.items:
        return f"{view.title}\n  {view.empty_text}"
    out = [view.title] + [_line(a) for a in view.items]
    if view.more_hint:
        out.append(f"  … {view.more_hint}")
    return "\n".join(out)


@render.register
def _(view: PlanSummaryView) -> str:
    out = [
        f"{view.plan_title}",
        f"As of {fmt_date(view.as_of)}: {counts_phrase(view.counts)}; {view.overdue_total} overdue",
        *([view.awaiting_signoff] if view.awaiting_signoff else []),
        "",
    ]
    for number, title, counts, overdue in view.priorities:
        out.append(
            f"  P{number:<2} {shorten(title, 50):<50}  R{counts.red} A{counts.amber} G{counts.green} "
            f"N{counts.not_rated} C{counts.completed}  overdue {overdue}"
        )
    out.append("\n`status priority N` for detail.")
    return "\n".join(out)


@render.register
def _(view: PriorityStatusView) -> str:
    out = [
        f"Priority {view.number}: {view.title}",
        f"Lead officer: {view.lead_officer}",
        f"As of {fmt_date(view.as_of)}: {counts_phrase(view.counts)}",
        "",
    ]
    for part in (view.overdue, view.reds_ambers, view.next_deadlines):
        out += [render(part), ""]
    return "\n".join(out).rstrip()


@render.register
def _(view: ActionDetailView) -> str:
    leads = " / ".join(view.leads) + (f" ({', '.join(view.lead_names)})" if view.lead_names else "")
    out = [
        f"{view.ref}  {rag_tag(view.rag)}",
        view.text,
        "",
        f"Lead: {leads}",
        f"Partners: {', '.join(view.partners) or 'none'}",
        f"Timescale: {view.timescale or '—'}; {due_phrase(view.due, view.days_to_due)}",
    ]
    if view.recurrence:
        out.append(f"Recurs: {view.recurrence}")
    if view.completion:
        out.append(view.completion)
    if view.pending_due:
        out.append(f"Proposed new date awaiting approval: {fmt_date(view.pending_due)}")
    if view.signoff_hint:
        out.append(view.signoff_hint)
    out.append("Last updates:" if view.updates else "No updates yet.")
    for u in view.updates:
        extra = f" (proposes {fmt_date(u.proposed_due)})" if u.proposed_due else ""
        out.append(f"  {u.at}  {rag_tag(u.rag)}  {u.author}: {u.note or '—'}{extra}")
    return "\n".join(out)


@render.register
def _(view: NudgeView) -> str:
    out = [view.greeting]
    for _key, heading, items in view.groups():
        out.append(f"{heading} ({len(items)})")
        for item in items:
            done = view.recorded.get(item.ref)
            status = f"recorded: {done}" if done else rag_tag(item.rag)
            out.append(
                f"  {item.ref}  {status}  {due_phrase(item.due, item.days_to_due)}\n      {shorten(item.text, 110)}"
            )
            if item.reason:
                out.append(f"      ({item.reason})")
    out.append(view.footer)
    return "\n".join(out)


@render.register
def _(view: ConfirmationView) -> str:
    if not view.recorded:
        return view.message or "Nothing recorded."
    out = [view.message or "Recorded:"]
    for r in view.recorded:
        date_part = f", proposed new date {fmt_date(r.proposed_due)} (awaiting SIT approval)" if r.proposed_due else ""
        out.append(f"  {r.ref}: {rag_tag(r.rag)}{' — ' + r.note if r.note else ''}{date_part}")
    return "\n".join(out)


@render.register
def _(view: NoticeView) -> str:
    return view.text


@render.register
def _(view: HelpView) -> str:
    lines = [(shown(c, ""), d) for c, d in view.lines]
    width = max(len(c) for c, _ in lines)
    return view.title + "\n" + "\n".join(f"  {c:<{width}}  {d}" for c, d in lines)


@render.register
def _(view: UpdateFormView) -> str:
    err = f"\n{view.error}" if view.error else ""
    rag = f" as {view.rag}" if view.rag else ""
    return (
        f"Update {view.ref}{rag}: {shorten(view.action_text, 100)}{err}\n"
        f"Reply `{view.ref} {view.rag or 'amber'} - <one-line note>[, new date <date>]`."
    )


@render.register
def _(view: EscalationView) -> str:
    out = [f"{view.manager_name}: {view.count} action(s) need your attention.", view.ask]
    for i in view.items:
        late = f", {i.overdue_days} days overdue" if i.overdue_days else ""
        out.append(f"  {i.ref}  {rag_tag(i.rag)}  {i.owner}: {i.reason}{late}\n      {shorten(i.text, 100)}")
        if i.note:
            out.append(f"      “{shorten(i.note, 120)}”")
    if view.more_hint:
        out.append(f"  … {view.more_hint}")
    return "\n".join(out)


@render.register
def _(view: RagCountsView) -> str:
    """The counts alone (usually part of a summary; every view type renders on every channel)."""
    return counts_phrase(view)


def render_all(views) -> str:
    """The reply as plain text for Teams and the terminal, where a command is typed as it is
    (`status priority 4`: no prefix)."""
    return shown("\n\n".join(render(v) for v in views), "")


# The highlight report registers its renderings of ReportDigestView (kept in its own module).
from cards import governance_text as _governance_text  # noqa: E402, F401
from cards import report_text as _report_text  # noqa: E402, F401
