"""Never public: sign-in by link or proxy header, the session cookie, the security headers.

Each test drives the real app over HTTP; time moves on the FixedClock, never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.board_access import COOKIE
from storage.models import AuditEvent
from tests.board.conftest import cookie_of, start_board


def audit_kinds(engine, prefix: str) -> list[AuditEvent]:
    with Session(engine) as s:
        return [e for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all() if e.kind.startswith(prefix)]


async def test_without_a_session_every_page_is_a_401_with_no_plan_data(board):
    for path in ("/board", "/board/bromley-2016-17", "/board/bromley-2016-17/recommendations",
                 "/board/bromley-2016-17/reports/2016-09", "/board/bromley-2016-17/chart/2016-09/by-priority.png",
                 "/board/no-such-plan"):
        r = await board.get(path)
        body = await r.text()
        assert r.status == 401, path
        assert r.content_type == "text/html"
        assert "Sign in to read the board" in body
        for plan_data in ("Bromley", "Priority 1", "4.2.1", "Red"):
            assert plan_data not in body, (path, plan_data)


async def test_every_board_response_carries_the_security_headers(board):
    token = board.issue()
    cookie = await board.sign_in(token)
    for r in (await board.get("/board"), await board.get("/board", cookie), await board.get("/board/static/board.css"),
              await board.get(f"/board/link/{board.issue()}"), await board.get("/board/nope/x/y", cookie)):
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'"), r.url
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-store"
    other = await board.get("/healthz")
    assert "Content-Security-Policy" not in other.headers  # the board's policy is the board's


async def test_a_link_opens_an_eight_hour_secure_httponly_strict_session(board):
    token = board.issue()
    page = await board.get(f"/board/link/{token}")
    assert page.status == 200
    assert "Open the board" in await page.text()
    opened = await board.client.post("/board/link", data={"token": token}, allow_redirects=False)
    assert opened.status == 303
    header = opened.headers["Set-Cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Max-Age=28800", "Path=/board"):
        assert flag in header, header
    cookie = cookie_of(opened)
    ok = await board.get("/board", cookie)
    assert ok.status == 200
    assert "Priority 10" in await ok.text()
    board.rt.clock.current += timedelta(hours=7, minutes=59)
    assert (await board.get("/board", cookie)).status == 200
    board.rt.clock.current += timedelta(minutes=2)
    assert (await board.get("/board", cookie)).status == 401  # the session ended after 8 hours


async def test_a_chat_link_works_once(board):
    token = board.issue()
    await board.sign_in(token)
    again = await board.get(f"/board/link/{token}")
    assert again.status == 403
    assert "already been used" in await again.text()
    post = await board.client.post("/board/link", data={"token": token}, allow_redirects=False)
    assert post.status == 403
    assert "Set-Cookie" not in post.headers


async def test_a_chat_link_expires_after_15_minutes(board):
    token = board.issue()
    board.rt.clock.current += timedelta(minutes=15, seconds=1)
    r = await board.get(f"/board/link/{token}")
    assert r.status == 403
    assert "expired" in await r.text()
    post = await board.client.post("/board/link", data={"token": token}, allow_redirects=False)
    assert post.status == 403 and "Set-Cookie" not in post.headers


async def test_a_sign_in_posted_from_another_site_is_refused_and_leaves_the_link_unspent(board):
    """Login CSRF: a page elsewhere posting a token (its own) must not sign this browser in."""
    token = board.issue()
    host = board.client.server.host
    port = board.client.server.port
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another owner's page too
        {"Origin": "https://evil.example"},
        {"Origin": f"http://{host}:{port + 1}"},
    ):
        post = await board.client.post("/board/link", data={"token": token}, headers=headers, allow_redirects=False)
        assert post.status == 403, headers
        assert "Set-Cookie" not in post.headers and "another site" in await post.text()
    # the board's own button: the browser says same-origin (its Origin is "null": no referrer is sent)
    ok = await board.client.post(
        "/board/link",
        data={"token": token},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"},
        allow_redirects=False,
    )
    assert ok.status == 303 and "Set-Cookie" in ok.headers  # the refused posts did not spend it


async def test_an_older_browser_posting_from_its_own_origin_signs_in(board):
    token = board.issue()
    host = board.client.server.host
    port = board.client.server.port
    ok = await board.client.post(
        "/board/link", data={"token": token}, headers={"Origin": f"http://{host}:{port}"}, allow_redirects=False
    )
    assert ok.status == 303


async def test_a_forged_or_altered_link_is_refused(board):
    token = board.issue()
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", "x" * 5000):
        r = await board.get(f"/board/link/{bad}")
        assert r.status == 403, bad[:20]
        post = await board.client.post("/board/link", data={"token": bad}, allow_redirects=False)
        assert post.status in (400, 403) and "Set-Cookie" not in post.headers
    empty = await board.client.post("/board/link", data={}, allow_redirects=False)
    assert empty.status == 400


async def test_a_forged_or_expired_cookie_is_no_session(board):
    cookie = await board.sign_in(board.issue())
    assert (await board.get("/board", cookie)).status == 200
    assert (await board.get("/board", cookie[:-3] + "abc")).status == 401
    assert (await board.get("/board", "not-a-cookie")).status == 401
    other = await start_board(board.rt.engine, board.rt.clock, actionbot_secret_key="another-key-entirely-0123456789-abcdefghij")
    try:
        assert (await other.get("/board", cookie)).status == 401  # signed with another key
    finally:
        await other.client.close()


async def test_a_revoked_board_link_is_refused(board):
    from bot import signed_links
    from bot.board_access import PURPOSE
    from storage.db import session_scope

    token = board.issue(person="", single_use=False, ttl=timedelta(days=30), name="Improvement Board")
    cookie = await board.sign_in(token)
    assert (await board.get("/board", cookie)).status == 200
    second = await board.sign_in(token)  # a board link works more than once
    assert second
    with session_scope(board.rt.engine) as s:
        link = next(x for x in signed_links.list_links(s, PURPOSE) if x.name == "Improvement Board")
        signed_links.revoke(s, link.id, now=board.rt.clock.now(), actor="test")
    r = await board.get(f"/board/link/{token}")
    assert r.status == 403
    assert "withdrawn" in await r.text()
    # and the sessions it opened end now, not when their 8 hours are up
    assert (await board.get("/board", cookie)).status == 401
    assert (await board.get("/board", second)).status == 401


async def test_revoking_a_link_leaves_other_sessions_open(board):
    from bot import signed_links
    from bot.board_access import PURPOSE
    from storage.db import session_scope

    kept = await board.sign_in(board.issue(person="", single_use=False, ttl=timedelta(days=30), name="Kept"))
    gone = await board.sign_in(board.issue(person="", single_use=False, ttl=timedelta(days=30), name="Gone"))
    with session_scope(board.rt.engine) as s:
        link = next(x for x in signed_links.list_links(s, PURPOSE) if x.name == "Gone")
        signed_links.revoke(s, link.id, now=board.rt.clock.now(), actor="test")
    assert (await board.get("/board", gone)).status == 401
    assert (await board.get("/board", kept)).status == 200


async def test_a_link_for_one_plan_opens_that_plan_only(reference_engine, clock):
    from tests.board.test_board_pages import add_second_plan

    add_second_plan(reference_engine)
    b = await start_board(reference_engine, clock)
    try:
        token = b.issue(person="", single_use=False, ttl=timedelta(days=30), plan="yj", name="YJ Board")
        page = await b.get(f"/board/link/{token}")
        assert page.status == 200
        opened = await b.client.post("/board/link", data={"token": token}, allow_redirects=False)
        assert opened.headers["Location"] == "/board/yj"
        cookie = cookie_of(opened)
        assert (await b.get("/board/yj", cookie)).status == 200
        refused = await b.get("/board/bromley-2016-17", cookie)
        assert refused.status == 403
        assert "4.2.1" not in await refused.text()
    finally:
        await b.client.close()


async def test_every_sign_in_and_link_use_is_audited(board):
    token = board.issue()
    await board.sign_in(token)
    signins = audit_kinds(board.rt.engine, "board.signin")
    assert len(signins) == 1
    assert signins[0].actor == "dcs" and signins[0].details["via"] == "chat-link"
    uses = audit_kinds(board.rt.engine, "link_used")
    assert [e.actor for e in uses] == ["dcs"]
    again = await board.get(f"/board/link/{token}")
    assert again.status == 403
    assert [e.details["outcome"] for e in audit_kinds(board.rt.engine, "link_refused")] == ["used"]


async def test_the_trusted_header_is_accepted_only_from_a_trusted_proxy(reference_engine, clock):
    trusted = await start_board(
        reference_engine, clock, actionbot_trusted_user_header="X-Remote-User", actionbot_trusted_proxies="127.0.0.1/32"
    )
    elsewhere = await start_board(
        reference_engine, clock, actionbot_trusted_user_header="X-Remote-User", actionbot_trusted_proxies="10.0.0.0/8"
    )
    try:
        ok = await trusted.get("/board", **{"X-Remote-User": "chair@bromley.gov.uk"})
        assert ok.status == 200
        assert COOKIE in ok.headers["Set-Cookie"]  # one sign-in, then the cookie
        assert (await trusted.get("/board")).status == 401  # no header, no cookie
        cookie = cookie_of(ok)
        same = await trusted.get("/board", cookie, **{"X-Remote-User": "chair@bromley.gov.uk"})
        assert same.status == 200 and "Set-Cookie" not in same.headers  # the session goes on: no new sign-in
        # the same header from a peer outside the proxies, even claiming to be forwarded by one
        refused = await elsewhere.get(
            "/board", **{"X-Remote-User": "chair@bromley.gov.uk", "X-Forwarded-For": "10.1.2.3"}
        )
        assert refused.status == 401
        signins = audit_kinds(reference_engine, "board.signin")
        assert [(e.actor, e.details["via"]) for e in signins] == [("chair@bromley.gov.uk", "proxy")]
        other = await trusted.get("/board", cookie, **{"X-Remote-User": "clerk@bromley.gov.uk"})
        assert other.status == 200 and cookie_of(other) != cookie  # someone else at the browser: their own session
        assert [e.actor for e in audit_kinds(reference_engine, "board.signin")][-1] == "clerk@bromley.gov.uk"
    finally:
        await trusted.client.close()
        await elsewhere.client.close()


async def test_without_a_secret_key_nothing_opens(reference_engine, clock):
    b = await start_board(
        reference_engine, clock, actionbot_secret_key=None,
        actionbot_trusted_user_header="X-Remote-User", actionbot_trusted_proxies="127.0.0.1/32",
    )
    try:
        assert (await b.get("/board", **{"X-Remote-User": "chair"})).status == 401
    finally:
        await b.client.close()


def test_a_bad_proxy_setting_is_a_configuration_error():
    import pytest
    from pydantic import ValidationError

    from bot.config import Settings

    with pytest.raises(ValidationError, match="ACTIONBOT_TRUSTED_PROXIES"):
        Settings(_env_file=None, actionbot_trusted_proxies="10.0.0.0/8, not-a-network")
