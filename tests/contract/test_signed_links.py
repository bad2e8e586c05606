"""Signed links (`bot.signed_links`): a link proves who it was given to and for what, expires on
the injected clock, can be revoked, and changes state exactly once — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot import signed_links as links
from storage.models import AuditEvent, SignedLink

SECRET = "s" * 40
NOW = datetime(2016, 10, 3, 9, 0, tzinfo=UTC)


def _issue(engine, **kw):
    args = dict(
        secret=SECRET,
        purpose="email-answer",
        person_key="hannah",
        subject={"action": "4.2.1"},
        ttl=timedelta(days=14),
        now=NOW,
    )
    args.update(kw)
    with Session(engine) as s:
        token, row = links.issue(s, **args)
        link_id = row.id
        s.commit()
    return token, link_id


def _check(engine, token, *, purpose="email-answer", now=NOW, secret=SECRET):
    with Session(engine) as s:
        try:
            return links.check(s, token, secret=secret, purpose=purpose, now=now)
        finally:
            s.commit()


def _kinds(engine) -> list[str]:
    with Session(engine) as s:
        return [e.kind for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_a_genuine_link_grants_what_it_was_issued_for(any_engine):
    token, link_id = _issue(any_engine)
    grant = _check(any_engine, token)
    assert (grant.id, grant.person_key, grant.subject) == (link_id, "hannah", {"action": "4.2.1"})
    assert grant.expires_at == NOW + timedelta(days=14)
    assert _kinds(any_engine) == ["link_issued"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # altered signature
        lambda t: "x" + t,  # altered payload
        lambda t: "",  # empty
        lambda t: "not-a-token",
    ],
)
def test_an_altered_or_made_up_token_is_forged_and_not_audited(any_engine, tamper):
    token, _ = _issue(any_engine)
    with pytest.raises(links.LinkRefused) as refused:
        _check(any_engine, tamper(token))
    assert refused.value.reason == "forged"
    assert _kinds(any_engine) == ["link_issued"]  # junk cannot fill the audit trail


def test_a_token_signed_with_another_secret_or_for_another_purpose_is_forged(any_engine):
    token, _ = _issue(any_engine)
    for kwargs in ({"secret": "t" * 40}, {"purpose": "board"}):
        with pytest.raises(links.LinkRefused) as refused:
            _check(any_engine, token, **kwargs)
        assert refused.value.reason == "forged"


def test_a_link_expires_on_the_injected_clock(any_engine):
    token, _ = _issue(any_engine, ttl=timedelta(minutes=15))
    assert _check(any_engine, token, now=NOW + timedelta(minutes=14, seconds=59))
    with pytest.raises(links.LinkRefused) as refused:
        _check(any_engine, token, now=NOW + timedelta(minutes=15))
    assert refused.value.reason == "expired"
    assert _kinds(any_engine) == ["link_issued", "link_refused"]


def test_a_single_use_link_changes_state_once(any_engine):
    token, _ = _issue(any_engine)
    with Session(any_engine) as s:
        grant = links.check(s, token, secret=SECRET, purpose="email-answer", now=NOW)
        links.consume(s, grant, now=NOW)
        s.commit()
    with pytest.raises(links.LinkRefused) as refused:
        _check(any_engine, token, now=NOW + timedelta(seconds=1))
    assert refused.value.reason == "used"
    assert _kinds(any_engine) == ["link_issued", "link_used", "link_refused"]


def test_two_racing_uses_of_one_link_record_one(any_engine):
    """Both requests checked the link before either used it: the conditional UPDATE lets one win."""
    token, _ = _issue(any_engine)
    with Session(any_engine) as first, Session(any_engine) as second:
        grant_a = links.check(first, token, secret=SECRET, purpose="email-answer", now=NOW)
        grant_b = links.check(second, token, secret=SECRET, purpose="email-answer", now=NOW)
        links.consume(first, grant_a, now=NOW)
        first.commit()
        with pytest.raises(links.LinkRefused):
            links.consume(second, grant_b, now=NOW)
        second.rollback()
    with Session(any_engine) as s:
        assert s.get(SignedLink, grant_a.id).used_at is not None


def test_a_use_rolled_back_with_its_change_leaves_the_link_usable(any_engine):
    token, _ = _issue(any_engine)
    with Session(any_engine) as s:
        grant = links.check(s, token, secret=SECRET, purpose="email-answer", now=NOW)
        links.consume(s, grant, now=NOW)
        s.rollback()  # the answer it carried could not be recorded
    assert _check(any_engine, token).id == grant.id


def test_a_multi_use_link_is_audited_on_each_use_and_can_be_revoked(any_engine):
    token, link_id = _issue(any_engine, purpose="board", single_use=False, name="Improvement Board", person_key="")
    for minute in (1, 2):
        with Session(any_engine) as s:
            at = NOW + timedelta(minutes=minute)
            links.consume(s, links.check(s, token, secret=SECRET, purpose="board", now=at), now=at)
            s.commit()
    with Session(any_engine) as s:
        assert [r.name for r in links.list_links(s, "board")] == ["Improvement Board"]
        links.revoke(s, link_id, now=NOW + timedelta(hours=1), actor="sit-admin")
        links.revoke(s, link_id, now=NOW + timedelta(hours=2), actor="sit-admin")
        s.commit()
        assert s.get(SignedLink, link_id).revoked_at.replace(tzinfo=UTC) == NOW + timedelta(hours=1)
    with pytest.raises(links.LinkRefused) as refused:
        _check(any_engine, token, purpose="board")
    assert refused.value.reason == "revoked"
    assert _kinds(any_engine) == ["link_issued", "link_used", "link_used", "link_revoked", "link_refused"]


def test_revoking_an_unknown_link_is_a_key_error(any_engine):
    with Session(any_engine) as s, pytest.raises(KeyError):
        links.revoke(s, "nope", now=NOW, actor="sit-admin")


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_no_link_without_a_long_secret(secret):
    with pytest.raises(links.SecretKeyMissing, match="ACTIONBOT_SECRET_KEY"):
        links.check_secret(secret)


def test_a_use_whose_answer_failed_afterwards_is_released_once(any_engine):
    """The answer pages spend a link in its own transaction before the core records; when the
    core then records nothing, `release` gives the link back, only for that very use."""
    token, _ = _issue(any_engine)
    used_at = NOW + timedelta(seconds=5)
    with Session(any_engine) as s:
        grant = links.check(s, token, secret=SECRET, purpose="email-answer", now=used_at)
        links.consume(s, grant, now=used_at)
        s.commit()
    with Session(any_engine) as s:  # another time than this use: not ours to undo
        assert links.release(s, grant, used_at=NOW, now=used_at) is False
        s.commit()
    with Session(any_engine) as s:
        assert links.release(s, grant, used_at=used_at, now=used_at, reason="error") is True
        s.commit()
    with Session(any_engine) as s:
        assert links.release(s, grant, used_at=used_at, now=used_at) is False  # already released
        s.commit()
    assert _check(any_engine, token, now=used_at).id == grant.id
    assert _kinds(any_engine) == ["link_issued", "link_used", "link_released"]
