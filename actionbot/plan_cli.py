"""`actionbot plan list | activate KEY | archive KEY`: which plans are live.

The rules (unknown keys, the last live plan) are in `storage.plan_status`; this module only
reads arguments and prints what happened.
"""

from __future__ import annotations

import argparse

from actionbot.cli import command, fail, runtime


def add_parsers(sub) -> None:
    p = sub.add_parser("plan", help="the plans in this deployment: list, activate, archive")
    p_sub = p.add_subparsers(dest="plan_command", metavar="ACTION")
    p_sub.add_parser("list", help="every plan, live or archived, and which one is the default")
    a = p_sub.add_parser("activate", help="make a plan live beside the others")
    a.add_argument("key", help="plan key (see `actionbot plan list`)")
    r = p_sub.add_parser("archive", help="take a plan out of service (its history is kept)")
    r.add_argument("key", help="plan key (see `actionbot plan list`)")


@command("plan")
def plan_cmd(args: argparse.Namespace) -> int:
    from storage import plan_status, repo
    from storage.db import session_scope

    if args.plan_command not in ("list", "activate", "archive"):
        return fail("plan: choose list, activate KEY or archive KEY")
    rt = runtime(args)
    now = rt.clock.now()
    with session_scope(rt.engine) as session:
        if args.plan_command == "list":
            return _list(session, rt.settings.actionbot_plan)
        change = plan_status.activate if args.plan_command == "activate" else plan_status.archive
        try:
            print(change(session, args.key, actor="cli", now=now))
        except plan_status.PlanStatusError as exc:
            return fail(str(exc))
        except repo.NoPlanError as exc:
            return fail(str(exc))
    return 0


def _list(session, configured: str | None) -> int:
    from storage import repo

    plans = repo.all_plans(session)
    if not plans:
        return fail("no plan loaded: run `actionbot import --reference` or `actionbot import PLAN.csv`")
    try:
        default = repo.active_plan(session, configured).key
    except repo.NoPlanError as exc:
        return fail(str(exc))
    width = max(len(p.key) for p in plans)
    for plan in plans:
        status = "live" if plan.active else "not live"
        mark = "  (default)" if plan.key == default else ""
        print(f"{plan.key:<{width}}  {status:<8}  {plan.title}{mark}")
    return 0
