"""`/u/<token>`: the pages behind a nudge email's answer links, served by `actionbot serve`.

GET only shows (mail scanners prefetch links): Green and Completed show one button that
records (a POST form, no JavaScript), Amber, Red and "Add update" show a small form (status,
note of at most 280 characters, optional proposed date). POST checks the token, spends it
(single use), and hands the answer to the core as a form or button request, the same path as
a Slack modal or a Teams card: the same validation, the same audit trail. A refusal keeps the
field it is about and comes with a fresh link for the same person and action, so the person
can correct it; a forged, altered, expired or spent link gets a plain page with a 4xx and
nothing is recorded.

The pages aim at WCAG 2.2 AA: a language, a title and one h1, labels for every input, the RAG
choice as a fieldset with a legend, errors named in a summary and tied to their inputs
(aria-describedby, aria-invalid), visible focus, ≥ 4.5:1 contrast, targets ≥ 24 px.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import signed_links
from bot.outage import RETRY_AFTER_SECONDS, UNAVAILABLE, is_database_outage
from bot.requests import ChatRequest, Identity
from bot.runtime import Runtime
from bot.views import ConfirmationView, NoticeView, UpdateFormView
from cards.format import fmt_date, rag_tag
from domain.vocabulary import RAG_LABELS, canonical_action_id
from handlers.email.links import CHOICE_NAMES, ONE_CLICK, PURPOSE
from storage import repo
from storage.db import session_scope
from storage.models import Action, Plan

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_NOTE = 280
RAG_CHOICES = (("green", "Green"), ("amber", "Amber"), ("red", "Red"), ("completed", "Completed"))
FIELD_IDS = {"rag": "rag-green", "note": "note", "date": "proposed_date"}
# What each refusal of a link is, to the person and as an HTTP status.
REFUSALS = {
    "forged": (
        400,
        "This link is not valid",
        "The link is damaged or was not made by actionbot. Nothing was recorded.",
    ),
    "expired": (410, "This link has expired", "Answer by replying to the email, or in chat. Nothing was recorded."),
    "used": (409, "This link has already been used", "Your earlier answer stands; nothing more was recorded."),
    "revoked": (410, "This link was withdrawn", "Answer by replying to the email, or in chat. Nothing was recorded."),
}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))


def _page(status: int, **values: Any) -> web.Response:
    defaults: dict[str, Any] = {
        "errors": {},
        "field_ids": FIELD_IDS,
        "message": "",
        "status_role": "",
        "action": None,
        "recorded": [],
        "mode": "",
        "rags": RAG_CHOICES,
        "max_note": MAX_NOTE,
        "note": "",
        "proposed_date": "",
        "rag": "",
    }
    html = _env().get_template("page.html.j2").render(**{**defaults, **values})
    response = web.Response(status=status, text=html, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
    return response


def unavailable() -> web.Response:
    """The database could not be reached: 503 with Retry-After, and the link still works."""
    response = _page(503, title="Please try again in a few minutes", message=UNAVAILABLE, status_role="alert")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def refused(reason: str) -> web.Response:
    status, title, message = REFUSALS.get(reason, REFUSALS["forged"])
    return _page(status, title=title, message=message, status_role="alert")


@dataclass(frozen=True)
class ActionInfo:
    ref: str
    text: str
    current: str = ""


class AnswerPages:
    def __init__(self, rt: Runtime, secret: str):
        self.rt = rt
        self.secret = secret

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/u/{token}", self.show)
        app.router.add_post("/u/{token}", self.answer)

    # --- GET: show, never record -------------------------------------------------------------
    async def show(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        choice = request.query.get("choice", "update")
        if choice not in CHOICE_NAMES:
            choice = "update"
        found = await asyncio.to_thread(self._check, token)
        if isinstance(found, web.Response):
            return found
        _grant, info = found
        post_url = f"/u/{quote(token, safe='')}"
        if choice in ONE_CLICK:
            return _page(
                200,
                title=f"Record {RAG_LABELS.get(choice, choice)} for {info.ref}",
                action=info,
                mode="confirm",
                choice=choice,
                choice_label=RAG_LABELS.get(choice, choice),
                post_url=post_url,
                form_url=f"{post_url}?choice=update",
            )
        rag = choice if choice in ("amber", "red") else ""
        return _page(200, title=f"Update {info.ref}", action=info, mode="form", rag=rag, post_url=post_url)

    # --- POST: check, spend, record through the core ----------------------------------------
    async def answer(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            form = await request.post()
        except ValueError:
            return _page(400, title="This answer could not be read", message="Nothing was recorded.")
        choice = str(form.get("choice", ""))
        if choice not in CHOICE_NAMES:
            return _page(400, title="This answer could not be read", message="Nothing was recorded.")
        one_click = choice in ONE_CLICK
        rag = choice if one_click else str(form.get("rag", ""))
        note = str(form.get("note", "")).strip()
        proposed = str(form.get("proposed_date", "")).strip()
        found = await asyncio.to_thread(self._check, token)
        if isinstance(found, web.Response):
            return found
        _grant, info = found
        post_url = f"/u/{quote(token, safe='')}"
        errors: dict[str, str] = {}
        if not one_click and rag not in dict(RAG_CHOICES):
            errors["rag"] = "Choose a status: Green, Amber, Red or Completed."
        if len(note) > MAX_NOTE or "\n" in note:
            errors["note"] = f"The note must be one line of at most {MAX_NOTE} characters (it has {len(note)})."
        if len(proposed) > 40:
            errors["date"] = "Write the date as, for example, 30 Nov 2016."
        if errors:  # checked before the link is spent: it still works for the corrected answer
            return _page(
                422,
                title=f"Update {info.ref}",
                action=info,
                mode="form",
                errors=errors,
                rag=rag,
                note=note,
                proposed_date=proposed,
                post_url=post_url,
            )
        return await asyncio.to_thread(self._record, token, info, rag, note, proposed, one_click)

    def _check(self, token: str) -> tuple[Any, ActionInfo] | web.Response:
        now = self.rt.clock.now()
        with session_scope(self.rt.engine) as session:
            try:
                grant = signed_links.check(session, token, secret=self.secret, purpose=PURPOSE, now=now)
            except signed_links.LinkRefused as exc:
                return refused(exc.reason)
            info = _action_info(session, grant)
        if info is None:
            return _page(404, title="This action is no longer in the plan", message="Nothing was recorded.")
        return grant, info

    def _record(
        self, token: str, info: ActionInfo, rag: str, note: str, proposed: str, one_click: bool
    ) -> web.Response:
        now = self.rt.clock.now()
        with session_scope(self.rt.engine) as session:
            try:
                grant = signed_links.check(session, token, secret=self.secret, purpose=PURPOSE, now=now)
                signed_links.consume(session, grant, now=now)
            except signed_links.LinkRefused as exc:
                return refused(exc.reason)
            person = repo.person_by_key(session, grant.person_key)
            email = person.email if person else None
        if not email:
            self._release(grant, now, "not in the directory")
            return _page(403, title="You are no longer in the people directory", message="Nothing was recorded.")
        request = ChatRequest(
            identity=Identity(channel="email", user_id=email.lower(), email=email),
            kind="button" if one_click and not note else "form",
            action_ref=info.ref,
            rag=rag,
            note=note or None,
            proposed_date=proposed or None,
            thread_refs=(info.ref,),
            plan_key=grant.plan_key,  # the link knows its plan: an id two live plans share is not ambiguous
        )
        try:
            reply = self.rt.core.handle(request)
        except Exception as exc:  # the link was spent for an answer that was never recorded
            self._release(grant, now, "error")
            if not is_database_outage(exc):
                raise
            return unavailable()
        if not reply.recorded and any(
            isinstance(v, NoticeView) and v.text == UNAVAILABLE for v in reply.views
        ):  # the core met a database outage and said so: nothing recorded, the link stays good
            self._release(grant, now, "database unavailable")
            return unavailable()
        if reply.recorded:
            lines = [
                f"{r.ref}: {rag_tag(r.rag)}"
                + (f" — {r.note}" if r.note else "")
                + (f", proposed new date {fmt_date(r.proposed_due)} (awaiting SIT approval)" if r.proposed_due else "")
                for v in reply.views
                if isinstance(v, ConfirmationView)
                for r in v.recorded
            ]
            return _page(
                200,
                title="Thank you: your update is recorded",
                recorded=lines,
                status_role="status",
                message="Recorded:",
            )
        form = next((v for v in reply.views if isinstance(v, UpdateFormView)), None)
        if form is not None:  # the core wants more (a reason, the evidence) or refused a value
            fresh = self._reissue(grant, now)
            field = form.error_field or ("note" if form.rag else "rag")
            message = form.error or (
                "Amber and Red need a reason; Completed needs the evidence." if form.rag else "Choose a status."
            )
            return _page(
                422,
                title=f"Update {info.ref}",
                action=info,
                mode="form",
                errors={field: message},
                rag=form.rag or rag,
                note=note,
                proposed_date=proposed,
                post_url=f"/u/{quote(fresh, safe='')}",
            )
        notice = next((v for v in reply.views if isinstance(v, NoticeView)), None)
        text = notice.text.replace("`", "") if notice else "Nothing was recorded."
        self._release(grant, now, "refused")  # nothing recorded: the link may be used again
        return _page(403, title="Your update was not recorded", message=text, status_role="alert", action=info)

    def _release(self, grant: Any, used_at: datetime, reason: str) -> None:
        """Give back a link spent on an answer that was not recorded, in its own transaction
        (the core's failed). If even that fails (the database is down) the link stays spent and
        the person answers by reply or in chat; the page says nothing was recorded either way."""
        try:
            with session_scope(self.rt.engine) as session:
                signed_links.release(session, grant, used_at=used_at, now=self.rt.clock.now(), reason=reason)
        except Exception:
            log.warning("could not release link %s after an unrecorded answer", grant.id, exc_info=True)

    def _reissue(self, grant: Any, now: datetime) -> str:
        """A new single-use link for the same person and action, expiring when the spent one
        would have: the answer the core refused is corrected on the same form."""
        left = max(grant.expires_at - now, timedelta(minutes=5))
        with session_scope(self.rt.engine) as session:
            token, _row = signed_links.issue(
                session,
                secret=self.secret,
                purpose=PURPOSE,
                person_key=grant.person_key,
                subject=dict(grant.subject),
                ttl=left,
                now=now,
                single_use=True,
                plan_key=grant.plan_key,
            )
            return token


def _action_info(session, grant: Any) -> ActionInfo | None:
    ref = canonical_action_id(str((grant.subject or {}).get("ref", "")))
    if ref is None:
        return None
    plan: Plan | None = repo.plan_by_key(session, grant.plan_key) if grant.plan_key else None
    try:
        plan = plan or repo.active_plan(session)
    except repo.NoPlanError:
        return None
    action: Action | None = repo.action_by_ref(session, plan.id, ref)
    if action is None:
        for other in repo.live_plans(session):  # a link from a nudge about another live plan
            action = repo.action_by_ref(session, other.id, ref)
            if action is not None:
                break
    if action is None:
        return None
    return ActionInfo(ref=ref, text=action.text)
