"""The last resort of the one aiohttp server (`bot.http_errors`): whatever escapes a route is a
plain JSON answer, never a traceback; a database outage is a 503 with Retry-After.

The failing routes are added to the real app `create_app` builds (the middleware applies to
every route, so a route that fails on purpose is the honest way to reach it); the outage is a
real connection refused by a port nobody listens on."""

from __future__ import annotations

import re
import socket

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from actionbot.app import create_app
from bot.config import Settings
from bot.runtime import build_runtime
from storage.db import make_engine

SECRET = "xoxb-1234-very-secret-token"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(reference_engine, clock) -> TestClient:
    rt = build_runtime(Settings(_env_file=None, database_url="sqlite://"), engine=reference_engine, clock=clock)
    app = create_app(rt)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError(f"a bug, with {SECRET} in its message")

    async def needs_a_database(request: web.Request) -> web.Response:
        engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere")
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
        return web.Response(text="unreachable")

    app.router.add_post("/test/broken", broken)
    app.router.add_get("/test/database", needs_a_database)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_an_unexpected_error_is_a_json_500_with_an_error_id_and_no_traceback(reference_engine, clock, caplog):
    client = await _client(reference_engine, clock)
    try:
        async with client.post("/test/broken", data=b"password=hunter2") as response:
            assert response.status == 500
            assert response.content_type == "application/json"
            body = await response.json()
            raw = await response.text()
    finally:
        await client.close()
    assert body["error"] == "internal" and re.fullmatch(r"[0-9a-f]{8}", body["id"])
    assert "Traceback" not in raw and SECRET not in raw and "RuntimeError" not in raw
    [record] = [r for r in caplog.records if r.name == "actionbot.http"]
    assert body["id"] in record.getMessage() and "/test/broken" in record.getMessage()
    assert record.exc_info is not None  # the operator finds the traceback in the log, by id
    assert "hunter2" not in record.getMessage()  # never the request body


async def test_a_database_outage_is_a_503_with_retry_after(reference_engine, clock, caplog):
    client = await _client(reference_engine, clock)
    try:
        async with client.get("/test/database") as response:
            assert response.status == 503
            assert int(response.headers["Retry-After"]) > 0
            assert (await response.json())["error"] == "database unavailable"
    finally:
        await client.close()
    assert not [r for r in caplog.records if r.exc_info], "an outage is one log line, not a traceback"


async def test_http_errors_of_the_routes_pass_through(reference_engine, clock):
    client = await _client(reference_engine, clock)
    try:
        async with client.get("/no/such/route") as response:
            assert response.status == 404
        async with client.get("/test/broken") as response:
            assert response.status == 405
        async with client.get("/healthz") as response:
            assert response.status == 200
    finally:
        await client.close()
