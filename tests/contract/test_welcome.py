"""The welcome is decided in the core (`bot.welcome`): known, unknown or local user, or a
shared channel; the Teams adapter only renders what it returns."""

from __future__ import annotations

from sqlmodel import Session

from bot.identity import link_identity
from bot.requests import Identity
from bot.status import HELP
from bot.views import NoticeView
from bot.welcome import CHANNEL_HELLO, UNKNOWN, UNKNOWN_LOCAL, welcome
from domain.clock import FixedClock
from tests.conftest import uk

NOW = FixedClock(uk(2016, 10, 15, 10, 0)).now()


def greet(engine, who: Identity, *, personal: bool = True, dev_mode: bool = False) -> list:
    with Session(engine) as s:
        views = welcome(s, who, NOW, personal=personal, dev_mode=dev_mode)
        s.commit()
    return views


def test_a_known_person_is_greeted_by_first_name(reference_engine):
    with Session(reference_engine) as s:
        link_identity(s, "teams", "29:sadie", "hos-scp")
        s.commit()
    hello, help_view = greet(reference_engine, Identity("teams", "29:sadie"))
    assert hello == NoticeView("Hello Sadie! I'll ask you here for updates on your actions.")
    assert help_view is HELP


def test_someone_found_by_email_is_known_and_linked(reference_engine):
    views = greet(reference_engine, Identity("teams", "29:new", email="HOS-SCP@example.invalid"))
    assert views[0].text.startswith("Hello Sadie!")
    assert greet(reference_engine, Identity("teams", "29:new"))[0].text.startswith("Hello Sadie!")  # remembered


def test_an_unknown_person_is_told_what_they_can_do_or_how_to_try_it_locally(reference_engine):
    stranger = Identity("teams", "29:stranger")
    assert greet(reference_engine, stranger)[0] == NoticeView(UNKNOWN, "warning")
    assert greet(reference_engine, stranger, dev_mode=True)[0] == NoticeView(UNKNOWN_LOCAL)


def test_a_shared_channel_gets_the_mention_hint_whoever_added_the_bot(reference_engine):
    assert greet(reference_engine, Identity("teams", "29:stranger"), personal=False) == [NoticeView(CHANNEL_HELLO)]
