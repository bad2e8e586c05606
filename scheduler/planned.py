"""The values the pure policy works on and produces: its inputs, what was already sent
(`History`), the items it finds due (`Item`) and the messages they are batched into (`Planned`).

Nothing here touches the database or a clock; `scheduler.snapshot` builds the inputs from the
database and `scheduler.tick` / `scheduler.preview` act on the output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from bot.plan_state import PlanState
from bot.recipients import Directory

SIT = "sit"  # the recipient of digests and of escalations nobody else can take
SEPARATOR = "/"  # between a plan's ledger prefix and its key (see `scheduler.plan_scopes`)


def prefix_of(key: str) -> str:
    """`yj/round:1.1.1:2016-09@dcs` → "yj/"; an unprefixed key (its head holds a `:`) → ""."""
    if SEPARATOR not in key:  # the default plan's keys: asked of every item a preview records
        return ""
    head, _, _ = key.partition(SEPARATOR)
    return f"{head}{SEPARATOR}" if ":" not in head and "@" not in head else ""


def notice_series(person: str, day: date) -> str:
    """The episode of telling the SIT that `person` could not be reached on `day`."""
    return f"unreachable:{person}:{day.isoformat()}"


READING_RULES = ("readings", "chase.readings")  # the rules about indicators, not actions


@dataclass(frozen=True)
class IndicatorInput:
    """An indicator as the policy sees it: its code, who answers for it, and the months
    (`2016-09`) that already have a reading at the snapshot's instant."""

    code: str
    owner_role: str | None = None
    read: frozenset[str] = frozenset()


@dataclass
class Inputs:
    """What the policy reads: the plan as of now, the people directory, the snoozes, the
    indicators and who no configured channel can reach (person key → why)."""

    state: PlanState
    directory: Directory
    snoozes: dict[str, date] = field(default_factory=dict)  # action ref → snoozed until (exclusive)
    indicators: tuple[IndicatorInput, ...] = ()
    unreachable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """One thing one recipient should hear about, e.g. 'chase 1 of 2 for 4.2.1'.

    `series` names an episode (a due date, a round, a Red update); `stage` orders the steps
    inside it, so after downtime only the latest missed step of each episode is sent.
    """

    key: str  # "<series>:<stage>@<recipient>", unique for ever
    series: str  # "due:4.2.1:2016-09-30", "round:4.2.1:2016-09", "esc-red:4.2.1:17", "digest:weekly:2016-W36"
    stage: str  # "pre10", "due", "chase1", "ask", "escalate", "cover", "notice", "weekly", "report"
    kind: str  # nudge | reading | escalation | notice | audit | digest | report
    recipient: str  # person key, or SIT
    trigger: datetime  # the instant it becomes due (UTC)
    rule: str  # pre_due | due_date | round | chase | escalation.overdue | … (shown by preview)
    reason: str  # for people: why they get it
    ref: str = ""  # the action, when there is one
    owners: tuple[str, ...] = ()  # escalations: whose action it is (person keys)
    escalation: str = ""  # overdue | red | silence | away (Escalation.reason)
    indicator: str = ""  # reading requests: the indicator's code
    unreached: tuple[str, ...] = ()  # escalations: people the bot could not reach about it

    def __init__(
        self,
        key: str,
        series: str,
        stage: str,
        kind: str,
        recipient: str,
        trigger: datetime,
        rule: str,
        reason: str,
        ref: str = "",
        owners: tuple[str, ...] = (),
        escalation: str = "",
        indicator: str = "",
        unreached: tuple[str, ...] = (),
    ) -> None:
        """The fields set in one step: a frozen dataclass's own `__init__` sets them one
        `object.__setattr__` at a time, and a month's preview builds 120,000 items (a tenth of
        its simulation). Still frozen: assigning afterwards raises. `tests/unit/test_item_init`
        checks that every field is set here."""
        self.__dict__.update(
            key=key,
            series=series,
            stage=stage,
            kind=kind,
            recipient=recipient,
            trigger=trigger,
            rule=rule,
            reason=reason,
            ref=ref,
            owners=owners,
            escalation=escalation,
            indicator=indicator,
            unreached=unreached,
        )

    @property
    def subject(self) -> str:
        """What the item is about: an action ref, an indicator code, or (for a notice to the
        SIT) the person who could not be reached; "" for digests."""
        if self.kind == "notice":
            return self.owners[0] if self.owners else ""
        return self.ref or self.indicator

    def to_payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "series": self.series,
            "stage": self.stage,
            "kind": self.kind,
            "rule": self.rule,
            "reason": self.reason,
            "ref": self.ref,
            "owners": list(self.owners),
            "escalation": self.escalation,
            "indicator": self.indicator,
            "unreached": list(self.unreached),
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any], recipient: str, trigger: datetime) -> Item:
        """An item back from a ledger row (to rebuild a message for a retry)."""
        return cls(
            key=data["key"],
            series=data.get("series", ""),
            stage=data.get("stage", ""),
            kind=data.get("kind", "nudge"),
            recipient=recipient,
            trigger=trigger,
            rule=data.get("rule", ""),
            reason=data.get("reason", ""),
            ref=data.get("ref", ""),
            owners=tuple(data.get("owners", ())),
            escalation=data.get("escalation", ""),
            indicator=data.get("indicator", ""),
            unreached=tuple(data.get("unreached", ())),
        )


@dataclass(frozen=True)
class Planned:
    """One message: to one recipient, at one time, listing its items. `key` is the ledger key.

    `unreachable` says why no configured channel can reach the recipient: such a message is
    recorded in the ledger as not delivered (so its steps count as taken) instead of sent.
    """

    key: str
    kind: str  # nudge | reading | escalation | notice, joined with "+"; or digest | report
    recipient: str
    send_at: datetime  # UTC
    timezone: str  # the recipient's, for showing local time
    items: tuple[Item, ...]
    unreachable: str = ""

    @property
    def local_at(self) -> datetime:
        from bot.workdays import zone

        return self.send_at.astimezone(zone(self.timezone))

    @property
    def refs(self) -> list[str]:
        return list(dict.fromkeys(i.ref for i in self.items if i.ref))

    @property
    def rules(self) -> dict[str, list[str]]:
        """rule → action refs or indicator codes (or [] for digests), in first-seen order."""
        out: dict[str, dict[str, None]] = {}  # ordered sets: the SIT's message holds thousands of items
        for i in self.items:
            subjects = out.setdefault(i.rule, {})
            subject = i.subject
            if subject:
                subjects[subject] = None
        return {rule: list(subjects) for rule, subjects in out.items()}

    def why(self) -> str:
        """The rules and what they are about, in one line (the preview's, the ledger's `why`)."""
        return self._why

    @cached_property
    def _why(self) -> str:  # a message never changes, and the preview asks up to three times
        parts = []
        for rule, subjects in self.rules.items():
            if not subjects:
                parts.append(rule)
            elif len(subjects) <= 3:
                parts.append(f"{rule}: {', '.join(subjects)}")
            else:
                noun = "indicators" if rule in READING_RULES else "people" if rule == "unreachable" else "actions"
                parts.append(f"{rule}: {len(subjects)} {noun}")
        return "; ".join(parts)

    def payload(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "day": self.local_at.date().isoformat(),
            "timezone": self.timezone,
            "items": [i.to_payload() for i in self.items],
        }


@dataclass
class History:
    """What the ledger says was already handled (sent, being sent, failed or unreachable).

    Items are remembered by key with the recipient's local day they went out; messages by
    ledger key. `stage_day` answers "when did stage X of episode Y first go out, to anyone?",
    which the silence rule counts from. A message nobody could deliver (no channel reaches its
    recipient) counts as handled all the same, so chases and escalations go on; `last_ask`
    remembers, per episode and owner, whether the latest ask reached them, and `unreached`
    which people could not be reached on which day (the SIT is told, once per person and day).
    """

    items: dict[str, date] = field(default_factory=dict)
    messages: set[str] = field(default_factory=set)
    stage_day: dict[tuple[str, str], date] = field(default_factory=dict)
    # (series, whom the key is for) → the stages of it handled for them: "was this step, or a
    # later one, already sent to this holder?" is a set lookup, not a key built per stage
    series_to: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # (series, owner) → (day, who was asked, why they could not be reached; "" when reached)
    last_ask: dict[tuple[str, str], tuple[date, str, str]] = field(default_factory=dict)
    # (person, local day) → (why they could not be reached, what was not delivered)
    unreached: dict[tuple[str, date], tuple[str, str]] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)  # the plan prefixes of its keys ("": the default plan)
    # (person, day) → the key of the SIT's notice that they could not be reached (`notice_key`)
    _notice_keys: dict[tuple[str, date], str] = field(default_factory=dict, compare=False, repr=False)

    def add_payload(
        self,
        message_key: str,
        payload: dict[str, Any],
        fallback_day: date,
        *,
        unreachable: str = "",
        why: str = "",
    ) -> None:
        """Remember a ledger row; `unreachable` is its reason when it was recorded undelivered."""
        self.messages.add(message_key)
        self.prefixes.add(prefix_of(message_key))
        day = date.fromisoformat(payload["day"]) if payload.get("day") else fallback_day
        to = payload.get("recipient", "")
        items = payload.get("items", [])
        self._sent_items(
            ((i["key"], i["series"], i.get("stage", "")) for i in items if "key" in i and "series" in i),
            to,
            day,
            unreachable,
        )
        if unreachable:
            self.add_unreached(to, day, unreachable, why or payload.get("why", ""))

    def _sent_items(self, items: Iterable[tuple[str, str, str]], to: str, day: date, unreachable: str) -> None:
        """The (key, series, stage) of each item of a message to `to` on `day`: handled, each
        stage's first day, the stages handled per holder, and the latest ask of its owner. One
        loop with its lookups bound once: a month's preview records 120,000 items."""
        prefixes, handled_items, stage_day, series_to, last_ask = (
            self.prefixes,
            self.items,
            self.stage_day,
            self.series_to,
            self.last_ask,
        )
        for key, series, stage in items:
            prefixes.add(prefix_of(key))
            owner = key.rsplit("@", 1)[-1]
            handled_items.setdefault(key, day)
            previous = stage_day.get((series, stage))
            if previous is None or day < previous:
                stage_day[(series, stage)] = day
            handled = series_to.get((series, owner))
            if handled is None:
                series_to[(series, owner)] = {stage}
            else:
                handled.add(stage)
            ask = last_ask.get((series, owner))
            if to and (ask is None or ask[0] <= day):
                last_ask[(series, owner)] = (day, to, unreachable)

    def add_unreached(self, person: str, day: date, reason: str, what: str) -> None:
        if person:
            earlier = self.unreached.get((person, day))
            # one list of what was not delivered, each thing once: the same row read twice adds nothing
            parts = [*(earlier[1].split("; ") if earlier else ()), *what.split("; ")]
            self.unreached[(person, day)] = (reason, "; ".join(x for x in dict.fromkeys(parts) if x))

    def record(self, planned: Planned) -> None:
        """Remember a message as handled (the preview's simulated ledger), as the tick would:
        what `add_payload` reads from its ledger row, taken from the message without building
        the row's payload (the preview records every message of its period)."""
        day = planned.local_at.date()
        self.messages.add(planned.key)
        self.prefixes.add(prefix_of(planned.key))
        self._sent_items(((i.key, i.series, i.stage) for i in planned.items), planned.recipient, day, planned.unreachable)
        if planned.unreachable:
            self.add_unreached(planned.recipient, day, planned.unreachable, planned.why())

    def delivered(self, key: str) -> bool:
        return key in self.items

    def notice_key(self, person: str, day: date) -> str:
        """The key of the SIT's notice that `person` could not be reached on `day`. Every
        planning asks it of every such (person, day) the history holds, to find the ones not yet
        told: written once per pair, not at each of a month's wake-ups."""
        found = self._notice_keys.get((person, day))
        if found is None:
            found = self._notice_keys[(person, day)] = f"{notice_series(person, day)}:notice@{SIT}"
        return found
