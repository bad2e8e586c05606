"""Neutral view models: what a reply says, before any platform decides how it looks.

`cards/text.py`, `cards/blockkit.py` and `cards/adaptive.py` each render these; a fourth
channel adds a renderer and nothing here changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Limits chosen so the largest priority (5, ~60 actions) fits Slack's 50 blocks and Teams' ~28 KB.
LIST_LIMIT = 10


@dataclass(frozen=True)
class ActionLine:
    """One action in a list: enough to recognise it and act on it."""

    ref: str
    text: str
    rag: str
    leads: tuple[str, ...]
    due: date | None
    timescale: str
    days_to_due: int | None
    note: str = ""
    note_author: str = ""


@dataclass(frozen=True)
class UpdateLine:
    at: str  # formatted local date/time
    author: str
    rag: str
    note: str
    proposed_due: date | None
    channel: str


@dataclass(frozen=True)
class ActionListView:
    title: str
    items: tuple[ActionLine, ...]
    total: int
    more_hint: str = ""  # the command that shows the rest, when items were cut
    empty_text: str = "Nothing to show."


@dataclass(frozen=True)
class RagCountsView:
    red: int
    amber: int
    green: int
    not_rated: int
    completed: int

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.not_rated + self.completed


@dataclass(frozen=True)
class PriorityStatusView:
    number: int
    title: str
    lead_officer: str
    counts: RagCountsView
    overdue: ActionListView
    reds_ambers: ActionListView
    next_deadlines: ActionListView
    as_of: date


@dataclass(frozen=True)
class PlanSummaryView:
    plan_title: str
    as_of: date
    counts: RagCountsView
    priorities: tuple[tuple[int, str, RagCountsView, int], ...]  # number, title, counts, overdue
    overdue_total: int
    awaiting_signoff: str = ""  # e.g. "3 of the completed are awaiting sign-off" (`status.awaiting_phrase`)


@dataclass(frozen=True)
class ActionDetailView:
    ref: str
    text: str
    priority: int
    finding: str
    leads: tuple[str, ...]
    lead_names: tuple[str, ...]
    partners: tuple[str, ...]
    timescale: str
    due: date | None
    days_to_due: int | None
    recurrence: str | None
    rag: str
    pending_due: date | None
    updates: tuple[UpdateLine, ...]
    can_update: bool = False
    can_signoff: bool = False  # an SIT admin looking at a completion awaiting sign-off: show Sign off
    signoff_hint: str = ""  # with can_signoff: the signoff / reopen commands (`status.signoff_hint`)
    completion: str = ""  # "Completed (awaiting sign-off) …" or "Reopened by the SIT: …" (`status.completion_phrase`)


# A nudge groups its actions by urgency, most urgent first (`bot.nudges.urgency` decides which):
# key and heading, in the order every renderer shows them.
URGENCY_GROUPS: tuple[tuple[str, str], ...] = (
    ("overdue", "Overdue"),
    ("due_soon", "Due within 30 days"),
    ("in_progress", "In progress"),
    ("not_started", "Not started yet"),
)


@dataclass(frozen=True)
class NudgeItem:
    ref: str
    text: str
    due: date | None
    days_to_due: int | None
    rag: str
    reason: str = ""  # why this person is asked (rule), shown small
    group: str = "in_progress"  # a key of URGENCY_GROUPS


@dataclass(frozen=True)
class NudgeView:
    """The card that asks for an update: one or several actions, each with RAG buttons, in
    urgency groups (`items` is already in group order)."""

    greeting: str
    items: tuple[NudgeItem, ...]
    footer: str = ""
    recorded: dict[str, str] = field(default_factory=dict)  # ref → "Amber: note" once answered
    no_change: bool = False  # a round's ask: offer "No change on the rest" (`bot.no_change`)

    def groups(self) -> list[tuple[str, str, tuple[NudgeItem, ...]]]:
        """(key, heading, items) for each urgency group that has items, most urgent first."""
        out = []
        for key, heading in URGENCY_GROUPS:
            items = tuple(i for i in self.items if i.group == key)
            if items:
                out.append((key, heading, items))
        return out


@dataclass(frozen=True)
class RecordedLine:
    ref: str
    rag: str
    note: str
    proposed_due: date | None


@dataclass(frozen=True)
class ConfirmationView:
    recorded: tuple[RecordedLine, ...]
    message: str = ""


@dataclass(frozen=True)
class NoticeView:
    """A short message: an error, a hint, a refusal, an acknowledgement."""

    text: str
    level: str = "info"  # info | warning | error
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelpView:
    title: str
    lines: tuple[tuple[str, str], ...]  # (command, what it does)


@dataclass(frozen=True)
class EscalationItem:
    ref: str
    text: str
    owner: str
    reason: str
    due: date | None
    overdue_days: int
    rag: str
    note: str = ""


@dataclass(frozen=True)
class EscalationView:
    """What a manager is asked to act on: the worst `ESCALATION_LIMIT` actions, worst first,
    and the command that lists the rest (`more_hint`), so an escalation stays short."""

    manager_name: str
    items: tuple[EscalationItem, ...]
    ask: str
    total: int = 0  # every action escalated in this message (0: as many as `items`)
    more_hint: str = ""  # "139 more: `status escalated`" when items were cut

    @property
    def count(self) -> int:
        return max(self.total, len(self.items))


ESCALATION_LIMIT = 10  # an escalation lists the ten worst actions; `status escalated` lists them all


@dataclass(frozen=True)
class UpdateFormView:
    """Ask for the details of an update (Slack: a modal; Teams: a card with inputs; terminal: a prompt)."""

    ref: str
    action_text: str
    rag: str | None
    error: str = ""
    thread_refs: tuple[str, ...] = ()
    error_field: str = ""  # rag | note | date: the input the error is about ("" = the form as a whole)


@dataclass(frozen=True)
class ReportDigestView:
    """The monthly highlight report as posted to the SIT channel. `report` is a
    `bot.report_model.HighlightReport`; each channel renders it (headline, detail per priority,
    chart) from that one model."""

    report: object


@dataclass(frozen=True)
class PriorityReportView:
    """One priority's part of the highlight report, asked for in chat (`report p4`) before its
    board meeting. `report` is the same `bot.report_model.HighlightReport` the SIT digest and
    `actionbot report` render, so the figures agree; `number` picks the priority (checked to
    exist before the view is made)."""

    report: object
    number: int


@dataclass(frozen=True)
class LogLine:
    """One line of a priority's risks and issues log (`R12`, `I3`), as chat and the report show it."""

    ref: str
    kind: str  # risk | issue
    priority: int
    title: str
    owner: str
    status: str = "open"  # open | closed
    impact: str = ""
    likelihood: str = ""
    mitigation: str = ""
    review: date | None = None
    action: str = ""
    due: date | None = None
    close_reason: str = ""

    def details(self) -> str:
        """Everything after the title on one line, the same words in every channel and format."""
        if self.kind == "risk":
            parts = [f"impact {self.impact}", f"likelihood {self.likelihood}", f"owner {self.owner}"]
            if self.mitigation:
                parts.append(f"mitigation: {self.mitigation}")
            if self.review:
                parts.append(f"review {self.review:%d %b %Y}")
        else:
            parts = [f"owner {self.owner}", f"action: {self.action}"]
            if self.due:
                parts.append(f"by {self.due:%d %b %Y}")
        if self.status == "closed":
            parts.append(f"closed: {self.close_reason}")
        return " · ".join(parts)


@dataclass(frozen=True)
class LogView:
    """`risks p4`, `issues`: the open lines of the log (closed ones are in the report and exports)."""

    title: str
    lines: tuple[LogLine, ...]
    empty_text: str = "Nothing logged."
    hint: str = ""


@dataclass(frozen=True)
class ProposalLine:
    ref: str
    text: str
    proposed_by: str
    due: date | None
    proposed_due: date | None
    note: str = ""


@dataclass(frozen=True)
class ProposalsView:
    """`status proposals`: proposed dates awaiting the SIT, each with Approve and Reject
    (buttons where the channel has them; `status approve 4.2.1` / `status reject 4.2.1 - reason`)."""

    lines: tuple[ProposalLine, ...]
    buttons: bool = False  # only an SIT admin is shown the buttons (the core checks again)


@dataclass(frozen=True)
class TrendView:
    """`status trend`: the plan's RAG counts at the end of each month of its history. `report`
    is the `bot.report_model.HighlightReport` whose trend it shows (channels that show images
    draw its chart with `cards.charts.trend_png`)."""

    plan_title: str
    points: tuple[tuple[str, RagCountsView], ...]  # (month label, counts at its end or today)
    report: object = None
