"""Integrity at the Teams door (issue #9): what is not an Activity gets 400, a token that cannot
be checked because the signing keys cannot be fetched gets 503 with Retry-After (our dependency
is down), a token that is simply invalid gets 401; never a 500."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import func, select

from bot.identity import link_identity
from handlers.teams import mount_teams
from storage.db import session_scope
from storage.models import ActionUpdate
from tests.teams.conftest import HANNAH, start_world, teams_settings

APP_ID = "6f0c3f51-0000-4000-8000-00000000b22e"
ISSUER = "https://token-issuer.actionbot.test"
TENANT_ID = "0d9f2b1e-0000-4000-8000-00000000c0de"  # SingleTenant, the default, needs one


async def _post_raw(world, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{world.base_url}/api/messages",
            data=data,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        return response.status, await response.text()


def _updates(world) -> int:
    with session_scope(world.rt.engine) as s:
        return s.exec(select(func.count()).select_from(ActionUpdate)).one()


# ---------------------------------------------------------------- not an Activity (development mode)


async def test_malformed_json_is_400(world):
    status, text = await _post_raw(world, b'{"type": "message", "text": "4.2.1 green')
    assert status == 400, text
    assert "Traceback" not in text and "JSON" in text


@pytest.mark.parametrize("body", ["[]", '[{"type": "message"}]', '"message"', "42", "null"])
async def test_json_that_is_not_an_object_is_400(world, body):
    status, text = await _post_raw(world, body.encode())
    assert status == 400, text
    assert "Traceback" not in text


async def test_an_activity_without_from_is_400(world):
    activity = world.activity(HANNAH, "4.2.1 green - on track")
    del activity["from"]
    status, text = await _post_raw(world, json.dumps(activity).encode())
    assert status == 400, text
    assert "from" in text
    assert _updates(world) == 0 and world.connector.requests == []


@pytest.mark.parametrize(
    "change",
    [
        {"from": "29:hannah"},
        {"from": {"name": "no id"}},
        {"from": {"id": 42}},
        {"type": 7},
        {"type": ""},
        {"conversation": "a:personal"},
        {"conversation": {"conversationType": "personal"}},
        {"text": {"not": "text"}},
        {"serviceUrl": ["http://x"]},
    ],
    ids=lambda c: "-".join(f"{k}={type(v).__name__}" for k, v in c.items()),
)
async def test_an_activity_of_the_wrong_shape_is_400(world, change):
    activity = {**world.activity(HANNAH, "4.2.1 green - on track"), **change}
    status, text = await _post_raw(world, json.dumps(activity).encode())
    assert status == 400, (change, status, text)
    assert "Traceback" not in text
    assert _updates(world) == 0 and world.connector.requests == []


async def test_a_well_formed_activity_is_still_answered(world):
    assert (await world.post(world.activity(HANNAH, "help"))).status == 201
    assert len(world.connector.writes()) == 1


# ---------------------------------------------------------------- the signing keys cannot be fetched


class KeyServer:
    """OpenID metadata + JWKS on 127.0.0.1:0 that can be told to fail (`mode`)."""

    def __init__(self, jwk: dict[str, Any]):
        self.jwk = jwk
        self.mode = "ok"  # ok | error (HTTP 503) | garbage (not JSON) | no-jwks (metadata without jwks_uri)
        self.requests = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                if owner.mode == "error":
                    self.send_response(503)
                    self.end_headers()
                    return
                if self.path == "/.well-known/openid-configuration":
                    body: Any = {"issuer": ISSUER, "jwks_uri": f"{base}/keys"}
                    if owner.mode == "no-jwks":
                        body = {"issuer": ISSUER}
                elif self.path == "/keys":
                    body = {"keys": [owner.jwk]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = b"<html>maintenance</html>" if owner.mode == "garbage" else json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[KeyServer]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def _closed_port_url() -> str:
    """A port nothing listens on, under a path no other test used: the SDK caches signing keys
    per metadata URL for the whole process, and a port an earlier test's key server had would
    otherwise find that server's keys still cached."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/closed-{uuid.uuid4().hex}"


@pytest.fixture
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwk(signing_key) -> dict[str, Any]:
    key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    key.update({"kid": "local-key-1", "use": "sig", "endorsements": ["msteams"]})
    return key


async def _authed_world(engine, clock, openid_base: str):
    settings = teams_settings(microsoft_app_id=APP_ID, microsoft_app_password="pw", microsoft_app_tenant_id=TENANT_ID)
    app = web.Application()  # no error middleware: the endpoint itself must answer 503 / 401
    overrides = {
        "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{openid_base}/.well-known/openid-configuration",
        "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": ISSUER,
        "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"{openid_base}/login",
        "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": f"{openid_base}/scope",
    }
    world = await start_world(engine, clock, settings=settings, app=app, mount=False)
    mount_teams(app, world.rt, auth_overrides=overrides)
    await world.serve(app)
    with session_scope(world.rt.engine) as s:
        link_identity(s, "teams", HANNAH["id"], "hos-scp")
    return world


def _token(key, service_url: str, kid: str = "local-key-1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "iat": now, "nbf": now, "exp": now + 3600}
    body.update(claims)
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


async def _send(world, bearer: str, text: str = "4.2.1 green - on track") -> tuple[int, str, Any]:
    activity = world.activity(HANNAH, text, deliveryMode="expectReplies")
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            f"{world.base_url}/api/messages", json=activity, headers={"Authorization": f"Bearer {bearer}"}
        )
        return response.status, await response.text(), response.headers


async def test_signing_keys_unreachable_is_503_with_retry_after(reference_engine, teams_clock, signing_key):
    world = await _authed_world(reference_engine, teams_clock, _closed_port_url())
    try:
        status, text, headers = await _send(world, _token(signing_key, world.connector.url))
        assert status == 503, text
        assert int(headers["Retry-After"]) > 0
        assert "Traceback" not in text and "signing keys" in text
        assert _updates(world) == 0 and world.connector.requests == []
    finally:
        await world.stop()


@pytest.mark.parametrize("mode", ["error", "garbage", "no-jwks"])
async def test_signing_keys_failing_is_503_and_works_again_when_they_are_back(
    reference_engine, teams_clock, signing_key, jwk, mode
):
    keys = KeyServer(jwk)
    with keys.running():
        world = await _authed_world(reference_engine, teams_clock, keys.url)
        try:
            keys.mode = mode
            status, text, headers = await _send(world, _token(signing_key, world.connector.url))
            assert status == 503, text
            assert "Retry-After" in headers
            assert _updates(world) == 0

            keys.mode = "ok"  # the identity provider is back: no restart needed
            status, text, _ = await _send(world, _token(signing_key, world.connector.url))
            assert status == 200, text
            assert _updates(world) == 1
        finally:
            await world.stop()


async def test_a_token_whose_key_is_unknown_is_401(reference_engine, teams_clock, signing_key, jwk):
    keys = KeyServer(jwk)
    with keys.running():
        world = await _authed_world(reference_engine, teams_clock, keys.url)
        try:
            status, text, _ = await _send(world, _token(signing_key, world.connector.url, kid="someone-elses-key"))
            assert status == 401, text
            other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            status, text, _ = await _send(world, _token(other, world.connector.url))
            assert status == 401, text
            status, text, _ = await _send(world, "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln")  # JWT-shaped rubbish
            assert status == 401, text
            assert _updates(world) == 0
        finally:
            await world.stop()


@pytest.mark.parametrize(
    "value", ["a string", [1, 2], {"action": "a string"}, {"action": {"verb": "green", "data": "a string"}}]
)
async def test_a_card_action_of_the_wrong_shape_is_answered_not_one_of_mine(world, value):
    invoke = world.activity(HANNAH, name="adaptiveCard/action", value=value)
    invoke["type"] = "invoke"
    status, body = await world.post_json(invoke)
    assert status == 200, body
    assert body["statusCode"] == 200 and "not one of mine" in body["value"]
    assert _updates(world) == 0


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: an identity provider that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        # a path no other test used (the SDK caches signing keys per metadata URL: see above)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/silent-{uuid.uuid4().hex}"
    finally:
        listener.close()


async def test_signing_keys_that_hang_are_503_in_bounded_time_and_the_server_keeps_serving(
    reference_engine, teams_clock, signing_key
):
    import asyncio

    from handlers.teams.sdk import KEYS_FETCH_TIMEOUT_SECONDS

    with silent_server() as base:
        world = await _authed_world(reference_engine, teams_clock, base)
        try:
            started = time.monotonic()
            request = asyncio.create_task(_send(world, _token(signing_key, world.connector.url)))
            await asyncio.sleep(0.3)
            async with aiohttp.ClientSession() as session:  # the event loop is not blocked meanwhile
                health = await asyncio.wait_for(session.get(f"{world.base_url}/api/messages"), timeout=2)
                assert health.status == 405
            status, text, headers = await request
            assert status == 503, text
            assert "Retry-After" in headers
            assert time.monotonic() - started < KEYS_FETCH_TIMEOUT_SECONDS * 2 + 5
        finally:
            await world.stop()
