"""Who may read the board: links, sessions and the single-sign-on header. Never public.

Three doors, one session:
- a personal link from chat (`board`): 15 minutes, single use (`bot.signed_links`);
- a named read-only link for a board with no chat (`actionbot board link`), usable until it
  expires or an SIT admin revokes it, optionally for one plan;
- a trusted header (`ACTIONBOT_TRUSTED_USER_HEADER`) set by the council's sign-on proxy, read
  only when the TCP peer is one of `ACTIONBOT_TRUSTED_PROXIES` (the peer address, never
  X-Forwarded-For, which anyone can send).
Each opens an 8-hour session cookie signed with `ACTIONBOT_SECRET_KEY` (itsdangerous); its expiry
is inside the signed value and checked against the injected clock, so tests move a FixedClock.
Every sign-in is an audit event (`board.signin`); the link module audits every use and refusal.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from bot.signed_links import SecretKeyMissing, check_secret
from storage import repo

PURPOSE = "board"
COOKIE = "actionbot_board"
SESSION_TTL = timedelta(hours=8)
CHAT_LINK_TTL = timedelta(minutes=15)
MAX_LINK_DAYS = 366
MAX_HEADER_CHARS = 200
_SALT = "actionbot.board.session"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BoardAccessError(ValueError):
    """A setting or an argument the board cannot use (the CLI and `config check` say which)."""


@dataclass(frozen=True)
class BoardSession:
    """Who is reading, how they came in, which plan they may read (None: every live plan)."""

    who: str
    via: str  # chat-link | board-link | proxy
    plan_key: str | None
    expires: datetime
    link_id: str | None = None  # the link it was opened with: revoking the link ends the session

    def may_read(self, plan_key: str) -> bool:
        return self.plan_key is None or self.plan_key == plan_key


@dataclass(frozen=True)
class BoardLinks:
    """What the core needs to hand out a board link in chat: where the board is served
    (`ACTIONBOT_PUBLIC_URL`, else this machine) and the key links are signed with."""

    url: str
    secret: str | None


def _serializer(secret: str) -> URLSafeSerializer:
    """Salted apart from the links' own serializers (`bot.signed_links`), so a session cookie
    can never be replayed as a link token or the other way round."""
    return URLSafeSerializer(check_secret(secret), salt=_SALT)


def session_cookie(secret: str, board_session: BoardSession) -> str:
    data = {
        "who": board_session.who,
        "via": board_session.via,
        "plan": board_session.plan_key,
        "exp": board_session.expires.isoformat(),
        "link": board_session.link_id,
    }
    return _serializer(secret).dumps(data)


def read_session(secret: str, value: str | None, now: datetime) -> BoardSession | None:
    """The session a cookie carries, or None: no cookie, a forged or altered one, or expired."""
    if not value or len(value) > 2000:
        return None
    try:
        data = _serializer(secret or "").loads(value)
        expires = datetime.fromisoformat(data["exp"])
        link = data.get("link")
        session = BoardSession(
            str(data["who"]), str(data["via"]), data.get("plan"), expires, link if isinstance(link, str) else None
        )
    except (BadSignature, SecretKeyMissing, KeyError, TypeError, ValueError):
        return None
    return session if now < expires else None


def open_session(
    session: Session,
    *,
    who: str,
    via: str,
    plan_key: str | None,
    now: datetime,
    details: dict | None = None,
    link_id: str | None = None,
) -> BoardSession:
    """A new 8-hour session, audited as a sign-in."""
    repo.add_audit(
        session,
        at=now,
        actor=who[:120],
        kind="board.signin",
        subject=plan_key or "*",
        details={"via": via, "expires": (now + SESSION_TTL).isoformat(), **(details or {})},
    )
    return BoardSession(who, via, plan_key, now + SESSION_TTL, link_id)


def parse_proxies(text: str | None) -> tuple[Network, ...]:
    """`ACTIONBOT_TRUSTED_PROXIES`: CIDRs or single addresses, separated by commas or spaces."""
    out: list[Network] = []
    for part in (text or "").replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise BoardAccessError(f"{part!r} is not an IP address or CIDR block") from None
    return tuple(out)


def trusted_user(
    peer: str | None, headers: Mapping[str, str], header: str | None, proxies: tuple[Network, ...]
) -> str | None:
    """The user the sign-on proxy names, only when a header is configured and the request's TCP
    peer is a trusted proxy; None otherwise (the header is then ignored, whoever sent it)."""
    if not header or not proxies or not peer:
        return None
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not any(address in net for net in proxies):
        return None
    value = " ".join((headers.get(header) or "").split())
    if not value or len(value) > MAX_HEADER_CHARS or not value.isprintable():
        return None
    return value


def link_days(days: int) -> timedelta:
    if not 1 <= days <= MAX_LINK_DAYS:
        raise BoardAccessError(f"--days must be between 1 and {MAX_LINK_DAYS}")
    return timedelta(days=days)
