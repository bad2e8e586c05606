"""Links the bot hands out: signed, expiring, revocable and (for a state change) used once.

An email's one-click answer and a board member's sign-in both arrive as a URL with no other
sign-in, so the URL itself must prove who it was given to and for what. The token carries only
the id of a `signed_link` row, signed with `ACTIONBOT_SECRET_KEY` (itsdangerous, salted per
purpose so a board link cannot be replayed as an answer link). Everything else — who, which
action, when it expires, whether it was used or revoked — lives in the row, so an SIT admin can
list and revoke links and a second use is refused by one conditional UPDATE, exactly once even
when two requests race.

Time is the caller's `now` (the injected clock), never the wall clock: itsdangerous's own
timestamps are not used. Every issue, use, refusal of a genuine token and revocation is
audited; a forged token is only logged, so junk requests cannot fill the audit trail.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlmodel import Session, select

from storage.models import SignedLink
from storage.repo import add_audit

log = logging.getLogger(__name__)

MIN_SECRET_CHARS = 32
REASONS = {
    "forged": "This link is not one the bot issued, or it was altered.",
    "expired": "This link has expired.",
    "used": "This link has already been used.",
    "revoked": "This link was withdrawn by the improvement team.",
}


class LinkRefused(Exception):
    """A link that must not be honoured; `reason` is one of `REASONS` (for the page shown)."""

    def __init__(self, reason: str):
        super().__init__(REASONS[reason])
        self.reason = reason


class SecretKeyMissing(Exception):
    """Links cannot be signed or checked without a long enough `ACTIONBOT_SECRET_KEY`."""


@dataclass(frozen=True)
class LinkGrant:
    """What a genuine, live link allows: read by the page that honours it."""

    id: str
    purpose: str
    person_key: str
    name: str
    plan_key: str | None
    subject: dict[str, Any]
    expires_at: datetime
    single_use: bool


def check_secret(secret: str | None) -> str:
    """The secret, or a clear error saying how to set one (callers refuse to start without it)."""
    if not secret or len(secret) < MIN_SECRET_CHARS:
        raise SecretKeyMissing(
            f"ACTIONBOT_SECRET_KEY must be set to at least {MIN_SECRET_CHARS} random characters to sign links; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    return secret


def _serializer(secret: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(check_secret(secret), salt=f"actionbot.link.{purpose}")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def issue(
    session: Session,
    *,
    secret: str,
    purpose: str,
    person_key: str,
    subject: dict[str, Any],
    ttl: timedelta,
    now: datetime,
    single_use: bool = True,
    name: str = "",
    plan_key: str | None = None,
    issued_by: str = "",
) -> tuple[str, SignedLink]:
    """Record a new link and return its token (for the URL) and its row. The caller commits."""
    if ttl <= timedelta(0):
        raise ValueError("a link must live for a positive time")
    serializer = _serializer(secret, purpose)
    row = SignedLink(
        id=secrets.token_hex(6),
        purpose=purpose,
        person_key=person_key,
        name=name,
        plan_key=plan_key,
        subject=subject,
        issued_at=now,
        issued_by=issued_by,
        expires_at=now + ttl,
        single_use=single_use,
    )
    session.add(row)
    add_audit(
        session,
        at=now,
        actor=issued_by or "bot",
        kind="link_issued",
        subject=row.id,
        details={"purpose": purpose, "person": person_key, "name": name, "expires_at": row.expires_at.isoformat()},
    )
    return str(serializer.dumps(row.id)), row


def check(session: Session, token: str, *, secret: str, purpose: str, now: datetime) -> LinkGrant:
    """The grant behind a token, or `LinkRefused` (forged, expired, used or revoked).

    A genuine but dead link's refusal is audited in `session`: commit it before showing the
    refusal page."""
    try:
        link_id = _serializer(secret, purpose).loads(token)
    except BadSignature:
        log.warning("refused a %s link: bad signature", purpose)
        raise LinkRefused("forged") from None
    row = session.get(SignedLink, link_id) if isinstance(link_id, str) else None
    if row is None or row.purpose != purpose:
        log.warning("refused a %s link: signed but unknown", purpose)
        raise LinkRefused("forged")
    reason = None
    if row.revoked_at is not None:
        reason = "revoked"
    elif now >= _aware(row.expires_at):
        reason = "expired"
    elif row.single_use and row.used_at is not None:
        reason = "used"
    if reason:
        _audit_use(session, row, now, refused=reason)
        raise LinkRefused(reason)
    return LinkGrant(
        id=row.id,
        purpose=row.purpose,
        person_key=row.person_key,
        name=row.name,
        plan_key=row.plan_key,
        subject=dict(row.subject),
        expires_at=_aware(row.expires_at),
        single_use=row.single_use,
    )


def consume(session: Session, grant: LinkGrant, *, now: datetime) -> None:
    """Mark a link used, in the caller's transaction: commit it together with the change the
    link makes, so either both happen or neither. A second use (even a concurrent one) raises
    `LinkRefused("used")`; a multi-use link is only audited."""
    if grant.single_use:
        result = session.execute(
            update(SignedLink)
            .where(SignedLink.id == grant.id, SignedLink.used_at.is_(None), SignedLink.revoked_at.is_(None))  # type: ignore[union-attr]
            .values(used_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LinkRefused("used")
    row = session.get(SignedLink, grant.id)
    if row is not None:
        _audit_use(session, row, now)


def release(session: Session, grant: LinkGrant, *, used_at: datetime, now: datetime, reason: str = "") -> bool:
    """Undo `consume` when what the link was spent on did not happen (the core failed, or
    refused and recorded nothing), so the person's link still works. Conditional on the row
    still carrying this very use (`used_at`): a use that has since been recorded by another
    request is never undone. True when released; audited as `link_released`."""
    if not grant.single_use:
        return False
    result = session.execute(
        update(SignedLink)
        .where(SignedLink.id == grant.id, SignedLink.used_at == used_at)  # type: ignore[arg-type]
        .values(used_at=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    add_audit(
        session,
        at=now,
        actor=grant.person_key or grant.name or "link",
        kind="link_released",
        subject=grant.id,
        details={"purpose": grant.purpose, "reason": reason},
    )
    return True


def revoke(session: Session, link_id: str, *, now: datetime, actor: str) -> SignedLink:
    """Withdraw a link; `KeyError` if there is no such link. Revoking twice keeps the first time."""
    row = session.get(SignedLink, link_id)
    if row is None:
        raise KeyError(link_id)
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        add_audit(session, at=now, actor=actor, kind="link_revoked", subject=row.id, details={"purpose": row.purpose})
    return row


def is_revoked(session: Session, link_id: str) -> bool:
    """Whether a link was withdrawn (or never existed): a session opened with it ends then,
    not 8 hours later. One primary-key look-up."""
    row = session.get(SignedLink, link_id)
    return row is None or row.revoked_at is not None


def list_links(session: Session, purpose: str) -> list[SignedLink]:
    """Every link for a purpose, newest first (for `actionbot board links`)."""
    stmt = select(SignedLink).where(SignedLink.purpose == purpose).order_by(SignedLink.issued_at.desc())  # type: ignore[attr-defined]
    return list(session.exec(stmt).all())


def _audit_use(session: Session, row: SignedLink, now: datetime, *, refused: str | None = None) -> None:
    add_audit(
        session,
        at=now,
        actor=row.person_key or row.name or "link",
        kind="link_refused" if refused else "link_used",
        subject=row.id,
        details={"purpose": row.purpose, "outcome": refused or "used"},
    )
