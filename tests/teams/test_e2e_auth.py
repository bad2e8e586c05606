"""Authentication of /api/messages: local development mode (no app id, loopback only) and
authenticated mode (a Bot Framework JWT is required), including a valid token signed by a local
key that the SDK finds through a local OpenID metadata endpoint."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from bot.identity import link_identity
from domain.clock import FixedClock
from handlers.teams import mount_teams
from handlers.teams.endpoint import from_this_machine, is_loopback
from storage import repo
from storage.db import session_scope
from storage.models import ActionUpdate
from tests.teams.conftest import HANNAH, card_texts, start_world, teams_settings

APP_ID = "6f0c3f51-0000-4000-8000-00000000a11d"
TENANT_ID = "0d9f2b1e-0000-4000-8000-00000000c0de"
ISSUER = "https://token-issuer.actionbot.test"


async def test_dev_mode_accepts_loopback_and_refuses_a_forwarded_outside_client(world):
    assert (await world.post(world.activity(HANNAH, "help"))).status == 201
    refused = await world.post(world.activity(HANNAH, "help"), headers={"X-Forwarded-For": "203.0.113.9"})
    assert refused.status == 403
    forwarded = await world.post(world.activity(HANNAH, "help"), headers={"Forwarded": 'for="[2001:db8::1]:4711"'})
    assert forwarded.status == 403
    assert len(world.connector.writes()) == 1  # only the loopback request was answered


def test_dev_mode_refuses_a_non_loopback_peer():
    def request_from(peer: str, headers: dict[str, str] | None = None) -> web.Request:
        transport = mock.Mock()
        transport.get_extra_info.side_effect = lambda name, default=None: (peer, 50000) if name == "peername" else None
        return make_mocked_request("POST", "/api/messages", headers=headers or {}, transport=transport)

    assert from_this_machine(request_from("127.0.0.1"))
    assert from_this_machine(request_from("::1"))
    assert not from_this_machine(request_from("192.0.2.10"))
    assert not from_this_machine(request_from("127.0.0.1", {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}))
    assert from_this_machine(request_from("127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}))
    assert is_loopback("127.8.9.10") and not is_loopback("10.0.0.1") and not is_loopback(None)


async def test_dev_mode_endpoint_answers_403_to_a_non_loopback_peer(reference_engine, teams_clock):
    world = await start_world(reference_engine, teams_clock)
    try:
        handler = next(r.handler for r in world.rt_app.router.routes() if r.resource.canonical == "/api/messages")
        transport = mock.Mock()
        transport.get_extra_info.side_effect = lambda name, default=None: (
            ("192.0.2.10", 50000) if name == "peername" else None
        )
        request = make_mocked_request(
            "POST", "/api/messages", headers={"Content-Type": "application/json"}, transport=transport
        )
        response = await handler(request)
        assert response.status == 403 and b"this machine only" in response.body
    finally:
        await world.stop()


@pytest.fixture
async def authed_world(reference_engine, teams_clock):
    world = await start_world(
        reference_engine, teams_clock, settings=teams_settings(microsoft_app_id=APP_ID, microsoft_app_password="pw", microsoft_app_tenant_id=TENANT_ID)
    )
    yield world
    await world.stop()


async def test_auth_on_without_a_token_is_401(authed_world):
    response = await authed_world.post(authed_world.activity(HANNAH, "status priority 4"))
    assert response.status == 401
    garbage = await authed_world.post(
        authed_world.activity(HANNAH, "status priority 4"), headers={"Authorization": "Bearer not-a-jwt"}
    )
    assert garbage.status == 401
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = jwt.encode({"iss": "https://someone-else.test", "aud": APP_ID}, key, algorithm="RS256")
    stranger = await authed_world.post(
        authed_world.activity(HANNAH, "status priority 4"), headers={"Authorization": f"Bearer {foreign}"}
    )
    assert stranger.status == 401
    assert authed_world.connector.requests == []


# ---------------------------------------------------------------- a valid token, signed locally


@contextmanager
def openid_server(jwk: dict[str, Any]) -> Iterator[str]:
    """OpenID metadata + JWKS on 127.0.0.1:0, in a thread (the SDK fetches it synchronously)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": ISSUER, "jwks_uri": f"{base}/keys"}
            elif self.path == "/keys":
                body = {"keys": [jwk]}
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def verified_world(reference_engine, teams_clock, signing_key):
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwk.update({"kid": "local-key-1", "use": "sig", "endorsements": ["msteams"]})
    with openid_server(jwk) as base:
        settings = teams_settings(microsoft_app_id=APP_ID, microsoft_app_password="pw", microsoft_app_tenant_id=TENANT_ID)
        app = web.Application()
        # the same endpoint as production, told to trust the local issuer; outbound logins would
        # also go to the local server (none are expected: replies come back in the HTTP response)
        overrides = {
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{base}/.well-known/openid-configuration",
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": ISSUER,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": f"{base}/login",
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": f"{base}/scope",
        }
        world = await start_world(reference_engine, teams_clock, settings=settings, app=app, mount=False)
        mount_teams(app, world.rt, auth_overrides=overrides)
        await world.serve(app)
        with session_scope(world.rt.engine) as s:  # already linked: no member lookup (an outbound call)
            link_identity(s, "teams", HANNAH["id"], "hos-scp")
        yield world
        await world.stop()


def token(key, clock: FixedClock, service_url: str, **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "iat": now, "nbf": now, "exp": now + 3600}
    body.update(claims)
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "local-key-1"})


async def test_a_valid_bot_framework_token_is_accepted(verified_world, signing_key, assert_valid_card):
    w = verified_world
    activity = w.activity(HANNAH, "4.2.1 green - on track", deliveryMode="expectReplies")
    bearer = token(signing_key, w.rt.clock, w.connector.url)
    async with w.session() as session:
        response = await session.post(
            f"{w.base_url}/api/messages", json=activity, headers={"Authorization": f"Bearer {bearer}"}
        )
        assert response.status == 200, await response.text()
        body = await response.json()
    [reply] = body["activities"]
    card = assert_valid_card(reply["attachments"][0]["content"])
    assert "Recorded:" in card_texts(card)
    with session_scope(w.rt.engine) as s:
        assert [u.rag for u in s.exec(select(ActionUpdate)).all()] == ["green"]
    assert w.connector.requests == []  # nothing went out: the reply came back in the response


async def test_iam_is_refused_when_authentication_is_on(verified_world, signing_key):
    w = verified_world
    activity = w.activity(HANNAH, "iam DCS", deliveryMode="expectReplies")
    bearer = token(signing_key, w.rt.clock, w.connector.url)
    async with w.session() as session:
        response = await session.post(
            f"{w.base_url}/api/messages", json=activity, headers={"Authorization": f"Bearer {bearer}"}
        )
        body = await response.json()
    assert "only works in local development mode" in card_texts(body["activities"][0]["attachments"][0]["content"])
    with session_scope(w.rt.engine) as s:
        assert repo.channel_address(s, "teams", f"iam:{HANNAH['id']}") is None


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "some-other-bot"},
        {"serviceurl": "http://127.0.0.1:9/elsewhere/"},
        {"exp": int(time.time()) - 3600, "nbf": int(time.time()) - 7200, "iat": int(time.time()) - 7200},
    ],
    ids=["wrong-audience", "wrong-service-url", "expired"],
)
async def test_an_invalid_token_is_401(verified_world, signing_key, claims):
    w = verified_world
    bearer = token(signing_key, w.rt.clock, w.connector.url, **claims)
    response = await w.post(w.activity(HANNAH, "4.2.1 green"), headers={"Authorization": f"Bearer {bearer}"})
    assert response.status == 401
    with session_scope(w.rt.engine) as s:
        assert s.exec(select(ActionUpdate)).all() == []


async def test_a_token_signed_by_another_key_is_401(verified_world):
    w = verified_world
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bearer = token(other, w.rt.clock, w.connector.url)
    response = await w.post(w.activity(HANNAH, "4.2.1 green"), headers={"Authorization": f"Bearer {bearer}"})
    assert response.status == 401


async def test_an_accepted_token_sent_with_another_service_url_is_401(verified_world, signing_key):
    """The accepted token is remembered (`sdk._ReusingAuthentication`), but only for the service
    URL it names: replayed beside another serviceUrl, it is checked again and refused."""
    w = verified_world
    bearer = token(signing_key, w.rt.clock, w.connector.url)
    accepted = await w.post(w.activity(HANNAH, "help", deliveryMode="expectReplies"),
                            headers={"Authorization": f"Bearer {bearer}"})
    assert accepted.status == 200
    elsewhere = w.activity(HANNAH, "4.2.1 green", serviceUrl="http://127.0.0.1:9/elsewhere/")
    assert (await w.post(elsewhere, headers={"Authorization": f"Bearer {bearer}"})).status == 401
    with session_scope(w.rt.engine) as s:
        assert s.exec(select(ActionUpdate)).all() == []
