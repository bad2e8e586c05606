"""`actionbot policy show` and `actionbot preview`: the scheduler's subcommands."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from actionbot.cli import command, fail, load_settings, runtime


def add_parsers(sub) -> None:
    p = sub.add_parser("policy", help="the scheduler policy (nudges, rounds, chases, escalations, digests)")
    p_sub = p.add_subparsers(dest="policy_command", metavar="ACTION")
    show = p_sub.add_parser("show", help="print the policy in force (defaults + ACTIONBOT_POLICY)")
    show.add_argument("--yaml", action="store_true", help="print the effective YAML instead of the summary")

    pv = sub.add_parser("preview", help="list every message the scheduler would send in a period, sending nothing")
    pv.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD (e.g. 2016-09-01)")
    pv.add_argument("--to", dest="end", required=True, help="day after the last, YYYY-MM-DD (e.g. 2016-10-01)")
    pv.add_argument("--format", choices=["text", "csv"], default="text")
    pv.add_argument("--detail", action="store_true", help="one line per action and rule, not per message")
    pv.add_argument(
        "--replay", action="store_true", help="use the updates recorded in the database (default: nobody answers)"
    )
    pv.add_argument(
        "--simulate-replies",
        action="store_true",
        help="everyone answers their round on its first day with `no change` (overdue and never-rated "
        "actions, which `no change` refuses, are assumed answered for real that day)",
    )
    pv.add_argument("--output", "-o", help="write to this file instead of standard output")
    pv.add_argument("--plan-key", help="which plan (default: the default plan; the live scheduler serves every live plan)")


@command("policy")
def policy_cmd(args: argparse.Namespace) -> int:
    from bot.policy import PolicyError, describe, policy_from_settings

    if args.policy_command != "show":
        return fail("policy: use `actionbot policy show`")
    settings = load_settings(args)
    try:
        policy = policy_from_settings(settings)
    except PolicyError as exc:
        return fail(exc.describe())
    if args.yaml:
        print(f"# scheduler policy from {policy.source}")
        print(policy.as_yaml(), end="")
        return 0
    print(f"Scheduler policy ({policy.source}):")
    width = max(len(k) for k, _ in describe(policy))
    for key, value in describe(policy):
        print(f"  {key:<{width}}  {value}")
    return 0


@command("preview")
def preview_cmd(args: argparse.Namespace) -> int:
    from bot.policy import PolicyError, policy_from_settings
    from bot.progress import terminal_progress
    from handlers.registry import outbound_all
    from scheduler.preview import SimulatedReplies, as_csv, as_text, preview
    from storage import repo
    from storage.bulk import collector_paused
    from storage.db import session_scope

    try:
        start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError:
        return fail("--from and --to take dates written YYYY-MM-DD, e.g. --from 2016-09-01 --to 2016-10-01")
    if end <= start:
        return fail("--to must be after --from (it is the day after the last day previewed)")
    if args.replay and args.simulate_replies:
        return fail("--replay and --simulate-replies exclude each other: replay the recorded updates, or simulate")
    rt = runtime(args)
    try:
        policy = policy_from_settings(rt.settings)
    except PolicyError as exc:
        return fail(exc.describe())
    channels = outbound_all(rt)
    with session_scope(rt.engine) as session:
        try:
            plan = repo.active_plan(session, args.plan_key or rt.settings.actionbot_plan)
        except repo.NoPlanError as exc:
            return fail(str(exc))
        replies = SimulatedReplies() if args.simulate_replies else None
        with collector_paused():  # a month builds a million small acyclic values (`storage.bulk`)
            rows = preview(
                session, plan, policy, channels, start, end, replay=args.replay, progress=terminal_progress, replies=replies
            )
    people = len({r.message.recipient for r in rows})
    if args.replay:
        answers = "recorded updates replayed"
    elif replies is not None:
        answers = (
            f"everyone answers their round on its first day with `no change` ({replies.confirmed} confirmed; "
            f"{replies.real_answers} overdue or never rated, which `no change` refuses, assumed answered for real)"
        )
    else:
        answers = "assuming nobody answers"
    unreachable = sum(1 for r in rows if r.channel == "unreachable")
    header = (
        f"Preview of {plan.key} from {start:%a %d %b %Y} to {end:%a %d %b %Y} (not included), "
        f"policy: {policy.source}; {answers}.\n"
        f"{len(rows)} messages to {people} recipients ({_per_person(rows)})"
        + (
            f"; {unreachable} to people no configured channel can reach (the live bot records those as not "
            "delivered, goes on with their chases and escalations, and tells the SIT once a day per person)"
            if unreachable
            else ""
        )
        + ". Times are the recipient's local time.\n"
    )
    text = (
        as_csv(rows, detail=args.detail) if args.format == "csv" else as_text(rows, detail=args.detail, header=header)
    )
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        print(header.splitlines()[1] + f" Written to {args.output}.")
    else:
        sys.stdout.write(text)
    return 0


def _per_person(rows) -> str:
    """The figures the issue asks of a month: median messages per person, and the most any
    person-day got (the scheduler's rule: one)."""
    from collections import Counter
    from statistics import median

    from scheduler.planned import SIT

    people = [r for r in rows if r.message.recipient != SIT]
    per_person = Counter(r.message.recipient for r in people)
    per_day = Counter((r.message.recipient, r.message.local_at.date()) for r in people)
    if not per_person:
        return "no messages to people"
    return (
        f"median {median(per_person.values()):g} per person, at most {max(per_day.values())} per person-day"
    )
