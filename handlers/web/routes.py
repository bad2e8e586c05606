"""The board's routes: sign-in by link or proxy header, then the read-only pages.

    GET  /board/static/board.css            the stylesheet (no data)
    GET  /board/link/<token>                a link from chat or `actionbot board link`: checked,
                                            then a page with one button (no plan data)
    POST /board/link                        the button: the link is used (single-use links are
                                            consumed), an 8-hour session cookie is set, 303 to the plan;
                                            a post from another site's page is refused (403)
    GET  /board                             the default plan
    GET  /board/<plan>                      a live plan (filters: ?show=overdue|red_amber&lead=…&partner=…)
    GET  /board/<plan>/recommendations      the plan by Ofsted recommendation
    GET  /board/<plan>/reports/<YYYY-MM>    a month's highlight report
    GET  /board/<plan>/chart/<YYYY-MM>/<name>.png   its pictures

Why a button after the link: chat apps and mail scanners fetch links to preview them, and a GET
that consumed a single-use link would spend it before the person clicks. And the session cookie
is `SameSite=Strict`: set on a navigation that started in another site (the chat app), the
redirect to the plan would arrive without it. The button makes the sign-in a same-site POST.

Every page needs a session (cookie, or the trusted proxy's header); without one the answer is
401 with a page that holds no plan data. Database work runs in a worker thread (`to_thread`),
as the chat handlers do, so rendering a chart never stalls Slack's 3-second acks.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlmodel import Session

from bot import board as model
from bot import board_access as access
from bot.report import build_report
from bot.runtime import Runtime
from cards import board_html as html
from handlers.web.security import PREFIX, from_another_site
from storage import repo
from storage.db import session_scope
from storage.models import Plan

log = logging.getLogger("actionbot.board")
MAX_TOKEN_CHARS = 600
REFUSALS = {
    "forged": "This link is not one the bot issued.",
    "expired": "This link has expired.",
    "used": "This link has already been used: links from chat work once.",
    "revoked": "This link has been withdrawn by the SIT.",
    "unavailable": "The board is not set up to accept links yet (ACTIONBOT_SECRET_KEY is not set).",
    "cross-site": "The board only signs you in from its own page: open your link again and press its button.",
}


def page(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def message(title: str, lines: list[str], status: int, *, form_token: str = "") -> web.Response:
    return page(html.message_page(title, lines, base=PREFIX, form_token=form_token), status)


def not_signed_in() -> web.Response:
    return message(
        "Sign in to read the board",
        [
            "This page is not public. Type board in a chat with the bot to get a personal link, "
            "or open the link the SIT sent your board.",
        ],
        401,
    )


def not_found() -> web.Response:
    return message("Not found", ["There is no such page on the board."], 404)


@dataclass
class Viewer:
    session: access.BoardSession
    cookie: str | None = None  # a cookie to set (a new proxy sign-in)


class BoardRoutes:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    @property
    def secret(self) -> str:
        return self.rt.settings.actionbot_secret_key or ""

    # ---- sign-in -------------------------------------------------------------------------

    async def css(self, request: web.Request) -> web.Response:
        return web.Response(body=html.stylesheet(), content_type="text/css", charset="utf-8")

    async def link_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        refusal = await asyncio.to_thread(self._check_link, token)
        if refusal:
            return message("This link cannot be used", [REFUSALS.get(refusal, refusal), _ask_again()], 403)
        return message(
            "Open the board",
            ["This link signs you in to the board's read-only view of the plan for 8 hours on this browser."],
            200,
            form_token=token,
        )

    async def link_open(self, request: web.Request) -> web.Response:
        if from_another_site(request):  # the link is not looked at, so it is not spent either
            return message("This sign-in came from another site", [REFUSALS["cross-site"], _ask_again()], 403)
        form = await request.post()
        token = form.get("token")
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            return message("This link cannot be used", [REFUSALS["forged"], _ask_again()], 400)
        result = await asyncio.to_thread(self._use_link, token)
        if isinstance(result, str):
            return message("This link cannot be used", [REFUSALS.get(result, result), _ask_again()], 403)
        board_session, landing = result
        response = web.Response(status=303, headers={"Location": f"{PREFIX}/{landing}" if landing else PREFIX})
        self._set_cookie(response, board_session)
        return response

    def _check_link(self, token: str) -> str | None:
        from bot import signed_links

        if len(token) > MAX_TOKEN_CHARS:
            return "forged"
        with session_scope(self.rt.engine) as session:
            try:
                signed_links.check(session, token, secret=self.secret, purpose=access.PURPOSE, now=self.rt.clock.now())
            except signed_links.LinkRefused as exc:
                return exc.reason  # the refusal is audited in this transaction, which commits
            except signed_links.SecretKeyMissing:
                return "unavailable"
        return None

    def _use_link(self, token: str) -> tuple[access.BoardSession, str | None] | str:
        from bot import signed_links

        now = self.rt.clock.now()
        with session_scope(self.rt.engine) as session:
            try:
                grant = signed_links.check(session, token, secret=self.secret, purpose=access.PURPOSE, now=now)
                signed_links.consume(session, grant, now=now)  # single use: once, even when two race
            except signed_links.LinkRefused as exc:
                return exc.reason
            except signed_links.SecretKeyMissing:
                return "unavailable"
            chat = grant.single_use
            who = grant.person_key if chat and grant.person_key else f"link:{grant.id}:{grant.name or 'board'}"
            board_session = access.open_session(
                session,
                who=who,
                via="chat-link" if chat else "board-link",
                plan_key=grant.plan_key,
                now=now,
                details={"link": grant.id},
                link_id=grant.id,
            )
            landing = grant.plan_key or (grant.subject or {}).get("plan")
        return board_session, landing if isinstance(landing, str) else None

    def _set_cookie(self, response: web.StreamResponse, board_session: access.BoardSession) -> None:
        response.set_cookie(
            access.COOKIE,
            access.session_cookie(self.secret, board_session),
            path=PREFIX,
            max_age=int(access.SESSION_TTL.total_seconds()),
            secure=True,
            httponly=True,
            samesite="Strict",
        )

    def _viewer(self, request: web.Request) -> Viewer | None:
        """The reader of this request: the sign-on proxy's user when a trusted peer names one (a
        new session, audited, unless the cookie is already theirs), else a valid session
        cookie, else None. The proxy wins over a cookie: it knows who is at the browser now."""
        now = self.rt.clock.now()
        found = access.read_session(self.secret, request.cookies.get(access.COOKIE), now)
        if found is not None and found.link_id is not None:
            from bot import signed_links

            with session_scope(self.rt.engine) as session:
                if signed_links.is_revoked(session, found.link_id):
                    found = None  # `actionbot board revoke` ends the sessions the link opened
        s = self.rt.settings
        user = access.trusted_user(request.remote, request.headers, s.actionbot_trusted_user_header, s.trusted_proxies)
        if user is None or (found is not None and found.who == user and found.via == "proxy"):
            return Viewer(found) if found is not None else None
        if not self.secret:
            return None
        with session_scope(self.rt.engine) as session:
            opened = access.open_session(
                session, who=user, via="proxy", plan_key=None, now=now, details={"peer": request.remote or ""}
            )
        return Viewer(opened, cookie=access.session_cookie(self.secret, opened))

    # ---- pages ---------------------------------------------------------------------------

    async def default_plan(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, None, "plan")

    async def plan(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, request.match_info["plan"], "plan")

    async def recommendations(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, request.match_info["plan"], "recommendations")

    async def report(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, request.match_info["plan"], "report")

    async def chart(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, request.match_info["plan"], "chart")

    async def _serve(self, request: web.Request, plan_key: str | None, what: str) -> web.StreamResponse:
        viewer = await asyncio.to_thread(self._viewer, request)
        if viewer is None:
            return not_signed_in()
        response = await asyncio.to_thread(self._render, request, viewer.session, plan_key, what)
        if viewer.cookie:
            self._set_cookie(response, viewer.session)
        return response

    def _render(
        self, request: web.Request, viewer: access.BoardSession, plan_key: str | None, what: str
    ) -> web.StreamResponse:
        now = self.rt.clock.now()
        with session_scope(self.rt.engine) as session:
            plan = self._plan(session, plan_key, viewer)
            if plan is None:
                return not_found()
            if not viewer.may_read(plan.key):
                return message("Not for this link", ["This link opens another plan's board only."], 403)
            links = tuple(
                model.PlanLink(p.key, p.title) for p in repo.live_plans(session) if viewer.may_read(p.key)
            )
            query = {k: v for k, v in request.query.items() if k in ("show", "lead", "partner")}
            board = model.board_page(session, plan, now, query if what == "plan" else None, plans=links)
            if what == "plan":
                return page(html.plan_page(board, PREFIX), 400 if board.problems else 200)
            if what == "recommendations":
                return page(html.recommendations_page(board, model.recommendations(session, plan, now), PREFIX))
            return self._month(session, request, plan, board, now, what)

    def _month(
        self, session: Session, request: web.Request, plan: Plan, board: model.BoardPage, now: datetime, what: str
    ) -> web.StreamResponse:
        period = model.report_month(plan, board.today, request.match_info["month"])
        if period is None:
            return not_found()
        report = build_report(session, plan, period, as_of=now)
        if what == "report":
            return page(html.report_page(board, report, PREFIX))
        png = html.chart_png(report, request.match_info["name"])
        if png is None:
            return not_found()
        return web.Response(body=png, content_type="image/png")

    def _plan(self, session: Session, plan_key: str | None, viewer: access.BoardSession) -> Plan | None:
        """The live plan a path names; for `/board`, the viewer's plan if their link names one,
        else the deployment's default. Archived plans are history, not the board's."""
        if plan_key is None:
            plan_key = viewer.plan_key
        if plan_key is None:
            try:
                return repo.active_plan(session, self.rt.settings.actionbot_plan)
            except repo.NoPlanError:
                return None
        plan = repo.plan_by_key(session, plan_key)
        return plan if plan is not None and plan.active else None


def _ask_again() -> str:
    return "Type board in a chat with the bot for a new link, or ask the SIT for your board's link."
