"""`actionbot teams package` and `actionbot teams set-sit-channel`."""

from __future__ import annotations

import argparse
from pathlib import Path

from actionbot.cli import command, fail, runtime


def add_parsers(sub) -> None:
    t = sub.add_parser("teams", help="Microsoft Teams: the app package and the SIT channel")
    t_sub = t.add_subparsers(dest="teams_command", metavar="ACTION")
    p = t_sub.add_parser("package", help="write the Teams app zip (manifest.json and icons) to upload")
    p.add_argument("--output", "-o", default="actionbot-teams.zip", help="zip to write (default actionbot-teams.zip)")
    p.add_argument("--app-id", help="bot / app id (default MICROSOFT_APP_ID)")
    p.add_argument("--developer-name", default="actionbot", help="shown in the Teams store entry")
    p.add_argument("--website-url", default="https://example.org/actionbot", help="developer website (https)")
    p.add_argument("--privacy-url", default="https://example.org/actionbot/privacy", help="privacy notice (https)")
    p.add_argument("--terms-url", default="https://example.org/actionbot/terms", help="terms of use (https)")
    s = t_sub.add_parser(
        "set-sit-channel",
        help="choose the team channel for digests and reports, among those the bot has seen",
    )
    s.add_argument("channel", nargs="?", help="its number in the list, its conversation id, or part of its name")


@command("teams")
def teams_cmd(args: argparse.Namespace) -> int:
    if args.teams_command == "package":
        return package(args)
    if args.teams_command == "set-sit-channel":
        return set_sit_channel(args)
    return fail("teams: choose package or set-sit-channel")


def package(args: argparse.Namespace) -> int:
    from handlers.teams.manifest import Developer, PackageError, write_package
    from handlers.teams.settings import TeamsSettings

    app_id = args.app_id or TeamsSettings().microsoft_app_id or ""
    developer = Developer(args.developer_name, args.website_url, args.privacy_url, args.terms_url)
    try:
        path = write_package(Path(args.output), app_id, developer)
    except PackageError as exc:
        return fail(f"teams package: {exc}")
    print(f"wrote {path} (bot id {app_id}): upload it in Teams → Apps → Manage your apps → Upload an app.")
    if "example.org" in developer.website_url + developer.privacy_url + developer.terms_url:
        print(
            "note: the developer URLs are placeholders; pass --website-url/--privacy-url/--terms-url for your council."
        )
    return 0


def set_sit_channel(args: argparse.Namespace) -> int:
    from handlers.teams import addresses
    from storage import repo
    from storage.db import session_scope

    rt = runtime(args)
    with session_scope(rt.engine) as session:
        known = addresses.known_conversations(session)
        current = repo.channel_address(session, addresses.CHANNEL, addresses.SIT)
        current_id = (current.data or {}).get("conversation_id") if current else None
        if not known:
            return fail(
                "the bot has not seen any team channel yet: add the app to a team, then @mention it in the "
                "channel (or type `@actionbot set sit channel` there as an SIT admin)."
            )
        if not args.channel:
            print("Team channels the bot has seen:")
            for i, row in enumerate(known, 1):
                data = row.data or {}
                mark = "  (the SIT channel)" if data.get("conversation_id") == current_id else ""
                print(f"  {i}. {addresses.label(data)}  [{data.get('conversation_id')}]{mark}")
            print("Run `actionbot teams set-sit-channel N` (or give its id or part of its name).")
            return 0
        chosen = _choose(known, args.channel)
        if isinstance(chosen, str):
            return fail(chosen)
        data = dict(chosen.data or {})
        repo.save_channel_address(session, addresses.CHANNEL, addresses.SIT, data, rt.clock.now())
        repo.add_audit(
            session,
            at=rt.clock.now(),
            actor="cli",
            kind="sit_channel.set",
            subject=f"teams:{data.get('conversation_id', '')}",
            details={"channel": "teams", "label": addresses.label(data)},
        )
        print(f"The Teams SIT channel is now {addresses.label(data)}.")
    return 0


def _choose(known, wanted: str):
    from handlers.teams import addresses

    if wanted.isdigit() and 1 <= int(wanted) <= len(known):
        return known[int(wanted) - 1]
    exact = [r for r in known if (r.data or {}).get("conversation_id") == wanted]
    if exact:
        return exact[0]
    matches = [r for r in known if wanted.lower() in addresses.label(r.data or {}).lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        return f"no team channel matches {wanted!r}: run `actionbot teams set-sit-channel` to list them"
    names = ", ".join(addresses.label(r.data or {}) for r in matches)
    return f"{wanted!r} matches several channels ({names}): give its number"
