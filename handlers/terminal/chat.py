"""`actionbot chat --as DCS`: read a line, hand it to the core, print the plain-text reply.

Messages the bot sends to the person at the keyboard while the chat runs (nudges from the
scheduler, `actionbot nudge`) arrive through `TerminalChannel`.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any, TextIO

from sqlmodel import Session

from bot.outage import is_database_outage
from bot.requests import ChatRequest, Identity
from bot.wordings import failure_notice
from cards.chat_charts import charts_in
from cards.text import render_all
from storage import repo
from storage.db import session_scope
from storage.models import Person

PROMPT = "you> "
log = logging.getLogger(__name__)


def chart_dir() -> Path:
    """Where the terminal saves the pictures of its answers: a terminal cannot show an image."""
    return Path(tempfile.gettempdir()) / "actionbot-charts"


def save_charts(views: list[Any], out: TextIO, directory: Path | None = None) -> list[Path]:
    """Write each picture of `views` (`report`: the RAG chart) as a PNG and print its path."""
    saved = []
    for chart in charts_in(views):
        folder = directory or chart_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / chart.filename
        path.write_bytes(chart.png)
        out.write(f"Chart saved: {path} ({chart.title})\n")
        saved.append(path)
    return saved


class TerminalChannel:
    """Reaches only the person chatting in this terminal."""

    name = "terminal"

    def __init__(self, person_key: str, out: TextIO, charts: Path | None = None):
        self.person_key = person_key
        self.out = out
        self.charts = charts  # where pictures are saved (default: `chart_dir()`)
        # the terminal's "thread": the actions of the last message that asked for an update, so
        # a reply without an id ("amber - waiting on HR") is about them, as in a Slack thread
        self.last_refs: tuple[str, ...] = ()

    def can_reach(self, session: Session, person: Person) -> bool:
        return person.key == self.person_key

    async def send_to_person(self, person: Person, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        self.out.write(f"\n[bot → {person.name}, {kind}]\n{render_all(views)}\n")
        self.out.flush()
        if meta.get("refs"):
            self.last_refs = tuple(meta["refs"])
        return f"terminal:{kind}"

    async def send_to_sit(self, views: list[Any], *, kind: str, meta: dict[str, Any]) -> str:
        self.out.write(f"\n[bot → SIT channel, {kind}]\n{render_all(views)}\n")
        save_charts(views, self.out, self.charts)
        self.out.flush()
        return f"terminal:{kind}"


def resolve_as(rt, who: str) -> tuple[Identity, str] | str:
    """A person key or a role → the identity to talk as; or an error message."""
    with session_scope(rt.engine) as session:
        person = repo.person_by_key(session, who)
        if person is not None:
            return Identity("terminal", person.key, display_name=person.name), person.name
        holders = repo.people_with_role(session, who)
        if not holders:
            lowered = {r.abbrev.lower(): r.abbrev for r in repo.roles(session)}
            if who.lower() in lowered:
                holders = repo.people_with_role(session, lowered[who.lower()])
                who = lowered[who.lower()]
        if holders:
            p = holders[0]
            return Identity("terminal", p.key, display_name=p.name, as_role=who), f"{p.name} ({who})"
        roles = ", ".join(r.abbrev for r in repo.roles(session)[:12])
        return f"nobody is {who!r}: give a person key (`actionbot people list`) or a role such as {roles}"


async def run_chat(rt, who: str, stdin: TextIO, stdout: TextIO, *, on_tick=None, charts: Path | None = None) -> int:
    resolved = resolve_as(rt, who)
    if isinstance(resolved, str):
        stdout.write(f"actionbot: {resolved}\n")
        return 1
    identity, label = resolved
    terminal = TerminalChannel(identity.user_id, stdout, charts)
    rt.channels = {**rt.channels, "terminal": terminal}
    stdout.write(f"actionbot chat as {label}. Type `help` for commands, `quit` to leave.\n")
    loop = asyncio.get_running_loop()
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.strip()
        if text.lower() in ("quit", "exit", "q"):
            break
        if not text:
            continue
        if on_tick is not None:
            await on_tick(rt)
        request = ChatRequest(identity=identity, text=text, kind="message", thread_refs=terminal.last_refs)
        try:
            views = rt.core.handle(request).views
        except Exception as exc:  # a bug of ours: say so as every channel does, and keep the chat open
            log.exception("the core failed on a terminal message")
            views = [failure_notice(is_database_outage(exc))]
        stdout.write(render_all(views) + "\n")
        save_charts(views, stdout, charts)
    stdout.write("bye\n")
    return 0
