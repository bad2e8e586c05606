"""The conversation core: one neutral request in, one reply out, for every channel.

Each request is one database transaction: who is asking, the plan's state now, then either a
status query (read-only) or updates (checked whole, then written). Handlers never decide
business rules; they translate and render.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot import identity, plans, proposals, report_chat, status, updates
from bot.board_access import BoardLinks
from bot.channel_setup import acting_role
from bot.nudges import nudge_view
from bot.outage import is_database_outage, unavailable_notice
from bot.parsing import (
    UPDATE_HINT,
    StatusQuery,
    UpdateIntent,
    looks_like_update,
    message_is_update,
    parse_status,
    parse_updates,
    strip_command,
)
from bot.plan_state import NotKept, PlanState, StateCache, load_state
from bot.policy import Policy, default_policy
from bot.requests import ChatRequest, MalformedRequest, Reply, clean_request
from bot.rounds import offers_no_change
from bot.typed_command import typed
from bot.views import ConfirmationView, NoticeView, RecordedLine, UpdateFormView
from domain.clock import Clock
from domain.vocabulary import RAG, canonical_action_id, note_problem, parse_rag
from storage import repo
from storage.db import QuickLane, session_scope
from storage.models import ActionUpdate

log = logging.getLogger(__name__)
LANE_OUTAGE_LOG_EVERY = timedelta(minutes=1)  # see `Core._note_lane_outage`

# What a channel may do inside a request's own transaction once the answer is known, with the
# person the core resolved: read what it must check about them (e.g. whether the conversation
# reference it keeps for them is still the one stored), so one turn is one transaction rather
# than one for the core and more for the channel's own reads. It only reads: anything it finds
# to write, the channel writes after the transaction, so its write can never undo the answer's.
Alongside = Callable[[Session, identity.Actor, datetime], None]


def _text_commands() -> tuple:
    """Commands beyond status and updates (snooze, away, kpi, iam …), each in its own module.

    A handler takes (turn, text) and returns a Reply, or None when the text is not its command.
    """
    from bot.commands import TEXT_COMMANDS  # imported late: those modules use this one's Turn

    return TEXT_COMMANDS


@dataclass
class Core:
    engine: Engine
    clock: Clock
    plan_key: str | None = None
    policy: Policy = field(default_factory=default_policy)  # the runtime passes the configured one
    states: StateCache = field(default_factory=StateCache, repr=False)
    kept_plans: plans.KeptPlans = field(default_factory=plans.KeptPlans, repr=False)
    board: BoardLinks | None = None  # where the board's web view is and how its links are signed (`board` in chat)
    # the same database, reached without blocking the event loop (`storage.db.quick_lane`):
    # `answer_at_once` needs one, so without it (an in-memory SQLite) every request takes `handle`
    quick_lane: QuickLane | None = field(default=None, repr=False)
    _lane_outage_logged: datetime | None = field(default=None, init=False, repr=False)

    def handle(self, request: ChatRequest, *, alongside: Alongside | None = None) -> Reply:
        """One request, one transaction. When the database cannot be reached the transaction
        never commits, and the person is told exactly that, on every channel alike.

        `alongside` (see `Alongside`) runs in the same transaction after the answer."""
        try:
            request = clean_request(request)
        except MalformedRequest as exc:
            return Reply([NoticeView(f"I can't read that request ({exc}); nothing was recorded.", "error")])
        try:
            return self._handle(request, alongside)
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            log.warning("database unavailable: answered a %s with 'nothing was recorded'", request.kind)
            return Reply([unavailable_notice()])

    async def answer_at_once(self, request: ChatRequest) -> Reply | None:
        """The reply to a question answered from what the core keeps, or None: then the caller
        asks `handle`, which may take as long as it needs.

        A channel awaits this on its event loop, where nothing may block (the acks of every
        other request wait there), and calls `handle` in a worker thread when it gets None.
        Handing a request to a thread costs more than answering it: at every database call the
        thread and the loop pass Python's lock to each other (on a 2-core machine, 22 context
        switches and two thirds of a Slack answer's CPU). So a request is answered here only
        when it cannot be slow:

        - it is a typed status question whose view the core keeps (`status`, `status help`,
          `status priority N`: `QUICK_QUESTIONS`), nothing else, and that view is already
          computed for the kept state (`status.costs_nothing`);
        - the plan's state is kept for the database as it is now (`StateCache`; the first
          question after a change reads it again, in `handle`);
        - the database is reached through the quick lane (`storage.db.quick_lane`), which never
          blocks the loop: on a SQLite file no statement waits for a lock (when another
          connection is writing, the claim of the request's `once_key` fails at once, nothing is
          written and `handle` waits its turn); on PostgreSQL every round trip is awaited.

        Whether a request is such a question is told from its words alone, before the database
        is touched (`_asks_a_kept_question`; so is an account that comes with an email to match,
        which `handle` may link). A question whose state or view is not kept yet, or that meets a
        lock, is refused after its first reads, with nothing written and nothing the core keeps
        changed. The answer, its claim and its transaction are `handle`'s own, so the reply is
        the same either way."""
        lane = self.quick_lane
        if lane is None:
            return None
        try:
            request = clean_request(request)
        except MalformedRequest:
            return None  # `handle` says what is wrong with it
        if not _asks_a_kept_question(request):
            return None
        # What is answered here only reads what the core keeps, so a rollback (a refusal, a
        # replay, a lock) leaves it all true: nothing to forget, unlike `_handle`.
        try:
            return await lane.run(lambda bind: self._transaction(request, None, bind))
        except (NotKept, _NotQuick):
            return None
        except _Replayed:
            log.info("%s was handled before: this replay is dropped", request.once_key)
            return Reply([], already_handled=True)
        except Exception as exc:
            if is_database_outage(exc):  # a lock another connection holds, a dropped connection
                self._note_lane_outage(lane, exc)
                return None  # `handle` waits for it, or answers "unavailable"
            self.forget()
            raise

    def _note_lane_outage(self, lane: QuickLane, exc: Exception) -> None:
        """Say, at most once a minute, that the quick lane could not reach the database: each
        such question then costs a failed try before `handle`, which a log should show (a
        lane that can never connect would otherwise be silent). A warning unless the lane says
        such refusals are part of its work (`QuickLane.refusals_are_usual`)."""
        now = self.clock.now()
        if self._lane_outage_logged is not None and now - self._lane_outage_logged < LANE_OUTAGE_LOG_EVERY:
            return
        self._lane_outage_logged = now
        log.log(
            logging.INFO if lane.refusals_are_usual else logging.WARNING,
            "the quick lane could not reach the database (%s); questions go to handle",
            type(exc).__name__,
        )

    def _handle(self, request: ChatRequest, alongside: Alongside | None) -> Reply:
        try:
            return self._transaction(request, alongside, None)
        except _Replayed:
            self.forget()
            log.info("%s was handled before: this replay is dropped", request.once_key)
            return Reply([], already_handled=True)
        except BaseException:
            self.forget()
            raise

    def _transaction(
        self, request: ChatRequest, alongside: Alongside | None, quick_bind: Engine | Connection | None
    ) -> Reply:
        """`quick_bind`: what the quick lane gives `answer_at_once`, which only answers kept
        views; None for `handle`, on the main engine."""
        quick = quick_bind is not None
        with session_scope(quick_bind or self.engine) as session:
            now = self.clock.now()
            # the version before anything is written (see StateCache), with who is asking when
            # they write from a chat account (one statement for both)
            who = request.identity
            if who.channel == "terminal":
                version, linked = repo.trail_version(session), identity.NOT_LOOKED_UP
            else:
                version, linked = repo.version_and_person_by_chat_id(session, who.channel, who.user_id)
            request = _with_chosen_role(session, request)
            actor = identity.resolve(session, request.identity, now, linked=linked)
            reply = self._reply(session, request, actor, now, version, quick=quick)
            if alongside is not None:
                alongside(session, actor, now)
            # The claim comes last: on SQLite a question then holds the database's one write
            # lock only for the claim's insert and commit, never while it is answered (a cold
            # read of a large plan would make every click and the scheduler wait). A replay is
            # answered in full and rolled back here; two copies in flight at once still record
            # once (the second insert waits for the first's commit, then finds the key).
            if request.once_key is not None and not repo.mark_seen(session, request.once_key, now):
                raise _Replayed
            return reply

    def forget(self) -> None:
        """Drop the kept states and plans after a request whose transaction rolled back: it may
        have kept a state it read and then changed in memory (an approved date), which the
        rollback undid in the database only. The next request reads them again."""
        self.states.clear()
        self.kept_plans.clear()

    def _reply(
        self, session: Session, request: ChatRequest, actor: identity.Actor, now: datetime, version, *, quick: bool
    ) -> Reply:
        """The answer, inside `_handle`'s transaction; `quick`: only from kept views (`answer_at_once`)."""
        typed_text = request.kind not in ("button", "form")
        text = strip_command(request.text) if typed_text else ""  # `/actionbot status p4`, `/actionbot p4`
        named = plans.address(session, text) if typed_text else None
        refs = card_refs(request)
        live = self.kept_plans.live(session, version)
        try:
            plan = plans.plan_for(session, actor, self.plan_key, named.key if named else request.plan_key, refs, live)
        except repo.NoPlanError as exc:
            if quick:
                raise _NotQuick from None  # the notice is `handle`'s to give
            return Reply([NoticeView(str(exc), "warning" if named or refs else "error")])
        state = self.states.state(session, plan, now, version, kept_only=quick)
        ctx = Turn(session, state, actor, request, now, self.policy, self.board)
        if request.kind in ("button", "form"):  # never quick: `_asks_a_kept_question`
            return ctx.submission()
        reply = self._answer(ctx, named.text if named else text, quick=quick)
        label = plans.plan_line(session, plan, live) if not plans.is_plans_command(text) else None
        if label is not None:
            reply.views.insert(0, label)
        return reply

    def _answer(self, ctx: Turn, text: str, *, quick: bool) -> Reply:
        """A typed request (not a button or form) against the plan it is about. The questions
        answered from kept views come first, whichever way the request came (`answer_at_once`)."""
        request = ctx.request
        query = _status_query(request, text)
        if query is not None and query.what in QUICK_QUESTIONS:
            if quick and not status.costs_nothing(ctx.state, query.what, query.arg):
                raise _NotQuick  # computed once per state, in `handle`
            return ctx.status(query)
        if quick:
            raise _NotQuick
        for extra in _text_commands():
            reply = extra(ctx, text)
            if reply is not None:
                return reply
        if query is not None:
            return ctx.status(query)
        if looks_like_update(request.text):
            return ctx.updates(request.text)
        if request.kind == "command":
            return Reply([NoticeView(f"I don't know `{typed('status ' + text)}`.", "warning"), status.HELP])
        return Reply(
            [NoticeView(f"I didn't understand that. Try `{typed('status help')}`.\n" + UPDATE_HINT, "info")]
        )


# The status questions whose views the plan's state keeps (`PlanState.derived`), so that their
# answer costs the same at any size of plan: what `Core.answer_at_once` answers.
QUICK_QUESTIONS = frozenset({"help", "summary", "priority"})


def _status_query(request: ChatRequest, text: str) -> StatusQuery | None:
    """`text` as a status query, unless it is a message that reads as an update
    (`message_is_update`: a RAG word alone in a nudge's thread answers the nudge)."""
    query = parse_status(text)
    if query is not None and request.kind == "message" and message_is_update(request.text, request.thread_refs):
        return None
    return query


def _asks_a_kept_question(request: ChatRequest) -> bool:
    """From the request alone, no database: a typed question of `QUICK_QUESTIONS`, as itself or
    addressed to a plan (`priority 4 in yj`), from an account that brings no email (`handle`
    may match an unlinked one to the directory by its email, and link it)."""
    if request.kind not in ("command", "message") or request.identity.email:
        return False
    text = strip_command(request.text)
    named = plans.addressed(text)
    for candidate in (text, named.text if named else None):
        query = _status_query(request, candidate) if candidate is not None else None
        if query is not None and query.what in QUICK_QUESTIONS:
            return True
    return False


class _NotQuick(Exception):
    """Raised inside `Core.answer_at_once`'s transaction, after its reads and before anything is
    written or computed, for what it leaves to `handle`: a view not yet computed for the kept
    state, or (past `_asks_a_kept_question`, as a second guard) anything but `QUICK_QUESTIONS`."""


class _Replayed(Exception):
    """Raised inside a request's transaction when its `once_key` was seen before: everything the
    replay wrote is rolled back (`storage.db.discard`) and nothing is answered."""


def _with_chosen_role(session: Session, request: ChatRequest) -> ChatRequest:
    """In local development mode (`extra["dev_mode"]`), the role the person chose with `iam`
    (`bot.channel_setup`), read here, in the request's transaction, rather than by the channel
    in one of its own."""
    who = request.identity
    if who.as_role is not None or not request.extra.get("dev_mode"):
        return request
    role = acting_role(session, who.channel, who.user_id, dev_mode=True)
    return request if role is None else replace(request, identity=replace(who, as_role=role))


def card_refs(request: ChatRequest) -> tuple[str, ...]:
    """The actions a button, form or update typed in a nudge's thread is about (canonical ids),
    which say which plan it belongs to (`bot.plans.plan_for`)."""
    if request.kind in ("button", "form"):
        raw = (request.action_ref, *request.thread_refs)
    elif request.thread_refs and looks_like_update(request.text):
        raw = request.thread_refs
    else:
        return ()
    return tuple(dict.fromkeys(r for r in (canonical_action_id(x) for x in raw if isinstance(x, str)) if r))


@dataclass
class Turn:
    """One request inside its transaction: what the status, update and text-command handlers
    (`bot.commands.TEXT_COMMANDS`) work from."""

    session: Session
    state: PlanState
    actor: identity.Actor
    request: ChatRequest
    now: datetime
    policy: Policy = field(default_factory=default_policy)
    board: BoardLinks | None = None

    def status(self, q: StatusQuery) -> Reply:
        s, state = self.session, self.state
        if q.what == "help":
            return Reply([status.HELP])
        if q.what == "summary":
            return Reply([status.plan_summary(state)], private=not q.share)
        if q.what == "priority":
            if not q.arg.isdigit():
                return Reply(
                    [
                        NoticeView(
                            f"I don't know priority {q.arg!r}: use a number, e.g. `{typed('status priority 4')}`.",
                            "warning",
                        )
                    ]
                )
            return Reply([status.priority_status(state, int(q.arg))], private=not q.share)
        if q.what == "action":
            return Reply([status.action_detail(s, state, q.arg, self.actor)], private=not q.share)
        if q.what in ("approve", "reject"):
            text = updates.decide_date(s, state, self.actor, q.arg, q.what == "approve", self.now, q.reason)
            return Reply([NoticeView(text)])
        if q.what == "proposals":
            return Reply([proposals.proposals_view(state, self.actor)], private=not q.share)
        if q.what == "trend":
            return Reply([report_chat.trend_view(s, state, self.now)], private=not q.share)
        return Reply([status.query_list(s, state, q, self.actor)], private=not q.share)

    def updates(self, text: str) -> Reply:
        intents, bad = parse_updates(text, self.request.thread_refs)
        if bad:
            lines = "\n".join(f"• `{b.line}`: {b.reason}" for b in bad)
            return Reply([NoticeView(f"Nothing was recorded.\n{lines}\n\n{UPDATE_HINT}", "warning")])
        return self._record(intents)

    def submission(self) -> Reply:
        """A button or form: every value in the payload is checked here, on the server, as if
        typed by a stranger. The action must be in the id grammar and, when the card or modal
        named its actions (`thread_refs`), one of them; the RAG value one of ours; the note and
        the date go through the same checks as a typed update (`updates.check`). A form's
        refusal keeps the field it is about, so the form shows it beside that input."""
        r = self.request
        ref = canonical_action_id(r.action_ref)
        if ref is None:
            text = f"{updates.shown(r.action_ref)} is not an action id; nothing was recorded."
            return Reply([NoticeView(text, "warning")])
        card_refs = tuple(canonical_action_id(x) for x in r.thread_refs)
        if None in card_refs:
            text = "This card names something that is not an action; nothing was recorded."
            return Reply([NoticeView(text, "warning")])
        if card_refs and ref not in card_refs:
            return Reply([NoticeView(f"This card is not about {ref}; nothing was recorded.", "warning")])
        action_state = self.state.action(ref)
        if action_state is None:
            return Reply([status.unknown_action(self.state, ref)])
        if not identity.may_update(self.session, self.actor, action_state.action):
            return Reply([NoticeView(identity.refusal(self.session, action_state.action), "warning")])
        refs = tuple(c for c in card_refs if c is not None)
        text = action_state.action.text
        rag: RAG | None = None
        if r.rag:
            rag = parse_rag(r.rag)
            if rag is None:
                if r.kind == "form":
                    return Reply([UpdateFormView(ref, text, None, updates.not_a_rag(r.rag), refs, "rag")])
                return Reply([NoticeView(updates.not_a_rag(r.rag) + " Nothing was recorded.", "warning")])
        note = (r.note or "").strip()
        # A button whose update would be refused (Amber/Red without a reason, Completed without
        # evidence: `note_problem`) opens the form instead of recording.
        if r.kind == "button" and (rag is None or note_problem(rag, note) is not None):
            return Reply([UpdateFormView(ref, text, rag.value if rag else None, thread_refs=refs)])
        if rag is None:
            return Reply([UpdateFormView(ref, text, None, "Choose a RAG status.", refs, "rag")])
        intent = UpdateIntent(
            ref=ref,
            rag=rag.value,
            note=note,
            proposed_date=(r.proposed_date or "").strip() or None,
            line=f"{ref} {rag.value} {note}".strip(),
        )
        ok, rejected = updates.check(self.session, self.state, self.actor, [intent])
        if rejected:
            if r.kind == "form":
                return Reply([UpdateFormView(ref, text, rag.value, rejected[0].reason, refs, rejected[0].field)])
            return Reply([NoticeView(rejected[0].reason, "warning")])
        written = updates.record(self.session, self.actor, ok, self.now, self.request.identity.channel)
        return self._confirm(written, replace=True)

    def _record(self, intents: list[UpdateIntent]) -> Reply:
        ok, rejected = updates.check(self.session, self.state, self.actor, intents)
        if rejected:
            lines = "\n".join(f"• `{x.line}`: {x.reason}" for x in rejected)
            return Reply([NoticeView(f"Nothing was recorded.\n{lines}", "warning")])
        written = updates.record(self.session, self.actor, ok, self.now, self.request.identity.channel)
        return self._confirm(written, replace=False)

    def _confirm(self, written: list[ActionUpdate], replace: bool) -> Reply:
        by_id = {a.action.id: a.ref for a in self.state.actions}
        lines = tuple(RecordedLine(by_id[u.action_id], u.rag, u.note, u.proposed_due) for u in written)
        refreshed = load_state(self.session, self.state.plan, self.now)
        views: list = [ConfirmationView(lines)]
        if replace and self.request.thread_refs:
            states = [s for ref in self.request.thread_refs if (s := refreshed.action(ref)) is not None]
            recorded = {ln.ref: f"{ln.rag.title()}" + (f": {ln.note}" if ln.note else "") for ln in lines}
            name = self.actor.person.name if self.actor.person else ""
            no_change = offers_no_change(self.policy, states)
            views = [nudge_view(name, states, recorded=recorded, no_change=no_change), ConfirmationView(lines)]
        return Reply(views, replace_original=replace, recorded=list(written))
