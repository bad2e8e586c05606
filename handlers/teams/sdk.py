"""The one module that imports the Bot Framework SDK (`botbuilder`, `botframework`).

The Bot Framework SDK for Python is archived; its successor is the Microsoft 365 Agents SDK.
Everything else in `handlers/teams/` speaks plain dicts (Activity JSON) through the small
`Turn` surface below, so a port to the successor rewrites this file only: the CloudAdapter
and its authentication, one turn's send / update / invoke response / member lookup, and the
proactive send with its errors translated into `ConnectorError`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import jwt
import requests
from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ConversationReference,
    DeliveryModes,
    ErrorResponseException,
    ExpectedReplies,
)
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    UserTokenClient,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata

from bot.outage import is_database_outage
from bot.wordings import failure_notice
from handlers.teams.errors import ConnectorError

__all__ = ["ConnectorError", "SdkTurn", "TeamsAdapter", "outgoing_activity", "sdk_bot"]

log = logging.getLogger(__name__)


class _CardActionResponse(AdaptiveCardInvokeResponse):
    """The `adaptiveCard/action` response body: a card (dict) or a message (str) as `value`.

    The SDK's own AdaptiveCardInvokeResponse declares `value` as a dict and so only serialises
    dict values; this subclass declares it as any object (the SDK's serializer reads the map)."""

    _attribute_map = {**AdaptiveCardInvokeResponse._attribute_map, "value": {"key": "value", "type": "object"}}


# msrest's `Model`, the base of every schema class: botbuilder's own dependency, which we do not
# import by name (it is not ours to declare), reached through a schema class instead.
_Model: type = Attachment.__base__


class _RawJson(dict, _Model):
    """An attachment's content (an Adaptive Card) that msrest copies as it is.

    msrest serialises an `object` attribute by walking every key and value of it, one Python
    call per node: for a status card of 59 actions that walk was most of the time a reply spent
    in the SDK. A Model whose only attribute is its `additional_properties` is copied into the
    body in one `dict.update` instead. The content is already JSON (`cards.adaptive` builds it
    from str, int, bool, list and dict), so nothing the walk would have converted is lost; it
    stays a dict, so whoever reads a sent activity (botbuilder's TestAdapter) reads the card."""

    _attribute_map = {"additional_properties": {"key": "", "type": "{object}"}}

    def __init__(self, content: dict[str, Any]):
        dict.__init__(self, content)
        self.additional_properties = self

    def __deepcopy__(self, memo: dict[int, Any]) -> _RawJson:
        """Not copied. `TurnContext.send_activities` deep-copies every outgoing activity before it
        fills in the conversation, which it does on the activity, never inside an attachment's
        content; and this content is built for one send and never changed after. Copying it was
        a Python call per node of the card (thousands for a round's card): an eighth of a
        proactive send's time in the fan-out benchmark."""
        return self


def outgoing_activity(activity: dict[str, Any]) -> Activity:
    """Our Activity JSON as the SDK's object, cards carried as `_RawJson` (read once, not walked)."""
    attachments = activity.get("attachments")
    result = Activity().deserialize({k: v for k, v in activity.items() if k != "attachments"})
    if attachments is not None:
        result.attachments = [_attachment(a) for a in attachments]
    return result


def _attachment(data: dict[str, Any]) -> Attachment:
    attachment = Attachment().deserialize({k: v for k, v in data.items() if k != "content"})
    content = data.get("content")
    attachment.content = _RawJson(content) if isinstance(content, dict) else content
    return attachment


class SdkTurn:
    """One incoming activity and what the bot may do in answer, in plain dicts.

    The activity and its conversation reference are serialised once per turn: a turn reads them
    several times (who is asking, the request, where to reach the person again)."""

    def __init__(self, context: TurnContext):
        self._context = context

    @functools.cached_property
    def activity(self) -> dict[str, Any]:
        return self._context.activity.serialize()

    @functools.cached_property
    def reference(self) -> dict[str, Any]:
        """What a proactive send needs later (stored in the database, never only in memory)."""
        return TurnContext.get_conversation_reference(self._context.activity).serialize()

    async def send(self, activity: dict[str, Any]) -> str:
        response = await self._context.send_activity(outgoing_activity(activity))
        return (response.id or "") if response else ""

    async def update(self, activity_id: str, activity: dict[str, Any]) -> None:
        """Replace an earlier bot message (the card whose button was pressed) in place."""
        replacement = outgoing_activity(activity)
        replacement.id = activity_id
        await self._context.update_activity(replacement)

    async def respond_to_card_action(self, body: dict[str, Any]) -> None:
        """Answer an `adaptiveCard/action` invoke (`statusCode`, `type`, `value`), e.g. with the new card."""
        response = _CardActionResponse(status_code=body["statusCode"], type=body["type"], value=body["value"])
        await self._context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=response))
        )

    async def member(self, user_id: str) -> dict[str, Any] | None:
        """The Teams member profile (email, UPN, AAD object id), or None if Teams won't say."""
        try:
            member = await TeamsInfo.get_member(self._context, user_id)
        except Exception as exc:  # any failure just means "no profile"
            log.info("Teams member lookup for %s failed: %s", user_id, exc)
            return None
        return member.serialize() if member else None


TurnHandler = Callable[[SdkTurn], Awaitable[None]]


class _Bot(ActivityHandler):
    """Thin: every activity goes to the SDK-free handler as an `SdkTurn`."""

    def __init__(self, handler: TurnHandler):
        self._handler = handler

    async def on_turn(self, turn_context: TurnContext) -> None:
        await self._handler(SdkTurn(turn_context))


def sdk_bot(handler: TurnHandler) -> ActivityHandler:
    """The SDK bot object for `handler` (tests drive it with botbuilder's TestAdapter)."""
    return _Bot(handler)


class _CloudAdapter(CloudAdapter):
    """CloudAdapter with `deliveryMode: expectReplies` fixed: 4.17.1 serialises the buffered replies
    to a dict and then fails to serialise that dict again (AttributeError, HTTP 500)."""

    def _process_turn_results(self, context: TurnContext) -> InvokeResponse | None:
        if context.activity.delivery_mode == DeliveryModes.expect_replies:
            return InvokeResponse(status=200, body=ExpectedReplies(activities=context.buffered_reply_activities))
        return super()._process_turn_results(context)


def sdk_configuration(
    *, app_id: str | None, app_password: str | None, tenant_id: str | None, app_type: str, **overrides: Any
) -> SimpleNamespace:
    """The configuration object botbuilder reads (`APP_ID`, `APP_PASSWORD`, `APP_TYPE`, `APP_TENANTID`).

    A SingleTenant (or UserAssignedMSI) bot gets its outbound tokens from its own tenant, so the
    tenant id must reach the SDK; without an app id (local development mode) authentication is
    off and the type is irrelevant, so MultiTenant keeps the SDK from demanding a password."""
    return SimpleNamespace(
        APP_ID=app_id or "",
        APP_PASSWORD=app_password or "",
        APP_TENANTID=tenant_id or "",
        APP_TYPE=app_type if app_id else "MultiTenant",
        **overrides,
    )


class TeamsAdapter:
    """CloudAdapter configured from MICROSOFT_APP_* settings, plus the proactive send.

    `auth_overrides` passes extra SDK configuration keys (e.g. a local OpenID metadata URL and
    token issuer for tests that sign their own tokens).
    """

    def __init__(
        self,
        *,
        app_id: str | None,
        app_password: str | None,
        tenant_id: str | None,
        app_type: str,
        auth_overrides: dict[str, Any] | None = None,
    ):
        self.app_id = app_id or ""
        config = sdk_configuration(
            app_id=app_id, app_password=app_password, tenant_id=tenant_id, app_type=app_type, **(auth_overrides or {})
        )
        _bound_signing_key_fetches()
        self._adapter = _CloudAdapter(_ReusingAuthentication(ConfigurationBotFrameworkAuthentication(config)))
        self._adapter.on_turn_error = self._on_turn_error

    async def process(self, request: web.Request, handler: TurnHandler) -> web.Response:
        """Authenticate and run one turn: 401 for a missing or invalid Bot Framework token, 503
        (with Retry-After) when the token cannot be checked because the signing keys cannot be
        fetched, 400 for an Activity the SDK cannot read. The turn's own errors never get here
        (`_on_turn_error` answers them in the conversation)."""
        try:
            response = await self._adapter.process(request, sdk_bot(handler))
        except web.HTTPException:
            raise
        except Exception as exc:
            if _raised_in(exc, _ACTIVITY_READER_MODULE):
                log.warning("Teams request refused: the SDK cannot read the Activity: %s", exc)
                return web.json_response({"error": "not a Bot Framework Activity"}, status=400)
            if _signing_keys_unavailable(exc):
                log.warning("Teams request refused: the token signing keys cannot be fetched: %s", exc)
                return web.json_response(
                    {"error": "the Bot Framework signing keys cannot be fetched; try again later"},
                    status=503,
                    headers={"Retry-After": str(KEYS_RETRY_AFTER_SECONDS)},
                )
            if isinstance(exc, jwt.PyJWTError | PermissionError) or _raised_in(exc, _TOKEN_CHECK_MODULE):
                log.warning("Teams request with an invalid token refused: %s: %s", type(exc).__name__, exc)
                raise web.HTTPUnauthorized() from None
            raise
        return response or web.Response(status=201)

    async def send_proactive(self, reference: dict[str, Any], activity: dict[str, Any]) -> str:
        """Post `activity` into the stored conversation; returns the new message id."""
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            # a new message, not a reply to the SDK's made-up continuation activity (in a channel
            # a reply would land in a thread; in a chat it is ignored)
            context.activity.id = None
            try:
                response = await context.send_activity(outgoing_activity(activity))
                outcome["id"] = (response.id or "") if response else ""
            except Exception as exc:  # re-raised below, outside the SDK's error handler
                outcome["error"] = exc

        await self._adapter.continue_conversation(ConversationReference().deserialize(reference), callback, self.app_id)
        if "error" in outcome:
            raise _connector_error(outcome["error"]) from outcome["error"]
        return outcome.get("id", "")

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        outage = is_database_outage(error)
        if outage:
            log.warning("Teams turn failed: the database is unavailable (%s)", type(error).__name__)
        else:
            log.exception("Teams turn failed", exc_info=error)
        if context.activity.type == ActivityTypes.message:
            text = failure_notice(outage).text
            try:
                await context.send_activity(text)
            except Exception:  # the connector may be what failed
                log.warning("could not tell the user about the failure")


class _ReusingAuthentication(BotFrameworkAuthentication):
    """The SDK's authentication, with the clients it makes for every turn made once and reused.

    For each incoming activity CloudAdapter asks for a new `ConnectorClient` (to send the reply)
    and a new `UserTokenClient` (for sign-in prompts, which this bot never shows). Building one
    builds an msrest configuration and its retry policy and a fresh HTTP session: in the SDK's
    own echo bot that is most of a turn's time, and every reply opens a new connection. Both
    depend only on the bot's app id, the audience and the service URL, never on the request,
    so they are kept per such key (as the SDK's older `BotFrameworkAdapter` kept connector
    clients): each reply reuses the client, its credentials' cached token and its connection pool.

    A verified token is remembered too. The Bot Framework sends the same token with every
    activity for up to an hour, and checking it (an RSA signature, the issuer, audience,
    endorsement of the channel and the `serviceurl` claim against the activity) gives the same
    answer each time for the same (token, channel, service URL). So that triple, once accepted,
    is accepted again without the check until the token's own `exp`, and at most
    `VERIFIED_SECONDS` after it was checked (a signing key withdrawn from the JWKS stops being
    trusted within that time). Anything else (another service URL, another channel, an expired
    entry, no token at all in local development mode) goes through the full check. A refused
    token is never remembered."""

    KEEP = 64  # service URLs are per region: a handful; the bound only stops a runaway
    KEEP_TOKENS = 1024
    VERIFIED_SECONDS = 300.0

    def __init__(self, inner: BotFrameworkAuthentication, *, now: Callable[[], float] = time.time):
        self._inner = inner
        self._now = now  # seconds since the epoch, as PyJWT reads `exp`
        self._connectors: dict[tuple[str | None, str | None, str], Any] = {}
        self._token_clients: dict[str | None, UserTokenClient] = {}
        self._verified: dict[tuple[str, str | None, str | None], tuple[float, AuthenticateRequestResult]] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        key = (auth_header, activity.channel_id, activity.service_url) if auth_header else None
        kept = self._verified.get(key) if key else None
        if kept is not None and self._now() < kept[0]:
            return _copy(kept[1])
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            app_id = _app_id(result.claims_identity)
            result.connector_factory = _ReusingConnectorFactory(result.connector_factory, app_id, self._connectors)
        if key is not None:
            self._remember(key, result)
        return result

    def _remember(self, key: tuple[str, str | None, str | None], result: AuthenticateRequestResult) -> None:
        claims = result.claims_identity.claims if result.claims_identity is not None else None
        expires = (claims or {}).get("exp")
        if not result.claims_identity or not result.claims_identity.is_authenticated:
            return
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            return
        now = self._now()
        if len(self._verified) >= self.KEEP_TOKENS:
            self._verified = {k: v for k, v in self._verified.items() if v[0] > now}
            if len(self._verified) >= self.KEEP_TOKENS:
                self._verified.clear()
        self._verified[key] = (min(float(expires), now + self.VERIFIED_SECONDS), result)

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        factory = self._inner.create_connector_factory(claims_identity)
        return _ReusingConnectorFactory(factory, _app_id(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            if len(self._token_clients) >= self.KEEP:
                self._token_clients.clear()
            self._token_clients[app_id] = client
        return client

    def create_bot_framework_client(self):
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


class _ReusingConnectorFactory(ConnectorFactory):
    """One `ConnectorClient` per (app id, audience, service URL), shared by every turn."""

    def __init__(self, inner: ConnectorFactory, app_id: str | None, clients: dict):
        self._inner = inner
        self._app_id = app_id
        self._clients = clients

    async def create(self, service_url: str, audience: str | None = None):
        key = (self._app_id, audience, service_url)
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            if len(self._clients) >= _ReusingAuthentication.KEEP:
                self._clients.clear()
            self._clients[key] = client
        return client


def _copy(result: AuthenticateRequestResult) -> AuthenticateRequestResult:
    """A remembered verification as a new result (the adapter sets things on the activity from it)."""
    again = AuthenticateRequestResult()
    again.audience, again.claims_identity = result.audience, result.claims_identity
    again.caller_id, again.connector_factory = result.caller_id, result.connector_factory
    return again


def _app_id(claims_identity: ClaimsIdentity | None) -> str | None:
    """The bot's app id the request was addressed to (None in local development mode)."""
    if claims_identity is None or not claims_identity.claims:
        return None
    return JwtTokenValidation.get_app_id_from_claims(claims_identity.claims)


KEYS_RETRY_AFTER_SECONDS = 30
KEYS_FETCH_TIMEOUT_SECONDS = 5.0


class _BoundedOpenIdMetadata(_OpenIdMetadata):
    """The SDK's signing-key cache, fetched the same way but off the event loop and with a
    timeout. The SDK's own `_refresh` calls `requests.get` with no timeout on the event loop: an
    identity provider that hangs would stall every request of the one server (Slack too)."""

    async def _refresh(self) -> None:
        self.keys = await asyncio.to_thread(_fetch_signing_keys, self.url)
        self.last_updated = datetime.now()  # naive local time, as the SDK compares it


def _fetch_signing_keys(metadata_url: str) -> list[dict[str, Any]]:
    metadata = requests.get(metadata_url, timeout=KEYS_FETCH_TIMEOUT_SECONDS)
    metadata.raise_for_status()
    keys = requests.get(metadata.json()["jwks_uri"], timeout=KEYS_FETCH_TIMEOUT_SECONDS)
    keys.raise_for_status()
    return keys.json()["keys"]


def _bounded_open_id_metadata(metadata_url: str) -> _OpenIdMetadata:
    """`JwtTokenExtractor.get_open_id_metadata`, caching `_BoundedOpenIdMetadata` instead."""
    cache = JwtTokenExtractor.metadataCache
    if not isinstance(cache.get(metadata_url), _BoundedOpenIdMetadata):
        cache[metadata_url] = _BoundedOpenIdMetadata(metadata_url)
    return cache[metadata_url]


def _bound_signing_key_fetches() -> None:
    """Installed once, process-wide, before the first token is checked (TeamsAdapter.__init__)."""
    JwtTokenExtractor.get_open_id_metadata = staticmethod(_bounded_open_id_metadata)
# The SDK checks a token in botframework.connector.auth.jwt_token_extractor: it fetches the
# OpenID metadata and the JWKS there (`_OpenIdMetadata._refresh`, synchronous `requests`), then
# verifies the token. What that module raises while fetching means the identity provider is
# unreachable or answering nonsense (our dependency is down: 503); anything else it raises (an
# unknown key id, no key at all, a failed endorsement, an algorithm not allowed) means the token
# is not acceptable (401).
_TOKEN_CHECK_MODULE = "botframework.connector.auth.jwt_token_extractor"
# The SDK reads an Activity's JSON with msrest's deserialiser (botbuilder's own dependency, which
# we do not import: its errors are recognised by where they were raised).
_ACTIVITY_READER_MODULE = "msrest.serialization"
_KEY_FETCH_FUNCTION = "_refresh"


def _frames(exc: BaseException) -> list[tuple[str, str]]:
    """(module, function) of every frame the exception passed through, innermost last."""
    out = []
    tb = exc.__traceback__
    while tb is not None:
        out.append((tb.tb_frame.f_globals.get("__name__", ""), tb.tb_frame.f_code.co_name))
        tb = tb.tb_next
    return out


def _raised_in(exc: BaseException, module: str) -> bool:
    return any(m == module for m, _ in _frames(exc))


def _signing_keys_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, requests.RequestException):
        return True
    frames = _frames(exc)
    return (_TOKEN_CHECK_MODULE, _KEY_FETCH_FUNCTION) in frames or (__name__, _fetch_signing_keys.__name__) in frames


def _connector_error(exc: Exception) -> ConnectorError:
    if isinstance(exc, ErrorResponseException) and exc.response is not None:
        status = exc.response.status_code
        code, message = "", str(exc)
        error = getattr(getattr(exc, "error", None), "error", None)
        if error is not None:
            code, message = error.code or "", error.message or message
        retry_after = None
        header = exc.response.headers.get("Retry-After") if exc.response.headers else None
        if header:
            try:
                retry_after = float(header)
            except ValueError:
                retry_after = None
        return ConnectorError(status, code, message, retry_after)
    return ConnectorError(0, type(exc).__name__, str(exc))
