"""The one-click answer links in a nudge email: one signed token per person and action
(`bot.signed_links`, purpose `email.answer`), carried in `/u/<token>`; the answer chosen
(`?choice=green`) is a plain query value, checked against `CHOICES` on the server.

A token is single-use for a state change: the page consumes it when the person confirms, so
a second click, a forwarded mail or a replayed POST records nothing. Opening the page (a GET,
which mail scanners prefetch) only checks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlmodel import Session

from bot import signed_links
from cards.email import CHOICES

PURPOSE = "email.answer"
CHOICE_NAMES = tuple(c for c, _, _ in CHOICES)
# Choices recorded straight from the confirmation page (no note needed for Green; Completed
# needs its evidence, and the core sends the form back when it is missing).
ONE_CLICK = ("green", "completed")


def issue_answer_links(
    session: Session,
    *,
    secret: str,
    person_key: str,
    refs: Iterable[str],
    base_url: str,
    now: datetime,
    ttl: timedelta,
    plan_key: str | None = None,
    plan_of: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """ref → choice → url, one token per action (so answering one action never spends another's).
    Each link remembers its action's plan (`plan_of[ref]`, else `plan_key`): the answer page
    hands it to the core, so an action id that several live plans share is still answerable."""
    links: dict[str, dict[str, str]] = {}
    for ref in dict.fromkeys(refs):
        token, _row = signed_links.issue(
            session,
            secret=secret,
            purpose=PURPOSE,
            person_key=person_key,
            subject={"ref": ref},
            ttl=ttl,
            now=now,
            single_use=True,
            plan_key=(plan_of or {}).get(ref, plan_key),
        )
        url = f"{base_url}/u/{quote(token, safe='')}"
        links[ref] = {choice: f"{url}?choice={choice}" for choice in CHOICE_NAMES}
    return links
