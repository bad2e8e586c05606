"""`actionbot board link | links | revoke`: read-only links for a board that has no chat.

An SIT admin issues a named link (`--name "Improvement Board" --days 30 [--plan KEY]`), sends it
to the board's clerk, lists the links, and revokes one. The rules (signing, expiry, revocation,
the audit trail) are `bot.signed_links`; what a link opens is `bot.board_access`. This module
reads arguments and prints.
"""

from __future__ import annotations

import argparse

from actionbot.cli import command, fail, runtime

MAX_NAME_CHARS = 80


def add_parsers(sub) -> None:
    p = sub.add_parser("board", help="links to the board's read-only web view: link, links, revoke")
    b_sub = p.add_subparsers(dest="board_command", metavar="ACTION")
    link = b_sub.add_parser("link", help="issue a read-only link for a board (prints the URL once)")
    link.add_argument("--name", required=True, help='who the link is for, e.g. "Improvement Board"')
    link.add_argument("--days", type=int, default=30, help="how long it works (1-366 days; default 30)")
    link.add_argument("--plan", help="only this plan's board (default: every live plan)")
    b_sub.add_parser("links", help="every board link: id, name, plan, expiry, state")
    revoke = b_sub.add_parser("revoke", help="withdraw a link at once (sessions it opened end within 8 hours)")
    revoke.add_argument("id", help="the link's id (see `actionbot board links`)")


@command("board")
def board_cmd(args: argparse.Namespace) -> int:
    if args.board_command == "link":
        return _link(args)
    if args.board_command == "links":
        return _links(args)
    if args.board_command == "revoke":
        return _revoke(args)
    return fail("board: choose link, links or revoke ID")


def _link(args: argparse.Namespace) -> int:
    from bot import signed_links
    from bot.board_access import PURPOSE, BoardAccessError, link_days
    from storage import repo
    from storage.db import session_scope

    name = " ".join(args.name.split())
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        return fail(f"--name must be 1-{MAX_NAME_CHARS} printable characters")
    try:
        ttl = link_days(args.days)
    except BoardAccessError as exc:
        return fail(str(exc))
    rt = runtime(args)
    try:
        secret = signed_links.check_secret(rt.settings.actionbot_secret_key)
    except signed_links.SecretKeyMissing as exc:
        return fail(str(exc))
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        if args.plan is not None:
            plan = repo.plan_by_key(session, args.plan)
            if plan is None or not plan.active:
                return fail(f"no live plan {args.plan!r} (see `actionbot plan list`)")
        token, _ = signed_links.issue(
            session,
            secret=secret,
            purpose=PURPOSE,
            person_key="",
            subject={"plan": args.plan} if args.plan else {},
            ttl=ttl,
            now=now,
            single_use=False,
            name=name,
            plan_key=args.plan,
            issued_by="cli",
        )
    url = f"{rt.settings.board_url}/board/link/{token}"
    scope = f"plan {args.plan}" if args.plan else "every live plan"
    print(f"Read-only board link for {name} ({scope}), valid until {(now + ttl):%Y-%m-%d %H:%M} UTC:")
    print(url)
    print("Send it to the board's clerk; it is shown once. `actionbot board links` lists it, `actionbot board revoke ID` withdraws it.")
    return 0


def _links(args: argparse.Namespace) -> int:
    from bot import signed_links
    from bot.board_access import PURPOSE
    from storage.db import session_scope

    rt = runtime(args)
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        links = signed_links.list_links(session, PURPOSE)
        rows = [_row(link, now) for link in links if not link.single_use]
    if not rows:
        print("No board links. Issue one with `actionbot board link --name NAME --days 30`.")
        return 0
    header = ("id", "name", "plan", "issued", "expires", "state")
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    for line in (header, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    return 0


def _row(link, now) -> tuple[str, ...]:
    from storage.db import utc_aware

    if link.revoked_at is not None:
        state = f"revoked {utc_aware(link.revoked_at):%Y-%m-%d %H:%M}"
    elif utc_aware(link.expires_at) <= now:
        state = "expired"
    else:
        state = "live"
    return (
        str(link.id),
        link.name or "",
        link.plan_key or "every live plan",
        f"{utc_aware(link.issued_at):%Y-%m-%d %H:%M}",
        f"{utc_aware(link.expires_at):%Y-%m-%d %H:%M}",
        state,
    )


def _revoke(args: argparse.Namespace) -> int:
    from bot import signed_links
    from bot.board_access import PURPOSE
    from storage.db import session_scope

    rt = runtime(args)
    with session_scope(rt.engine) as session:
        known = {link.id for link in signed_links.list_links(session, PURPOSE) if not link.single_use}
        if args.id not in known:  # a chat link or another purpose's link is not the board admin's to revoke here
            return fail(f"no board link {args.id!r} (see `actionbot board links`)")
        signed_links.revoke(session, args.id, now=rt.clock.now(), actor="cli")
    print(f"Link {args.id} revoked: it opens nothing from now on (sessions it opened end within 8 hours).")
    return 0
