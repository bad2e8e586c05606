"""Slack payloads → one `ChatRequest` each → the core → Block Kit back to Slack.

Nothing here decides anything about the plan: who may update, what needs a note, what a reply
says — all of that is `bot.conversation.Core`. This module knows only Slack: where the words
are in a payload, when to ack, and which API call shows the answer where the person is looking.

Every listener acks first (Slack's 3-second limit) and does the work after, except the modal
submission, which must answer with its validation errors in the ack itself; the core's reply is
quick (one database transaction) so that fits well inside the limit.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.outage import is_database_outage
from bot.requests import ChatRequest, Identity, Reply
from bot.runtime import Runtime
from bot.views import NoticeView, UpdateFormView
from bot.wordings import STALE_FORM, failure_notice
from cards import blockkit
from cards import blockkit_ids as ids
from cards.chat_charts import charts_in
from cards.format import shorten
from cards.slack_escape import unescape
from domain.vocabulary import canonical_action_id
from handlers.slack.client import api_error
from handlers.slack.invocations import invocation_key
from handlers.slack.pacing import Pacing
from handlers.slack.people import LinkedAccounts, identity_of
from handlers.slack.settings import slack_settings
from handlers.slack.threads import card_refs

log = logging.getLogger(__name__)

PRIVATE_METADATA_MAX = 3000
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


@dataclass
class Origin:
    """Where a click happened, carried through the modal's private_metadata so the answer to
    the submission lands in the same place (the card in place, an ephemeral, or App Home)."""

    ref: str
    refs: list[str] = field(default_factory=list)  # the nudge card's actions, when it is one
    surface: str = "message"  # message | ephemeral | home
    channel: str | None = None
    ts: str | None = None
    response_url: str | None = None

    def dump(self) -> str:
        text = json.dumps(asdict(self), separators=(",", ":"))
        if len(text) > PRIVATE_METADATA_MAX:  # a huge card: the refs are found again from channel/ts
            text = json.dumps({**asdict(self), "refs": []}, separators=(",", ":"))
        return text

    @classmethod
    def load(cls, text: str | None) -> Origin:
        """Read back what `dump` wrote. Slack returns private_metadata as we set it, but nothing
        a client sends is trusted: anything else is a `BadOrigin`, never a crash."""
        try:
            data = json.loads(text or "")
        except (TypeError, ValueError):
            raise BadOrigin("private_metadata is not JSON") from None
        if not isinstance(data, dict):
            raise BadOrigin("private_metadata is not a JSON object")
        ref, refs, surface = data.get("ref"), data.get("refs", []), data.get("surface", "message")
        if not isinstance(ref, str) or not ref:
            raise BadOrigin("private_metadata has no action ref")
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise BadOrigin("private_metadata refs is not a list of action refs")
        if surface not in SURFACES:
            raise BadOrigin(f"private_metadata surface {surface!r} is not one of {', '.join(SURFACES)}")
        optional = {k: data.get(k) for k in ("channel", "ts", "response_url")}
        if any(v is not None and not isinstance(v, str) for v in optional.values()):
            raise BadOrigin("private_metadata channel, ts and response_url must be strings")
        return cls(ref, list(refs), surface, **optional)


class BadOrigin(ValueError):
    """A modal's private_metadata that is not what `Origin.dump` wrote."""


SURFACES = ("message", "ephemeral", "home")


def _dict(value: Any) -> dict:
    """A part of a payload that should be an object, or {} when it is not."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _first(views: list[Any], kind: type) -> Any:
    return next((v for v in views if isinstance(v, kind)), None)


@dataclass
class SlackListeners:
    rt: Runtime
    pacing: Pacing = field(default_factory=Pacing)  # threads, the bound on answers, the HTTP pool
    linked: LinkedAccounts = field(init=False)  # Slack ids found linked a moment ago

    def __post_init__(self) -> None:
        self.linked = LinkedAccounts(self.rt.clock.now)

    def register(self, app: AsyncApp) -> None:
        app.command(slack_settings(self.rt).slack_command)(self.on_status)
        app.event("message")(self.on_message)
        app.event("app_mention")(self.on_mention)
        app.event("app_home_opened")(self.on_home_opened)
        app.action(ids.BUTTON_ACTION)(self.on_button)
        app.view(ids.UPDATE_MODAL)(self.on_update_submitted)
        app.view(ids.REOPEN_MODAL)(self.on_reopen_submitted)

    # ------------------------------------------------------------------ the core

    async def after_ack(self, work: Awaitable[None], what: str) -> None:
        """Work done after Slack has its ack, one of a bounded number at a time
        (`handlers.slack.pacing`): a failure is logged, never turned into an error response
        (Slack already has its 200)."""
        try:
            async with self.pacing.answer_slot():
                await work
        except Exception:
            log.exception("Slack: %s failed after the ack", what)

    async def ask(self, request: ChatRequest, *, before_ack: bool = False) -> Reply:
        """The core: a question it answers from what it keeps right here on the event loop
        (`Core.answer_at_once`, which never waits), anything else off the loop (one blocking
        database transaction); `before_ack`: the ack waits for it (the modal), so it runs on the
        ack's threads, not behind answers."""
        run = self.pacing.for_ack if before_ack else self.pacing.in_thread
        try:
            if not before_ack and (reply := await self.rt.core.answer_at_once(request)) is not None:
                return reply
            return await run(self.rt.core.handle, request)
        except Exception as exc:
            log.exception("the core failed on a Slack %s", request.kind)
            return Reply([failure_notice(is_database_outage(exc))])

    async def who(self, client: AsyncWebClient, user_id: str, *, before_ack: bool = False) -> Identity:
        run = self.pacing.for_ack if before_ack else self.pacing.in_thread
        return await identity_of(self.rt.engine, client, user_id, in_thread=run, linked=self.linked)

    @property
    def command_prefix(self) -> str:
        return slack_settings(self.rt).slack_command_prefix

    def message(self, views: list[Any]) -> dict[str, Any]:
        """Block Kit for the views, with every suggested command as it is typed here (`SLACK_COMMAND`)."""
        return blockkit.message(views, command=self.command_prefix)

    # ------------------------------------------------------------------ /actionbot

    async def on_status(self, ack, command: dict, client: AsyncWebClient) -> None:
        await ack()
        await self.after_ack(self.answer_status(command, client), command.get("command") or "the command")

    async def answer_status(self, command: dict, client: AsyncWebClient) -> None:
        """The answer goes to the command's `response_url` (as Bolt's `respond` would send it,
        through the process's connection pool): ephemeral unless the query asked to share."""
        identity = await self.who(client, command["user_id"])
        once = invocation_key(command)  # claimed by the core with the answer (`handlers.slack.app`)
        reply = await self.ask(
            ChatRequest(identity, text=unescape(command.get("text") or ""), kind="command", once_key=once)
        )
        if reply.already_handled:
            log.info("Slack %s already handled; the replayed command was acknowledged and dropped", once)
            return
        response_url = command.get("response_url")
        if not isinstance(response_url, str) or not response_url:
            log.warning("a Slack command without a response_url was not answered")
            return
        payload = {"response_type": "ephemeral" if reply.private else "in_channel", **self.message(reply.views)}
        status, body = await self.pacing.post_response(response_url, payload)
        if status != 200:
            log.warning("command answer via response_url failed: %s %s", status, body[:200])

    # ------------------------------------------------------------------ direct messages

    async def on_message(self, event: dict, client: AsyncWebClient) -> None:
        await self.after_ack(self.answer_message(event, client), "a direct message")

    async def answer_message(self, event: dict, client: AsyncWebClient) -> None:
        """A DM to the bot: updates (one per line), status questions, or a reply in a nudge's
        thread (then a line without an id is about the nudge's action)."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user, text = event.get("user"), unescape(event.get("text") or "").strip()
        if not user or not text:
            return
        channel, thread_ts = event["channel"], event.get("thread_ts")
        refs: tuple[str, ...] = ()
        if thread_ts and thread_ts != event.get("ts"):
            refs = await card_refs(self.rt.engine, client, channel, thread_ts)
        identity = await self.who(client, user)
        reply = await self.ask(ChatRequest(identity, text=text, kind="message", thread_refs=refs))
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **self.message(reply.views))
        await self.upload_charts(client, channel, thread_ts, reply.views)

    async def upload_charts(self, client: AsyncWebClient, channel: str, thread_ts: str | None, views: list) -> None:
        """The pictures of an answer (`report`: the RAG chart) uploaded under it with
        files.uploadV2. A failed upload (e.g. no `files:write`) loses only the picture: the
        person is told where else to find it."""
        for chart in charts_in(views):
            try:
                await client.files_upload_v2(
                    channel=channel,
                    thread_ts=thread_ts,
                    file_uploads=[
                        {"file": chart.png, "filename": chart.filename, "title": chart.title, "alt_txt": chart.alt}
                    ],
                )
            except (SlackApiError, SlackRequestError) as exc:
                why = api_error(exc) if isinstance(exc, SlackApiError) else str(exc)
                log.warning("chart upload to %s failed: %s", channel, why)
                await client.chat_postMessage(
                    channel=channel,
                    thread_ts=thread_ts,
                    text="(The chart could not be attached. `actionbot report --format html` includes it.)",
                )

    # ------------------------------------------------------------------ @actionbot in a channel

    async def on_mention(self, event: dict, client: AsyncWebClient) -> None:
        await self.after_ack(self.answer_mention(event, client), "a mention")

    async def answer_mention(self, event: dict, client: AsyncWebClient) -> None:
        """`@actionbot status priority 4` in a channel: the text without the mention goes down the
        same path as a DM (a question, or updates), and the answer goes into a thread under the
        mention, so the channel sees one line and the thread holds the detail."""
        if event.get("bot_id") or event.get("subtype"):
            return
        user = event.get("user")
        text = unescape(_MENTION.sub(" ", event.get("text") or "")).strip()
        if not user:
            return
        identity = await self.who(client, user)
        reply = await self.ask(ChatRequest(identity, text=text or "help", kind="message", shared=True))
        thread_ts = event.get("thread_ts") or event["ts"]
        await client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, **self.message(reply.views))
        await self.upload_charts(client, event["channel"], thread_ts, reply.views)

    # ------------------------------------------------------------------ App Home

    async def on_home_opened(self, event: dict, client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        await self.after_ack(self.publish_home(client, event["user"]), "publishing App Home")

    async def publish_home(
        self, client: AsyncWebClient, user_id: str, identity: Identity | None = None, banner: list | None = None
    ) -> None:
        """'My actions' by due date, through the same `status mine` query as everywhere."""
        identity = identity or await self.who(client, user_id)
        reply = await self.ask(ChatRequest(identity, text="mine", kind="command"))
        await client.views_publish(
            user_id=user_id, view=blockkit.home(reply.views, banner, command=self.command_prefix)
        )

    # ------------------------------------------------------------------ buttons

    async def on_button(self, ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        """Green / Amber / Red / Completed / Add update on a nudge, an action's detail or Home."""
        await ack()
        await self.after_ack(self.answer_click(body, action, client), "a button click")

    async def answer_click(self, body: dict, action: dict, client: AsyncWebClient) -> None:
        value = action.get("value")
        try:
            verb, ref = ids.parse_button_value(value if isinstance(value, str) else "")
        except ValueError:
            log.warning("ignored a click with value %r", action.get("value"))
            return
        user = body["user"]["id"]
        origin = self._origin_of_click(body, ref)
        if ids.ref_of_block(action.get("block_id") or "", ids.NUDGE_BLOCK):
            origin.refs = list(await card_refs(self.rt.engine, client, origin.channel, origin.ts, body.get("message")))
        if verb == ids.REOPEN:  # a reopen needs a reason: ask for it first (the core checks who may on submission)
            try:
                await client.views_open(trigger_id=body["trigger_id"], view=blockkit.reopen_modal(ref, origin.dump()))
                return
            except SlackApiError as exc:  # e.g. the trigger expired: the core's refusal says what to type
                log.warning("views.open failed: %s", api_error(exc))
        identity = await self.who(client, user)
        if verb == ids.REOPEN:
            reply = await self.ask(ChatRequest(identity, text=ids.REOPEN_COMMAND.format(ref=ref, reason=""), kind="command"))
            await self.show(client, origin, user, identity, reply)
            return
        if verb in ids.COMMAND_VERBS:  # sign off, approve, reject, no change: the text command as typed; the core checks who may
            reply = await self.ask(ChatRequest(identity, text=ids.COMMAND_VERBS[verb].format(ref=ref), kind="command"))
            await self.show(client, origin, user, identity, reply)
            return
        request = ChatRequest(
            identity,
            kind="button",
            action_ref=ref,
            rag=None if verb == ids.ADD_UPDATE else verb,
            thread_refs=tuple(origin.refs),
        )
        reply = await self.ask(request)
        form = _first(reply.views, UpdateFormView)
        if form is not None:
            try:
                await client.views_open(trigger_id=body["trigger_id"], view=blockkit.update_modal(form, origin.dump()))
                return
            except SlackApiError as exc:  # e.g. the trigger expired: offer the form as text instead
                log.warning("views.open failed: %s", api_error(exc))
        await self.show(client, origin, user, identity, reply)

    @staticmethod
    def _origin_of_click(body: dict, ref: str) -> Origin:
        container = body.get("container") or {}
        if container.get("type") == "view":
            return Origin(ref, surface="home")
        return Origin(
            ref,
            surface="ephemeral" if container.get("is_ephemeral") else "message",
            channel=(body.get("channel") or {}).get("id") or container.get("channel_id"),
            ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
            response_url=body.get("response_url"),
        )

    # ------------------------------------------------------------------ the modal

    async def on_update_submitted(self, ack, body: dict, view: dict, client: AsyncWebClient) -> None:
        """Record the modal's update, or keep the modal open with the core's complaint under
        the input it is about."""
        try:
            origin = Origin.load(view.get("private_metadata"))
        except BadOrigin as exc:
            log.warning("Slack: refused a modal submission: %s", exc)
            await ack(response_action="errors", errors={ids.RAG_BLOCK: STALE_FORM})
            return
        values = _dict(_dict(view.get("state")).get("values"))
        selected = _dict(_dict(values.get(ids.RAG_BLOCK)).get(ids.RAG_INPUT)).get("selected_option")
        note = _text(_dict(_dict(values.get(ids.NOTE_BLOCK)).get(ids.NOTE_INPUT)).get("value")) or ""
        date = _text(_dict(_dict(values.get(ids.DATE_BLOCK)).get(ids.DATE_INPUT)).get("value")) or None
        rag = _text(_dict(selected).get("value"))
        user = _text(_dict(body.get("user")).get("id"))
        if not user:
            await ack(response_action="errors", errors={ids.RAG_BLOCK: STALE_FORM})
            return
        if not origin.refs and origin.surface == "message" and origin.channel:
            origin.refs = list(await card_refs(self.rt.engine, client, origin.channel, origin.ts))
        identity = await self.who(client, user, before_ack=True)
        request = ChatRequest(
            identity,
            kind="form",
            action_ref=origin.ref,
            rag=rag,
            note=note,
            proposed_date=date,
            thread_refs=tuple(origin.refs),
        )
        reply = await self.ask(request, before_ack=True)
        form = _first(reply.views, UpdateFormView)
        if form is not None:
            await ack(response_action="errors", errors=blockkit.form_errors(form))
            return
        if not reply.recorded:  # refused (not theirs, unknown action): say why, in the modal
            notice = _first(reply.views, NoticeView)
            text = notice.text if notice else "Nothing was recorded."
            await ack(response_action="errors", errors={ids.RAG_BLOCK: shorten(text, 150)})
            return
        await ack()
        await self.after_ack(self.show(client, origin, user, identity, reply), "answering a modal submission")

    async def on_reopen_submitted(self, ack, body: dict, view: dict, client: AsyncWebClient) -> None:
        """The reopen modal: the same `reopen <ref> - <reason>` as typed, so who may and what
        reason is good enough are the core's (`bot.signoff`); a refusal stays in the modal under
        the reason, and only a reopen closes it."""
        try:
            origin = Origin.load(view.get("private_metadata"))
        except BadOrigin as exc:
            log.warning("Slack: refused a reopen submission: %s", exc)
            await ack(response_action="errors", errors={ids.REASON_BLOCK: STALE_FORM})
            return
        values = _dict(_dict(view.get("state")).get("values"))
        reason = _text(_dict(_dict(values.get(ids.REASON_BLOCK)).get(ids.REASON_INPUT)).get("value")) or ""
        ref = canonical_action_id(origin.ref)
        user = _text(_dict(body.get("user")).get("id"))
        if not user or ref is None:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: STALE_FORM})
            return
        identity = await self.who(client, user, before_ack=True)
        command = ids.REOPEN_COMMAND.format(ref=ref, reason=" ".join(reason.split()))
        reply = await self.ask(ChatRequest(identity, text=command, kind="command"), before_ack=True)
        refusal = next((v for v in reply.views if isinstance(v, NoticeView) and v.level != "info"), None)
        if refusal is not None:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: shorten(refusal.text, 150)})
            return
        await ack()
        await self.after_ack(self.show(client, origin, user, identity, reply), "answering a reopen")

    # ------------------------------------------------------------------ answering a click

    async def show(self, client: AsyncWebClient, origin: Origin, user: str, identity: Identity, reply: Reply) -> None:
        """Put the core's answer to a click where the person is looking: the card updated in
        place, the Home tab refreshed, or (a refusal) a note only they see."""
        if origin.surface == "home":
            await self.publish_home(client, user, identity, banner=reply.views)
            return
        message = self.message(reply.views)
        if reply.replace_original:
            try:
                if origin.surface == "message" and origin.channel and origin.ts:
                    extra = {"metadata": ids.metadata("nudge", origin.refs)} if origin.refs else {}
                    await client.chat_update(channel=origin.channel, ts=origin.ts, **message, **extra)
                    return
                if origin.response_url:
                    status, body = await self.pacing.post_response(
                        origin.response_url, {"replace_original": True, **message}
                    )
                    if status == 200:
                        return
                    log.warning("replacing an ephemeral card failed: %s %s", status, body[:200])
            except SlackApiError as exc:
                log.warning("updating the card in place failed: %s", api_error(exc))
        if origin.channel:
            await client.chat_postEphemeral(channel=origin.channel, user=user, **message)
        else:
            await client.chat_postMessage(channel=user, **message)
