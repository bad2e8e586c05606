"""`actionbot slack manifest`: the Slack app manifest for this install."""

from __future__ import annotations

import argparse
import sys

from actionbot.cli import command, fail


def add_parsers(sub) -> None:
    s = sub.add_parser("slack", help="Slack: the app manifest")
    s_sub = s.add_subparsers(dest="slack_action", metavar="ACTION")
    m = s_sub.add_parser("manifest", help="print manifest.yml with SLACK_COMMAND and your host filled in")
    m.add_argument("--host", help="the public host name of `actionbot serve`, e.g. actionbot.example.gov.uk")
    m.add_argument("--output", "-o", help="write it to this file instead of standard output")


@command("slack")
def slack_cmd(args: argparse.Namespace) -> int:
    if args.slack_action != "manifest":
        return fail("slack: choose manifest")
    from handlers.slack.manifest import ManifestError, render_manifest
    from handlers.slack.settings import SlackSettings

    try:
        text = render_manifest(SlackSettings(), args.host)
    except ManifestError as exc:
        return fail(str(exc))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
