"""`board` in chat and `actionbot board link | links | revoke` on the command line."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from actionbot.cli import main
from bot.board_access import BoardLinks
from bot.logging_setup import Redactor
from bot.requests import ChatRequest, Identity
from storage.models import SignedLink
from tests.board.conftest import SECRET_KEY, start_board


def say(rt, text: str, who: str = "dcs"):
    reply = rt.core.handle(ChatRequest(Identity("terminal", who), text=text))
    return reply, " ".join(getattr(v, "text", "") for v in reply.views)


async def test_board_in_chat_gives_a_private_single_use_link_valid_15_minutes(board):
    reply, text = say(board.rt, "board")
    assert reply.private
    url = re.search(r"(http://127\.0\.0\.1:\d+/board/link/(\S+))", text)
    assert url and "works once, within 15 minutes" in text
    with Session(board.rt.engine) as s:
        (row,) = s.exec(select(SignedLink)).all()
    assert row.person_key == "dcs" and row.single_use and row.purpose == "board"
    assert row.expires_at - row.issued_at == timedelta(minutes=15)
    cookie = await board.sign_in(url.group(2))
    assert (await board.get("/board", cookie)).status == 200


async def test_board_in_chat_names_the_configured_address(reference_engine, clock):
    b = await start_board(reference_engine, clock, actionbot_public_url="https://actionbot.bromley.gov.uk/")
    try:
        _, text = say(b.rt, "board")
        assert "https://actionbot.bromley.gov.uk/board/link/" in text
    finally:
        await b.client.close()


async def test_board_in_chat_for_a_stranger_or_without_a_key_gives_no_link(reference_engine, clock):
    b = await start_board(reference_engine, clock)
    try:
        _, text = say(b.rt, "board", who="nobody-we-know")
        assert "/board/link/" not in text and "don't know who you are" in text
        b.rt.core.board = BoardLinks("http://127.0.0.1:1", None)
        _, text = say(b.rt, "board")
        assert "/board/link/" not in text and "ACTIONBOT_SECRET_KEY" in text
    finally:
        await b.client.close()


def test_a_link_token_never_reaches_the_log():
    line = 'GET /board/link/ImMzZjUzZmU5MzE2MSI.BPJ2OeL42RNPuP59QnSpeu-hsso HTTP/1.1" 200'
    assert "ImMzZjUz" not in Redactor()(line)
    assert "/board/link/[redacted]" in Redactor()(line)
    record = logging.makeLogRecord({"msg": line})
    assert "BPJ2" not in Redactor()(record.getMessage())


@pytest.fixture
def cli(reference_engine, monkeypatch, capsys):
    monkeypatch.setenv("ACTIONBOT_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("ACTIONBOT_PUBLIC_URL", "https://board.example.org")
    db = ["--database-url", str(reference_engine.url), "--as-of", "2016-09-14"]

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*db, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_board_link_links_and_revoke(cli):
    code, out, _ = cli("board", "link", "--name", "Improvement Board", "--days", "30")
    assert code == 0
    assert "valid until 2016-10-14" in out and "https://board.example.org/board/link/" in out
    code, out, _ = cli("board", "links")
    assert code == 0
    (row,) = [line for line in out.splitlines() if "Improvement Board" in line]
    link_id = row.split()[0]
    assert row.endswith("live") and "every live plan" in row
    assert cli("board", "revoke", link_id)[0] == 0
    code, out, _ = cli("board", "links")
    assert "revoked 2016-09-14" in out


def test_board_cli_refuses_what_it_cannot_do(cli, monkeypatch):
    assert "between 1 and 366" in cli("board", "link", "--name", "Board", "--days", "0")[2]
    assert "no live plan 'nope'" in cli("board", "link", "--name", "Board", "--plan", "nope")[2]
    assert "--name must be" in cli("board", "link", "--name", "  ")[2]
    assert "no board link 'abc'" in cli("board", "revoke", "abc")[2]
    assert cli("board")[0] == 1
    monkeypatch.setenv("ACTIONBOT_SECRET_KEY", "short")
    code, _, err = cli("board", "link", "--name", "Board")
    assert code == 1 and "ACTIONBOT_SECRET_KEY" in err


def test_an_email_answer_token_never_reaches_the_log():
    line = 'POST /u/ImMzZjUzZmU5MzE2MSI.BPJ2OeL42RNPuP59QnSpeu-hsso HTTP/1.1" 303'
    assert Redactor()(line) == 'POST /u/[redacted] HTTP/1.1" 303'
