"""A Teams activity → one `ChatRequest` → the core → an Adaptive Card back. No SDK imports here.

What arrives (as Activity JSON, through `handlers.teams.sdk.SdkTurn`):
  - a message typed in a personal chat, or with an @mention in a channel (`<at>…</at>` removed);
  - an `Action.Submit` from one of our cards: a message whose `value` holds the button's data
    and the card's inputs; a recorded answer replaces the card (update_activity);
  - an `Action.Execute` (Universal Action): an invoke `adaptiveCard/action`; the refreshed card
    goes back in the invoke response and Teams swaps it in place;
  - conversationUpdate / installationUpdate: the app was added (remember the conversation,
    say hello) or removed (the stored reference is marked failed, so `people check` shows it).

Every incoming activity also stores or refreshes the conversation reference used for
proactive messages (`handlers.teams.addresses`).

A turn is one transaction and one trip off the event loop: the core's (`Core.handle`), which
also reads, alongside its answer, whether the stored reference is still this one
(`ReferenceCheck`); only a new or changed reference is written, after it, in a second one.
Who is asking needs no transaction of its own either: a Teams user id once found linked to a
person is remembered for `KNOWN_SECONDS` (`bot.identity.resolve` in the core still decides
who they are; the memo only saves looking for an email the core will not need).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session

from bot import identity as identity_mod
from bot.channel_setup import acting_role, may_choose_role
from bot.identity import Actor
from bot.outage import is_database_outage
from bot.requests import ChatRequest, Identity, Reply
from bot.runtime import Runtime
from bot.views import UpdateFormView
from bot.welcome import welcome
from bot.wordings import NOT_OUR_BUTTON
from cards import adaptive
from cards.text import render_all
from handlers.teams import addresses
from handlers.teams.settings import teams_settings
from storage import repo
from storage.db import session_scope

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


class Turn(Protocol):
    """What `handlers.teams.sdk.SdkTurn` offers (so this module never imports the SDK)."""

    @property
    def activity(self) -> dict[str, Any]: ...

    @property
    def reference(self) -> dict[str, Any]: ...

    async def send(self, activity: dict[str, Any]) -> str: ...

    async def update(self, activity_id: str, activity: dict[str, Any]) -> None: ...

    async def respond_to_card_action(self, body: dict[str, Any]) -> None: ...

    async def member(self, user_id: str) -> dict[str, Any] | None: ...


def message_text(activity: dict[str, Any]) -> str:
    """The typed text without @mentions or HTML (Teams sends `<at>actionbot</at> status p4`)."""
    text = activity.get("text") or ""
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text.replace("<br>", "\n").replace("<br/>", "\n"))
    lines = [" ".join(line.split()) for line in html.unescape(text).splitlines()]
    return "\n".join(line for line in lines if line)


class TeamsBot:
    """The Teams conversation: thin translation around `rt.core.handle`."""

    KNOWN_SECONDS = 300.0  # how long a user id found linked is taken as still linked
    KNOWN_KEEP = 4096  # a bound on the memo, not a limit on users

    def __init__(self, rt: Runtime, *, monotonic: Callable[[], float] = time.monotonic):
        self.rt = rt
        self.dev_mode = not teams_settings(rt).teams_authenticated
        self._monotonic = monotonic
        self._known: dict[str, float] = {}  # Teams user id → until when it counts as linked

    async def on_turn(self, turn: Turn) -> None:
        activity = turn.activity
        kind = activity.get("type")
        if kind == "message":
            await self._message(turn, activity)
        elif kind == "invoke" and activity.get("name") == "adaptiveCard/action":
            await self._execute(turn, activity)
        elif kind in ("conversationUpdate", "installationUpdate"):
            await self._installation(turn, activity)
        else:
            log.debug("Teams activity %s ignored", kind)

    # ------------------------------------------------------------ messages and card answers

    async def _core(self, turn: Turn, activity: dict[str, Any], request: ChatRequest) -> Reply:
        """The core's answer, and the conversation reference checked in the same transaction;
        a reference that is new or changed is written after it (`_remember`). The database work
        runs off the event loop, so one slow query never stalls the other conversations (or
        Slack, which shares this server)."""
        check = ReferenceCheck.of(turn, activity, request, dev_mode=self.dev_mode)
        reply = await asyncio.to_thread(self.rt.core.handle, request, alongside=check)
        if check.stale:
            await asyncio.to_thread(self._remember, turn, activity, request.identity)
        return reply

    async def _command_button(self, turn: Turn, activity: dict[str, Any], command: str) -> Reply:
        """A Sign off, Approve, Reject or Reopen button: the same text command as typed (the core checks
        who may, and the reopen reason typed in the card)."""
        who = await self.identity(turn, activity)
        request = ChatRequest(identity=who, text=command, kind="command", extra=self._extra(None, activity))
        return await self._core(turn, activity, request)

    async def _no_change(self, turn: Turn, activity: dict[str, Any]) -> Reply:
        """"No change on the rest": the same `no change` text command as typed."""
        who = await self.identity(turn, activity)
        request = ChatRequest(identity=who, text="no change", kind="command", extra=self._extra(None, activity))
        return await self._core(turn, activity, request)

    async def _message(self, turn: Turn, activity: dict[str, Any]) -> None:
        command = adaptive.parse_command_button(activity.get("value"))
        if command is not None:
            await turn.send(adaptive.message_activity((await self._command_button(turn, activity, command)).views))
            return
        if adaptive.is_no_change(activity.get("value")):
            await turn.send(adaptive.message_activity((await self._no_change(turn, activity)).views))
            return
        action = adaptive.parse_card_action(activity.get("value"))
        if action is not None:
            who = await self.identity(turn, activity)
            reply = await self._core(turn, activity, self._form_request(who, activity, action))
            replaced = activity.get("replyToId")
            if reply.replace_original and replaced:
                await turn.update(replaced, adaptive.message_activity(reply.views))
            else:
                await turn.send(adaptive.message_activity(reply.views))
            return
        text = message_text(activity)
        who = await self.identity(turn, activity)
        if not text:
            await asyncio.to_thread(self._remember, turn, activity, who)
            return
        extra = self._extra(turn, activity)
        shared = not addresses.is_personal(activity)  # a team channel or group chat reads the answer
        reply = await self._core(
            turn, activity, ChatRequest(identity=who, text=text, kind="message", extra=extra, shared=shared)
        )
        await turn.send(adaptive.message_activity(reply.views))

    async def _execute(self, turn: Turn, activity: dict[str, Any]) -> None:
        value = activity.get("value")
        action_json = value.get("action") if isinstance(value, dict) else None
        action_json = action_json if isinstance(action_json, dict) else {}
        button_data = action_json.get("data")
        data = {**(button_data if isinstance(button_data, dict) else {}), "verb": action_json.get("verb")}
        command = adaptive.parse_command_button(data)
        if command is not None:
            reply = await self._command_button(turn, activity, command)
            await turn.respond_to_card_action(adaptive.invoke_message_response(render_all(reply.views)))
            return
        if adaptive.is_no_change(data):
            reply = await self._no_change(turn, activity)
            await turn.respond_to_card_action(adaptive.invoke_message_response(render_all(reply.views)))
            return
        action = adaptive.parse_card_action(data)  # None for anything not shaped like our cards
        if action is None:
            await turn.respond_to_card_action(adaptive.invoke_message_response(NOT_OUR_BUTTON))
            return
        who = await self.identity(turn, activity)
        reply = await self._core(turn, activity, self._form_request(who, activity, action))
        if reply.replace_original or any(isinstance(v, UpdateFormView) for v in reply.views):
            await turn.respond_to_card_action(adaptive.invoke_card_response(reply.views))
        else:
            await turn.respond_to_card_action(adaptive.invoke_message_response(render_all(reply.views)))

    def _form_request(self, who: Identity, activity: dict[str, Any], action: adaptive.CardAction) -> ChatRequest:
        return ChatRequest(
            identity=who,
            kind="form",
            action_ref=action.ref,
            rag=action.rag,
            note=action.note,
            proposed_date=action.proposed_date or None,
            thread_refs=action.refs,
            extra=self._extra(None, activity),
        )

    def _extra(self, turn: Turn | None, activity: dict[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any] = {"dev_mode": self.dev_mode}
        if turn is not None and not addresses.is_personal(activity):
            extra["conversation_address"] = addresses.conversation_data(
                addresses.proactive_reference(turn.reference), addresses.describe_conversation(activity)
            )
        return extra

    # ------------------------------------------------------------ install / uninstall

    async def _installation(self, turn: Turn, activity: dict[str, Any]) -> None:
        """Remember the conversation; greet once when the bot itself was added (Teams also sends an
        installationUpdate on install, which is only remembered, so the greeting is not doubled)."""
        bot_id = (activity.get("recipient") or {}).get("id")
        added = [m.get("id") for m in activity.get("membersAdded") or []]
        removed = [m.get("id") for m in activity.get("membersRemoved") or []]
        action = (activity.get("action") or "").lower()
        conversation_id = addresses.describe_conversation(activity)["conversation_id"]
        if action.startswith("remove") or (bot_id and bot_id in removed):
            await asyncio.to_thread(self._uninstalled, activity, conversation_id)
            return
        who = await self.identity(turn, activity)
        await asyncio.to_thread(self._remember, turn, activity, who)
        if activity.get("type") == "conversationUpdate" and bot_id and bot_id in added:
            views = await asyncio.to_thread(self._welcome, activity, who)
            await turn.send(adaptive.message_activity(views))

    def _welcome(self, activity: dict[str, Any], who: Identity) -> list[Any]:
        """The core decides the greeting (`bot.welcome`); this only says whether it is a 1:1 chat."""
        with session_scope(self.rt.engine) as session:
            who = replace(who, as_role=acting_role(session, "teams", who.user_id, dev_mode=self.dev_mode))
            return welcome(
                session, who, self.rt.clock.now(), personal=addresses.is_personal(activity), dev_mode=self.dev_mode
            )

    def _uninstalled(self, activity: dict[str, Any], conversation_id: str) -> None:
        with session_scope(self.rt.engine) as session:
            keys = addresses.mark_conversation_failed(
                session, conversation_id, "the Teams app was removed from this conversation", self.rt.clock.now()
            )
        log.info("Teams app removed from %s: marked %s unreachable", conversation_id, ", ".join(keys) or "nothing")

    # ------------------------------------------------------------ who is talking, and how to reach them again

    async def identity(self, turn: Turn, activity: dict[str, Any]) -> Identity:
        """The platform identity: Teams user id, and an email from Teams when we don't know them
        yet. In development mode the role chosen with `iam` is added by the core, in its
        transaction (`ChatRequest.extra["dev_mode"]`); `_remember` and `_welcome` read it here."""
        sender = activity.get("from") or {}
        user_id = sender.get("id") or ""
        email = sender.get("email") or None
        display_name = sender.get("name") or None
        if email or self._is_known(user_id):
            return Identity(channel="teams", user_id=user_id, email=email, display_name=display_name)
        try:
            known, email = await asyncio.to_thread(self._lookup, user_id, sender.get("aadObjectId"))
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            # the core will answer "temporarily unavailable, nothing was recorded"
            return Identity(channel="teams", user_id=user_id, email=email, display_name=display_name)
        if known:
            self._learn_known(user_id)
        elif not email:
            profile = await turn.member(user_id) or {}
            email = profile.get("email") or _upn_email(profile.get("userPrincipalName"))
        return Identity(channel="teams", user_id=user_id, email=email, display_name=display_name)

    def _lookup(self, user_id: str, aad_object_id: str | None) -> tuple[bool, str | None]:
        """Is this Teams user linked to a person; if not, the email of the directory entry with
        their Entra (AAD) object id, if any."""
        with session_scope(self.rt.engine) as session:
            if repo.person_by_chat_id(session, "teams", user_id) is not None:
                return True, None
            return False, _email_by_aad(session, aad_object_id)

    def _is_known(self, user_id: str) -> bool:
        until = self._known.get(user_id)
        return until is not None and self._monotonic() < until

    def _learn_known(self, user_id: str) -> None:
        if len(self._known) >= self.KNOWN_KEEP:
            self._known.clear()
        self._known[user_id] = self._monotonic() + self.KNOWN_SECONDS

    def _remember(self, turn: Turn, activity: dict[str, Any], who: Identity) -> None:
        """Store the reference for proactive messages: the person's personal chat, or the channel.
        With the database down it is skipped: the next activity from them stores it."""
        try:
            self._store_reference(turn, activity, who)
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            log.warning("Teams: the database is unavailable; the conversation reference was not refreshed")

    def _store_reference(self, turn: Turn, activity: dict[str, Any], who: Identity) -> None:
        now = self.rt.clock.now()
        described = addresses.describe_conversation(activity)
        reference = addresses.proactive_reference(turn.reference)
        with session_scope(self.rt.engine) as session:
            if described["conversation_id"] and reference.get("serviceUrl"):
                addresses.refresh_service_url(session, described["conversation_id"], reference["serviceUrl"], now)
            if described["conversation_type"] == "personal":
                # this turn may have been `iam ROLE`: resolve with the role as it is now
                who = replace(who, as_role=acting_role(session, "teams", who.user_id, dev_mode=self.dev_mode))
                actor = identity_mod.resolve(session, who, now)
                if actor.person is not None:
                    data = personal_chat_data(reference, described, who)
                    if addresses.remember(session, addresses.person_key(actor.person.key), data, now):
                        log.info("Teams: stored the personal chat of %s", actor.person.key)
            elif described["conversation_id"]:
                data = addresses.conversation_data(reference, described)
                addresses.remember(session, addresses.conversation_key(described["conversation_id"]), data, now)


def personal_chat_data(reference: dict[str, Any], described: dict[str, Any], who: Identity) -> dict[str, Any]:
    """What is stored for a person's personal chat with the bot (`person:<key>`)."""
    return {
        "reference": reference,
        "user_id": who.user_id,
        "name": who.display_name or "",
        "acting_role": who.as_role or "",
        **{k: described[k] for k in ("conversation_id", "tenant_id")},
    }


@dataclass
class ReferenceCheck:
    """Run by the core alongside its answer (`bot.conversation.Alongside`): is the reference
    stored for this conversation exactly the one this activity gives, and not marked failed?
    It only reads; `stale` tells the bot to write it (`TeamsBot._store_reference`) after the
    transaction.

    Reading the stored address (one row, by its key) decides for the service URL too: every
    address of a conversation is refreshed together (`addresses.refresh_service_url`), so an
    unchanged address means an unchanged service URL. A personal chat whose person the core
    could not resolve stores nothing, exactly as `_store_reference` would not."""

    reference: dict[str, Any]
    described: dict[str, Any]
    who: Identity
    dev_mode: bool
    may_choose_role: bool  # the text could be `iam …`: the role is read again after the answer
    stale: bool = True  # until checked: a transaction that failed checked nothing

    @classmethod
    def of(cls, turn: Turn, activity: dict[str, Any], request: ChatRequest, *, dev_mode: bool) -> ReferenceCheck:
        reference = addresses.proactive_reference(turn.reference)
        described = addresses.describe_conversation(activity)
        return cls(reference, described, request.identity, dev_mode, dev_mode and may_choose_role(request.text))

    def __call__(self, session: Session, actor: Actor, now: datetime) -> None:
        described = self.described
        if not described["conversation_id"]:
            self.stale = False
            return
        if described["conversation_type"] != "personal":
            key = addresses.conversation_key(described["conversation_id"])
            self.stale = not addresses.is_stored(session, key, addresses.conversation_data(self.reference, described))
            return
        role = actor.acting_role  # what the core read at the start of this transaction
        if self.may_choose_role:  # this turn may have been `iam ROLE`: the role as it is now
            role = acting_role(session, "teams", self.who.user_id, dev_mode=self.dev_mode)
        if role != actor.acting_role:
            self.stale = True  # a new role may be a new person: `_store_reference` resolves again
            return
        if actor.person is None:
            self.stale = False
            return
        data = personal_chat_data(self.reference, described, replace(self.who, as_role=role))
        self.stale = not addresses.is_stored(session, addresses.person_key(actor.person.key), data)


def _upn_email(upn: str | None) -> str | None:
    return upn if upn and "@" in upn else None


def _email_by_aad(session: Session, aad_object_id: str | None) -> str | None:
    """A directory entry with this Entra (AAD) object id stands for its email."""
    person = repo.person_by_aad_object_id(session, aad_object_id) if aad_object_id else None
    return person.email if person else None
