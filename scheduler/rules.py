"""The policy's rules as pure functions: (inputs, policy, history, now) → the items due now.

Every rule is an *episode* with ordered *stages* on working days:

- a due date D: `pre10`, `pre3` (working days before D), `due` (D, or the working day before
  it), then `chase1`, `chase2` after D while nobody has answered;
- a monthly round M: `ask` on working day 1, then chases after the deadline (working day 5);
- an indicator's missing reading for month M-1: `ask` its owner on a working day early in M,
  then chases after that deadline, while the reading is still missing;
- an escalation per due date (the first of: N working days overdue, or silence after the
  last chase), per round (silence), and per Red update;
- a weekly digest per ISO week and a highlight report per round, to the SIT.

For each episode and recipient only the LATEST stage that has come due is considered, and only
if neither it nor a later stage was already handled (the ledger history). That one rule gives
both "never twice" and "after downtime, what was missed is sent once, not replayed".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from bot.indicators import indicator_owners
from bot.periods import Period
from bot.plan_state import ActionState
from bot.policy import Escalation, Policy
from bot.recipients import on_leave
from bot.rounds import Round, answers_from, current_round, in_round, latest_opened, month_round
from bot.rounds import round_of as round_of  # the round rules moved to bot.rounds; kept importable here
from bot.workdays import WorkCalendar, valid_zone
from scheduler.action_memo import ActionMemo
from scheduler.planned import SIT, History, IndicatorInput, Inputs, Item
from storage.db import utc_aware

MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Stage:
    name: str
    day: date
    rule: str
    reason: str
    only_if_silent: bool  # skipped once anyone has answered since the episode's start


def _d(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def due_stages(policy: Policy, due: date) -> list[Stage]:
    """pre-due reminders, the due-date nudge, then the chases, in order."""
    cal = policy.calendar
    stages = []
    for n in policy.pre_due_days:
        if n == 0:
            day = cal.previous_working_day(due)
            stages.append(Stage("due", day, "due_date", "due today" if day == due else f"due {_d(due)}", False))
        else:
            day = cal.add_working_days(due, -n)
            stages.append(Stage(f"pre{n}", day, "pre_due", f"due in {n} working days ({_d(due)})", False))
    for k in range(1, policy.chase_count + 1):
        day = cal.add_working_days(due, policy.chase_first_after + (k - 1) * policy.chase_interval)
        reason = f"chase {k} of {policy.chase_count}: was due {_d(due)} and is not marked Completed"
        stages.append(Stage(f"chase{k}", day, "chase.due_date", reason, True))
    return sorted(stages, key=lambda s: s.day)


def without_first_heads_up(stages: list[Stage], asked_on: date) -> list[Stage]:
    """An action due in its round's month: the round asked about it on `asked_on`, naming the
    due date, so it stands for the furthest heads-up after that day; the nearer ones and the
    due-day nudge still go. (Keeps the month to a message a week for a lead who is silent.)"""
    first = next((st for st in stages if st.rule == "pre_due" and st.day > asked_on), None)
    return [st for st in stages if st is not first] if first is not None else stages


def round_stages(policy: Policy, r: Round) -> list[Stage]:
    cal = policy.calendar
    stages = [Stage("ask", r.opens, "round", f"monthly update for {r.label}: please answer by {_d(r.deadline)}", True)]
    for k in range(1, policy.chase_count + 1):
        day = cal.add_working_days(r.deadline, policy.chase_first_after + (k - 1) * policy.chase_interval)
        reason = f"chase {k} of {policy.chase_count}: no update yet for {r.label} (it was due by {_d(r.deadline)})"
        stages.append(Stage(f"chase{k}", day, "chase.round", reason, True))
    return stages


def readings_round_of(policy: Policy, year: int, month: int) -> Round:
    """The month in which last month's indicator readings are asked for (opens) and due."""
    return month_round(policy, year, month, policy.readings_ask_day, policy.readings_due_day)


def current_readings_round(policy: Policy, today: date) -> Round:
    return latest_opened(today, lambda y, m: readings_round_of(policy, y, m))


def reading_period(r: Round) -> Period:
    """The month whose readings a readings round asks for: the one before it."""
    return Period.containing(date(r.year, r.month, 1) - timedelta(days=1))


def readings_stages(policy: Policy, r: Round) -> list[Stage]:
    cal, period = policy.calendar, reading_period(r)
    stages = [
        Stage(
            "ask",
            r.opens,
            "readings",
            f"performance readings for {period.label}: please give them by {_d(r.deadline)}",
            True,
        )
    ]
    for k in range(1, policy.chase_count + 1):
        day = cal.add_working_days(r.deadline, policy.chase_first_after + (k - 1) * policy.chase_interval)
        reason = f"chase {k} of {policy.chase_count}: no reading yet for {period.label}, due by {_d(r.deadline)}"
        stages.append(Stage(f"chase{k}", day, "chase.readings", reason, True))
    return stages


def latest_stage(stages: list[Stage], today: date) -> int | None:
    found = None
    for i, s in enumerate(stages):
        if s.day <= today:
            found = i
    return found


class Rules:
    """Evaluates every rule for one instant. Construct, then call `items()`."""

    def __init__(self, inputs: Inputs, policy: Policy, history: History, now: datetime):
        self.inputs, self.policy, self.history, self.now = inputs, policy, history, now
        self.cal: WorkCalendar = policy.calendar
        self.state = inputs.state
        self.directory = inputs.directory
        self.plan_tz = self.state.plan.timezone or policy.default_timezone
        self.today = self.cal.local(now, self.plan_tz).date()
        self.round = current_round(policy, self.today)
        self.round_answers_from = answers_from(policy, self.round, self.plan_tz)
        self.priority_leads = {p.priority.number: list(p.priority.lead_roles or []) for p in self.state.priorities}
        self._stages: dict[object, list[Stage]] = {}
        self._indicator_owners: dict[str | None, list] = {}
        self._local_today: dict[str, date] = {}
        self._day_start: dict[tuple[date, str], datetime] = {}
        self._answerable: dict[tuple[str, ...], list] = {}
        self._owners: dict[tuple[str, ...], list] = {}
        self._targets: dict[tuple, list[str]] = {}
        self._tz: dict[str, str] = {}
        self._asked: dict[tuple[str, ...], list[tuple]] = {}
        self._holders: dict[tuple[str, ...], tuple[list, tuple[str, ...], set[str]]] = {}
        self._escalation: dict[int | None, Escalation] = {}
        self._episodes: dict[tuple, tuple[list[Stage], datetime]] = {}
        self._after_due: dict[date, datetime] = {}
        self._last_series: tuple[ActionState, list[tuple[str, list[Stage], datetime]]] | None = None

    def due_stages(self, due: date) -> list[Stage]:
        if due not in self._stages:
            self._stages[due] = due_stages(self.policy, due)
        return self._stages[due]

    def round_stages(self, r: Round) -> list[Stage]:
        if r not in self._stages:
            self._stages[r] = round_stages(self.policy, r)
        return self._stages[r]

    # --- helpers --------------------------------------------------------------------------

    def tz_of(self, key: str) -> str:
        found = self._tz.get(key)
        if found is None:  # one instant, one directory: each person's zone once
            found = self._tz[key] = self._zone_of(key)
        return found

    def _zone_of(self, key: str) -> str:
        if key == SIT:
            return self.plan_tz
        person = self.directory.person(key)
        tz = person.timezone if person is not None else None
        return tz if valid_zone(tz) else self.policy.default_timezone

    def local_today(self, key: str) -> date:
        found = self._local_today.get(key)
        if found is None:  # one instant: each person's date once, not once per action they hold
            found = self._local_today[key] = self.cal.local(self.now, self.tz_of(key)).date()
        return found

    def day_start(self, day: date, key: str) -> datetime:
        tz = self.tz_of(key)
        found = self._day_start.get((day, tz))
        if found is None:
            found = self._day_start[(day, tz)] = self.cal.at(day, MIDNIGHT, tz)
        return found

    def answerable(self, s: ActionState) -> list:
        """`Directory.answerable` for the action's lead roles, once per set of roles (thousands
        of actions share a few hundred roles; the answer depends only on the roles and the day)."""
        roles = s.lead_roles
        found = self._answerable.get(roles)
        if found is None:
            found = self._answerable[roles] = self.directory.answerable(s.action, self.today)
        return found

    def asked(self, s: ActionState) -> list[tuple]:
        """`answerable` as plain values, once per set of lead roles: (holder, holder's key,
        who is asked, their key, their local date, their zone, whether they are on leave).
        The rules read these for every holder of every action; read from the ORM objects each
        time, they were most of a month's preview."""
        roles = s.lead_roles
        found = self._asked.get(roles)
        if found is None:
            found = self._asked[roles] = [
                (
                    holder,
                    holder.key,
                    target,
                    target.key,
                    self.local_today(target.key),
                    self.tz_of(target.key),
                    on_leave(target, self.today),
                )
                for holder, target in self.answerable(s)
            ]
        return found

    def holders(self, s: ActionState) -> tuple[list, tuple[str, ...], set[str]]:
        """The holders of the action's lead roles, their keys (each once) and everyone an
        escalation about it must not go to (holders and whoever is asked), once per set of roles."""
        roles = s.lead_roles
        found = self._holders.get(roles)
        if found is None:
            holders = [p for role in roles for p in self.directory.holders(role)]
            exclude = {p.key for p in holders} | {p.key for p in self.owners(s)}
            found = self._holders[roles] = (holders, tuple(dict.fromkeys(p.key for p in holders)), exclude)
        return found

    def escalation_for(self, priority_number: int | None) -> Escalation:
        found = self._escalation.get(priority_number)
        if found is None:
            found = self._escalation[priority_number] = self.policy.escalation_for(priority_number)
        return found

    def owners(self, s: ActionState) -> list:
        """`Directory.owners`, likewise once per set of roles."""
        roles = s.lead_roles
        found = self._owners.get(roles)
        if found is None:
            found = self._owners[roles] = self.directory.owners(s.action, self.today)
        return found

    def answered_since(self, s: ActionState, since: datetime) -> bool:
        return s.answered_since(since)

    def snoozed(self, ref: str, today: date) -> bool:
        until = self.inputs.snoozes.get(ref)
        return until is not None and today < until

    def _handled(self, series: str, stages: list[Stage], index: int, recipient: str) -> bool:
        return any(self.history.delivered(f"{series}:{s.name}@{recipient}") for s in stages[index:])

    # --- the rules ------------------------------------------------------------------------

    def items(self, memo: ActionMemo | None = None) -> list[Item]:
        """Every item due now. With a `memo` (the ticker's), an action whose inputs have not
        changed since the last tick is not evaluated again (`scheduler.action_memo`)."""
        actions = self.state.actions
        whole = memo.unchanged(actions) if memo is not None else None
        out: list[Item] = list(whole) if whole is not None else []
        if whole is None:
            count = 0
            for s in actions:
                if not s.is_open:
                    continue
                count += 1
                found = memo.get(s) if memo is not None else None
                if found is None:
                    found = self.owner_items(s) + self.escalation_items(s)
                    if memo is not None:
                        memo.put(s, found)
                out += found
            if memo is not None:
                memo.walked(actions, list(out), count)
        out += self.reading_items()
        out += self.digest_items()
        out += self.audit_items()
        return out

    def audit_items(self) -> list[Item]:
        """A thematic audit whose date has come (`audit 4.2.1 due Mar 17`): the SIT hears of it
        once, in its daily message of that day (or of the first working day after), so an audit
        is on the SIT's list when it comes round even on a day nothing else is. Completed
        actions too: an audit is how a completion is checked."""
        out = []
        for s in self.state.actions:
            d = s.audit_due
            if d is None or d > self.today:
                continue
            series = f"audit:{s.ref}:{d.isoformat()}"
            key = f"{series}:due@{SIT}"
            if self.history.delivered(key):
                continue
            out.append(
                Item(
                    key=key,
                    series=series,
                    stage="due",
                    kind="audit",
                    recipient=SIT,
                    trigger=self.cal.at(d, self.policy.send_time, self.plan_tz),
                    rule="audit.due",
                    reason=f"thematic audit of {s.ref} due {_d(d)}",
                    ref=s.ref,
                )
            )
        return out

    def owner_series(self, s: ActionState) -> list[tuple[str, list[Stage], datetime]]:
        """(series, stages, answered-since instant) for the episodes asking the owner about `s`;
        the last action's kept, as `escalation_items` asks again right after `owner_items`."""
        last = self._last_series
        if last is not None and last[0] is s:
            return last[1]
        series = self._owner_series(s)
        self._last_series = (s, series)
        return series

    def _owner_series(self, s: ActionState) -> list[tuple[str, list[Stage], datetime]]:
        series = []
        asked_by_round: date | None = None
        due = s.due
        if self.policy.round_enabled and in_round(self.policy, s, self.round):
            r = self.round
            stages = self.current_round_stages
            if due is not None and r.opens <= due and (due.year, due.month) == (r.year, r.month):
                stages = stages[:1]  # due this month: its due-date reminders ask again, the round does not chase
                asked_by_round = r.opens
            series.append((f"round:{s.ref}:{r.key}", stages, self.round_answers_from))
        if due is not None:
            due_stages, after_due = self.due_episode(due, asked_by_round)
            series.append((f"due:{s.ref}:{due.isoformat()}", due_stages, after_due))
        return series

    def due_episode(self, due: date, asked_by_round: date | None) -> tuple[list[Stage], datetime]:
        """A due date's stages (less the heads-up the round stands for) and the instant after
        which an answer counts as one to it: the same for every action due that day, so worked
        out once per instant, not once per action (a month's preview asks it 40,000 times)."""
        key = ("due", due, asked_by_round)
        found = self._episodes.get(key)
        if found is None:
            stages = self.due_stages(due)
            if asked_by_round is not None:
                stages = without_first_heads_up(stages, asked_by_round)
            found = self._episodes[key] = (stages, self.after_due(due))
        return found

    def after_due(self, due: date) -> datetime:
        """The start of the day after `due` in the plan's zone: an answer from then on is one
        to the overdue action (its silence escalation stops)."""
        found = self._after_due.get(due)
        if found is None:
            found = self._after_due[due] = self.cal.at(due + timedelta(days=1), MIDNIGHT, self.plan_tz)
        return found

    @cached_property
    def current_round_stages(self) -> list[Stage]:
        """The stages of this instant's round (asked for every action in it)."""
        return self.round_stages(self.round)

    def owner_items(self, s: ActionState) -> list[Item]:
        """Each holder's latest due step, sent to them or to the delegate standing in for them.
        Items are keyed by the holder, so a step the delegate got is not repeated on return.

        Written for speed (every open action, every wake-up of a month's preview): the holders
        come as plain values (`asked`), the latest stage once per local date, whether anyone
        answered once per episode, and only when a stage needs it."""
        out: list[Item] = []
        asked = self.asked(s)
        if not asked:
            return out
        ref = s.ref
        handled_series = self.history.series_to  # (series, holder) → the stages handled: most have none
        snoozed_until = self.inputs.snoozes.get(ref)
        for series, stages, since in self.owner_series(s):
            latest: dict[date, int | None] = {}
            silent_since: bool | None = None  # nobody answered since the episode's start
            silent_round: bool | None = None  # nobody answered in this month's round
            for holder, holder_key, target, target_key, today, tz, away in asked:
                i = latest.get(today, -1)
                if i == -1:
                    i = latest[today] = latest_stage(stages, today)
                if i is None:
                    continue
                handled = handled_series.get((series, holder_key))
                if handled is not None and any(st.name in handled for st in stages[i:]):
                    continue  # this step or a later one already went to them
                stage = stages[i]
                if stage.only_if_silent:
                    if silent_since is None:
                        silent_since = not s.answered_since(since)
                    if not silent_since:
                        continue
                if stage.rule == "pre_due":
                    if silent_round is None:
                        silent_round = not s.answered_since(self.round_answers_from)
                    if not silent_round:
                        continue  # answered in this month's round: a heads-up adds nothing; the due day still asks
                if snoozed_until is not None and today < snoozed_until:
                    continue
                if away:  # nobody can stand in for them
                    if self.policy.tell_lead_without_delegate:
                        out += self.cover_items(s, target, stage)
                    continue
                reason = stage.reason if target is holder else f"for {holder.name}, who is on leave: {stage.reason}"
                day_start = self._day_start.get((stage.day, tz))
                if day_start is None:
                    day_start = self._day_start[(stage.day, tz)] = self.cal.at(stage.day, MIDNIGHT, tz)
                out.append(
                    Item(
                        key=f"{series}:{stage.name}@{holder_key}",
                        series=series,
                        stage=stage.name,
                        kind="nudge",
                        recipient=target_key,
                        trigger=day_start,
                        rule=stage.rule,
                        reason=reason,
                        ref=ref,
                        owners=(holder_key,),
                    )
                )
        return out

    def cover_items(self, s: ActionState, owner, stage: Stage) -> list[Item]:
        """The owner is away with no delegate: tell the priority's lead officer, once per leave."""
        series = f"away:{s.ref}:{owner.key}:{owner.away_until.isoformat()}"
        reason = f"{owner.name} is on leave until {_d(owner.away_until)} with no delegate; {s.ref}: {stage.reason}"
        out = []
        for target in self.targets(s, ("priority_lead",), exclude={owner.key}, owners=[owner]):
            key = f"{series}:cover@{target}"
            if self.history.delivered(key):
                continue
            out.append(
                Item(
                    key=key,
                    series=series,
                    stage="cover",
                    kind="escalation",
                    recipient=target,
                    trigger=self.day_start(max(stage.day, owner.away_from or stage.day), target),
                    rule="leave.no_delegate",
                    reason=reason,
                    ref=s.ref,
                    owners=(owner.key,),
                    escalation="away",
                )
            )
        return out

    def targets(self, s: ActionState, to: tuple[str, ...], *, exclude: set[str], owners) -> list[str]:
        """Who hears an escalation: the priority's lead officer and/or the owners' managers, as
        configured; never an owner; someone on leave is replaced by their delegate or skipped.
        With nobody left: the owners' managers, then the SIT."""

        def usable(people) -> list[str]:
            found: dict[str, None] = {}
            for p in people:
                if p is None:
                    continue
                p = self.directory.stand_in(p, self.today)
                if p.key not in exclude and not on_leave(p, self.today):
                    found.setdefault(p.key)
            return list(found)

        leads = [
            p for role in self.priority_leads.get(s.action.priority_number, []) for p in self.directory.holders(role)
        ]
        managers = [self.directory.person(o.manager_key) for o in owners]
        chosen = usable((leads if "priority_lead" in to else []) + (managers if "manager" in to else []))
        return chosen or usable(managers) or [SIT]

    def escalation_items(self, s: ActionState) -> list[Item]:
        esc = self.escalation_for(s.action.priority_number)
        snoozed = self.snoozed(s.ref, self.today)
        found = self._escalations(s, esc, snoozed)
        if not found:
            return []
        holders, names, exclude = self.holders(s)
        out = []
        for series, trigger, why, reason in found:
            unreached = self.unreached_owners(s, holders, series)
            if unreached:
                reason += "; " + ", ".join(self.name_of(k) for k in unreached) + " could not be reached by the bot"
            key = (s.action.priority_number, s.lead_roles, tuple(esc.to))
            if key not in self._targets:  # the answer depends only on these (and the day)
                self._targets[key] = self.targets(s, esc.to, exclude=exclude, owners=holders)
            for target in self._targets[key]:
                if (series, target) in self.history.series_to:
                    continue
                out.append(
                    Item(
                        key=f"{series}:escalate@{target}",
                        series=series,
                        stage="escalate",
                        kind="escalation",
                        recipient=target,
                        trigger=trigger if isinstance(trigger, datetime) else self.day_start(trigger, target),
                        rule=f"escalation.{why}",
                        reason=reason,
                        ref=s.ref,
                        owners=names,
                        escalation=why,
                        unreached=tuple(unreached),
                    )
                )
        return out

    def name_of(self, key: str) -> str:
        person = self.directory.person(key)
        return person.name if person is not None else key

    def unreached_owners(self, s: ActionState, holders, escalation_series: str) -> list[str]:
        """The people (keys) whose latest ask in the episode escalated (the due date's, the
        round's; for Red, either) could not be delivered: no channel reaches them."""
        only = {"esc-due": "due:", "esc-round": "round:"}.get(escalation_series.split(":", 1)[0], "")
        out: dict[str, None] = {}
        for series, _stages, _since in self.owner_series(s):
            if not series.startswith(only):
                continue
            for holder in holders:
                ask = self.history.last_ask.get((series, holder.key))
                if ask is not None and ask[2]:
                    out.setdefault(ask[1])  # whoever was asked: the owner, or their delegate
        return list(out)

    def _escalations(self, s: ActionState, esc: Escalation, snoozed: bool):
        """(series, trigger day or instant, why, reason) for each escalation episode due now."""
        cal, h = self.cal, self.history
        found = []
        due = s.due
        if due is not None:
            due_series = f"due:{s.ref}:{due.isoformat()}"
            candidates = []
            if esc.overdue_working_days:
                day = cal.add_working_days(due, esc.overdue_working_days)
                if day <= self.today:
                    candidates.append((day, "overdue", f"{esc.overdue_working_days} working days overdue (due {_d(due)})"))
            if esc.on_silence and not snoozed and not self.answered_since(s, self.after_due(due)):
                last = self.due_stages(due)[-1]
                sent = h.stage_day.get((due_series, last.name))
                if sent is not None and last.only_if_silent:
                    day = cal.add_working_days(sent, esc.silence_working_days)
                    if day <= self.today:
                        candidates.append(
                            (day, "silence", f"no answer after {self.policy.chase_count} chase(s): was due {_d(due)}")
                        )
            if candidates:
                day, why, reason = min(candidates)
                found.append((f"esc-due:{s.ref}:{due.isoformat()}", day, why, reason))
        if esc.on_silence and not snoozed and self.policy.round_enabled and in_round(self.policy, s, self.round):
            r = self.round
            last = self.current_round_stages[-1]
            sent = h.stage_day.get((f"round:{s.ref}:{r.key}", last.name))
            since = self.round_answers_from
            if sent is not None and not self.answered_since(s, since):
                day = cal.add_working_days(sent, esc.silence_working_days)
                if day <= self.today:
                    reason = f"no update for {r.label} after {self.policy.chase_count} chase(s)"
                    found.append((f"esc-round:{s.ref}:{r.key}", day, "silence", reason))
        latest = s.latest
        if esc.on_red and latest is not None and latest.rag == "red":
            reason = f"marked Red on {_d(cal.local(utc_aware(latest.at), self.plan_tz).date())}"
            found.append((f"esc-red:{s.ref}:{latest.id}", utc_aware(latest.at), "red", reason))
        return found

    def readings_stages(self, r: Round) -> list[Stage]:
        key = ("readings", r)
        if key not in self._stages:
            self._stages[key] = readings_stages(self.policy, r)
        return self._stages[key]

    def owners_of_indicator(self, ind: IndicatorInput) -> list:
        """Its owner role's holders, else the performance officers (bot.indicators' rule); [] → the SIT."""
        if ind.owner_role not in self._indicator_owners:
            self._indicator_owners[ind.owner_role] = indicator_owners(self.directory, ind.owner_role)
        return self._indicator_owners[ind.owner_role]

    def reading_items(self) -> list[Item]:
        """Each owner's latest due step for every indicator still missing last month's reading.
        Items are keyed by the owner (the SIT when nobody owns it); an owner on leave is
        covered by the SIT, which may record any reading."""
        if not self.policy.readings_enabled or not self.inputs.indicators:
            return []
        r = current_readings_round(self.policy, self.today)
        period = reading_period(r)
        plan = self.state.plan
        if (plan.period_start and period.end < plan.period_start) or (
            plan.period_end and period.start > plan.period_end
        ):
            return []  # a month outside the plan has no readings to give
        stages = self.readings_stages(r)
        out = []
        for ind in self.inputs.indicators:
            if period.key in ind.read:
                continue
            series = f"kpi:{ind.code}:{period.key}"
            for holder in self.owners_of_indicator(ind) or [None]:
                owner = holder.key if holder is not None else SIT
                away = holder is not None and on_leave(holder, self.today)
                target = SIT if away else owner
                i = latest_stage(stages, self.local_today(target))
                if i is None or self._handled(series, stages, i, owner):
                    continue
                stage = stages[i]
                out.append(
                    Item(
                        key=f"{series}:{stage.name}@{owner}",
                        series=series,
                        stage=stage.name,
                        kind="reading",
                        recipient=target,
                        trigger=self.day_start(stage.day, target),
                        rule=stage.rule,
                        reason=f"for {holder.name}, who is on leave: {stage.reason}" if away else stage.reason,
                        owners=(owner,),
                        indicator=ind.code,
                    )
                )
        return out

    def digest_items(self) -> list[Item]:
        p, cal, out = self.policy, self.cal, []
        if p.weekly_enabled:
            week_start = self.today - timedelta(days=self.today.weekday())
            day = cal.next_working_day(week_start + timedelta(days=p.weekly_day))
            if day <= self.today:
                iso = week_start.isocalendar()
                key = f"digest:weekly:{iso.year}-W{iso.week:02d}"
                out.append(
                    self._sit_item(
                        key,
                        "weekly",
                        "digest",
                        cal.at(day, p.weekly_time, self.plan_tz),
                        "digest.weekly",
                        f"weekly summary, week of {_d(week_start)}",
                    )
                )
        if p.monthly_report_enabled and p.round_enabled and self.round.closes <= self.today:
            r = self.round
            key = f"report:{r.key}"
            trigger = cal.at(r.closes, p.monthly_report_time, self.plan_tz)
            out.append(
                self._sit_item(
                    key,
                    "report",
                    "report",
                    trigger,
                    "digest.monthly_report",
                    f"highlight report for {r.label}: the round closed {_d(r.deadline)}",
                )
            )
        return [i for i in out if i.key not in self.history.messages]

    def _sit_item(self, key: str, stage: str, kind: str, trigger: datetime, rule: str, reason: str) -> Item:
        return Item(
            key=key, series=key, stage=stage, kind=kind, recipient=SIT, trigger=trigger, rule=rule, reason=reason
        )
