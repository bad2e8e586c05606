"""The email channel as a plugin (name, mount, outbound, config_lines, its own settings) and
its part of the conformance suite: every view type has an email renderer, and the same request
means the same by email as typed in the terminal."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date

import pytest
from aiohttp import web
from sqlmodel import select

import bot.views as views
from bot.config import Settings
from bot.requests import ChatRequest, Identity
from bot.runtime import build_runtime
from cards import text as plain
from cards.email import html_part, render_email
from handlers.email import CHANNEL
from handlers.email.settings import parse_smtp_url
from storage.db import session_scope
from storage.models import Action, ActionUpdate
from tests.email.conftest import HANNAH_EMAIL, SECRET, reply_to_nudge

VIEW_TYPES = [
    cls
    for name, cls in vars(views).items()
    if name.endswith("View") and isinstance(cls, type) and dataclasses.is_dataclass(cls)
]


def test_every_view_type_has_an_email_renderer():
    assert len(VIEW_TYPES) >= 12
    missing = [cls.__name__ for cls in VIEW_TYPES if html_part.dispatch(cls) is html_part.dispatch(object)]
    assert missing == []
    assert set(plain.render.registry) - {object} <= set(html_part.registry)


def _sample(cls):
    counts = views.RagCountsView(1, 2, 3, 4, 5)
    line = views.ActionLine(
        "4.2.1", "Train <staff>", "amber", ("HOS S&CP",), date(2016, 10, 1), "Oct 2016", 17, "late", "Hannah"
    )
    listing = views.ActionListView("Reds and ambers", (line,), 1)
    samples = {
        views.ActionListView: listing,
        views.RagCountsView: counts,
        views.PriorityStatusView: views.PriorityStatusView(
            4, "Safeguarding", "DCS", counts, listing, listing, listing, date(2016, 9, 14)
        ),
        views.PlanSummaryView: views.PlanSummaryView(
            "Plan", date(2016, 9, 14), counts, ((4, "Safeguarding", counts, 1),), 1
        ),
        views.ActionDetailView: views.ActionDetailView(
            "4.2.1",
            "Train <staff>",
            4,
            "4.2",
            ("HOS S&CP",),
            ("Hannah",),
            ("Police",),
            "Oct 2016",
            date(2016, 10, 1),
            17,
            None,
            "amber",
            None,
            (views.UpdateLine("14 Sep 10:00", "Hannah", "amber", "late", None, "email"),),
        ),
        views.NudgeView: views.NudgeView(
            "Hello", (views.NudgeItem("4.2.1", "Train <staff>", None, None, "not_rated"),)
        ),
        views.ConfirmationView: views.ConfirmationView((views.RecordedLine("4.2.1", "green", "", None),)),
        views.NoticeView: views.NoticeView("Try `status`", "warning"),
        views.HelpView: views.HelpView("Help", (("status", "the plan"),)),
        views.EscalationView: views.EscalationView(
            "Dana",
            (views.EscalationItem("4.2.1", "Train <staff>", "Hannah", "overdue", None, 3, "red", "stuck"),),
            "Please act",
        ),
        views.UpdateFormView: views.UpdateFormView("4.2.1", "Train <staff>", "amber", "Amber needs a reason."),
    }
    return samples.get(cls)


@pytest.mark.parametrize("cls", [c for c in VIEW_TYPES if _sample(c) is not None], ids=lambda c: c.__name__)
def test_each_view_renders_as_escaped_html_and_text(cls):
    rendered = render_email([_sample(cls)])
    assert rendered.html.startswith("<!DOCTYPE html>") and rendered.text.strip()
    assert "<staff>" not in rendered.html


def test_the_plugin_contract(rt):
    assert CHANNEL.name == "email"
    app = web.Application()
    assert CHANNEL.mount(app, rt) is True
    paths = {r.resource.canonical for r in app.router.routes()}
    assert {"/u/{token}", "/mail/inbound"} <= paths
    assert CHANNEL.outbound(rt).name == "email"
    [line] = CHANNEL.banner(rt, "http://127.0.0.1:3978")
    assert line.startswith("Email:   on, from actionbot <") and "http://127.0.0.1:3978/u/" in line


def test_email_stays_off_without_smtp(reference_engine, clock, monkeypatch):
    for name in ("SMTP_URL", "ACTIONBOT_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ACTIONBOT_SECRET_KEY", SECRET)
    runtime = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=clock)
    assert CHANNEL.outbound(runtime) is None and CHANNEL.mount(web.Application(), runtime) is False
    assert CHANNEL.banner(runtime, "http://x") == ["Email:   off (set SMTP_URL and ACTIONBOT_MAIL_FROM; see README)"]


@pytest.mark.parametrize("key", [None, "too-short"])
def test_email_refuses_to_start_without_a_secret_key(reference_engine, clock, monkeypatch, caplog, key):
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.invalid:587")
    monkeypatch.setenv("ACTIONBOT_MAIL_FROM", "bot@example.invalid")
    if key is None:
        monkeypatch.delenv("ACTIONBOT_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("ACTIONBOT_SECRET_KEY", key)
    runtime = build_runtime(Settings(database_url="sqlite://"), engine=reference_engine, clock=clock)
    app = web.Application()
    with caplog.at_level(logging.ERROR):
        assert CHANNEL.mount(app, runtime) is False
    assert not list(app.router.routes())
    assert "ACTIONBOT_SECRET_KEY" in caplog.text
    [line] = CHANNEL.banner(runtime, "http://x")
    assert line.startswith("Email:   OFF: ") and "ACTIONBOT_SECRET_KEY" in line


def test_smtp_urls():
    t = parse_smtp_url("smtp://bot%40council:p%3Ass@mail.example.org")
    assert (t.host, t.port, t.security, t.username, t.password) == (
        "mail.example.org",
        587,
        "starttls",
        "bot@council",
        "p:ss",
    )
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    assert parse_smtp_url("smtp+plain://127.0.0.1:2525").security == "plain"
    for bad in ("http://mail.example.org", "smtp://", "smtp://host:notaport"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_config_lines_mask_secrets():
    env = {
        "SMTP_URL": "smtp://bot:supersecretpassword@mail.example.org:587",
        "ACTIONBOT_MAIL_FROM": "bot@example.org",
        "ACTIONBOT_SECRET_KEY": SECRET,
    }
    lines = {line.name: line for line in CHANNEL.config_lines(env)}
    assert all(line.area == "email" for line in lines.values())
    assert "supersecretpassword" not in lines["SMTP_URL"].value and lines["SMTP_URL"].ok
    assert SECRET not in lines["ACTIONBOT_SECRET_KEY"].value and lines["ACTIONBOT_SECRET_KEY"].ok
    assert "optional" in lines["ACTIONBOT_INBOUND_SECRET"].hint
    short = {line.name: line for line in CHANNEL.config_lines({**env, "ACTIONBOT_SECRET_KEY": "short"})}
    assert not short["ACTIONBOT_SECRET_KEY"].ok


SAME_MEANING = [
    "4.2.1 amber - waiting on HR",
    "4.2.1 amber",  # refused: Amber needs a reason
    "4.2.1 green\n4.2.2 red - blocked by IT",
    "9.9.9 green",  # no such action
    "4.2.1 purple - what",
]


def _recorded(rt, channel):
    with session_scope(rt.engine) as s:
        rows = s.exec(select(ActionUpdate).where(ActionUpdate.channel == channel).order_by(ActionUpdate.id)).all()
        return [(s.get(Action, u.action_id).ref, u.rag, u.note, u.author_key) for u in rows]


@pytest.mark.parametrize("text", SAME_MEANING)
async def test_the_same_reply_means_the_same_by_email_as_in_the_terminal(rt, sink, served, text):
    terminal = rt.core.handle(
        ChatRequest(identity=Identity("terminal", "hos-scp"), text=text, kind="message", thread_refs=("4.2.1", "4.2.2"))
    )
    expected = _recorded(rt, "terminal")
    status, body = await reply_to_nudge(rt, sink, served, text)
    assert status == 200
    assert body["recorded"] == len(terminal.recorded)
    assert _recorded(rt, "email") == expected
    ack = sink.to(HANNAH_EMAIL)[-1].get_body(preferencelist=("plain",)).get_content()
    assert plain.render_all(terminal.views).splitlines()[0].strip() in ack


def test_config_check_shows_whether_replies_need_authentication():
    env = {"SMTP_URL": "smtp+plain://127.0.0.1:25", "ACTIONBOT_MAIL_FROM": "bot@example.org", "ACTIONBOT_SECRET_KEY": SECRET}
    assert "ACTIONBOT_INBOUND_REQUIRE_AUTH" not in {line.name for line in CHANNEL.config_lines(env)}
    env["ACTIONBOT_INBOUND_SECRET"] = "inbound-secret-value"
    lines = {line.name: line for line in CHANNEL.config_lines(env)}
    assert lines["ACTIONBOT_INBOUND_REQUIRE_AUTH"].value == "false"
    lines = {line.name: line for line in CHANNEL.config_lines({**env, "ACTIONBOT_INBOUND_REQUIRE_AUTH": "true"})}
    assert lines["ACTIONBOT_INBOUND_REQUIRE_AUTH"].value == "true"
