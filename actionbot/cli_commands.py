"""The core subcommands: serve, import, export, db, config, people, chat, nudge."""

from __future__ import annotations

import argparse
import sys

from actionbot.cli import command, fail, load_settings, runtime


def add_parsers(sub) -> None:
    s = sub.add_parser("serve", help="run the bot: /healthz, Slack, Teams and the scheduler on one server")
    s.add_argument("--port", type=int, help="port (default $PORT or 3978)")
    s.add_argument("--host", help="interface (default 0.0.0.0)")
    s.add_argument(
        "--bootstrap",
        action="store_true",
        help="migrate the database and load the reference plan if it is empty (what `make run` does)",
    )
    s.add_argument("--no-scheduler", action="store_true", help="don't run the scheduler in this process")
    s.add_argument(
        "--workers",
        type=_worker_count,
        default=1,
        metavar="N",
        help="answer with N web processes sharing the port (default 1); one of them runs the scheduler",
    )

    i = sub.add_parser("import", help="import a plan (CSV, XLSX, DOCX) or the embedded reference plan")
    i.add_argument("path", nargs="?", help="plan file")
    i.add_argument(
        "--reference", action="store_true", help="load the embedded Bromley 2016–17 plan and its example people"
    )
    i.add_argument("--plan-key", help="key of the plan to create or update (default: from the file name)")
    i.add_argument("--title", help="plan title (default: from the file name)")
    i.add_argument("--skip-invalid", action="store_true", help="import the good rows and report the bad ones")

    e = sub.add_parser("export", help="export the plan's actions (one row per action)")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    e.add_argument("--output", "-o", help="file to write (required for xlsx); default standard output")
    e.add_argument("--plan-key")

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])

    c = sub.add_parser("config", help="configuration")
    c.add_argument("action", choices=["check"])

    pe = sub.add_parser("people", help="the people directory")
    pe_sub = pe.add_subparsers(dest="people_command", metavar="ACTION")
    pi = pe_sub.add_parser("import", help="import people from CSV or YAML")
    pi.add_argument("path")
    pe_sub.add_parser("check", help="roles with nobody behind them, how each person is reached, who cannot be")
    pe_sub.add_parser("link", help="find everyone's Slack account by their email (users.lookupByEmail)")
    pe_sub.add_parser("list", help="list the people directory")
    pl = pe_sub.add_parser("leave", help="record leave: their delegate is asked instead (or the lead officer told)")
    pl.add_argument("key", help="person key (see `actionbot people list`)")
    pl.add_argument("--from", dest="start", help="first day away (default today), e.g. 05/09/2016")
    pl.add_argument("--until", help="last day away, e.g. 12/09/2016")
    pl.add_argument("--clear", action="store_true", help="end the leave now")

    ch = sub.add_parser("chat", help="talk to the bot in the terminal")
    ch.add_argument("--as", dest="as_who", required=True, help="a role (e.g. DCS) or a person key")

    n = sub.add_parser("nudge", help="send the nudge card now to an action's lead(s), a role or a person")
    n.add_argument("target", help="an action id (4.2.1), a role (DCS) or a person key")

    sub.add_parser("clock", help="run only the scheduler (the Procfile's clock process)")


@command("db")
def db_cmd(args: argparse.Namespace) -> int:
    from storage.db import current_revision, upgrade

    rt = runtime(args, migrate=False)
    if args.action == "upgrade":
        upgrade(rt.engine)  # through Alembic every time: the command is how an operator migrates
    print(f"database {rt.settings.database_url}: schema at revision {current_revision(rt.engine) or '(empty)'}")
    return 0


@command("config")
def config_cmd(args: argparse.Namespace) -> int:
    import os

    from bot.config import check
    from handlers import registry

    settings = load_settings(args)
    problems = 0
    for line in [*check(settings), *registry.config_lines(os.environ)]:
        mark = "!! " if line.warning else "ok " if line.ok else "-- "
        problems += 0 if line.ok else 1
        hint = f"   ({line.hint})" if line.hint else ""
        print(f"{mark} {line.area:<9} {line.name:<24} {line.value}{hint}")
    print()
    for name, summary in registry.summaries(os.environ):
        print(f"{name.capitalize() + ':':<9} {summary}")
    return 0


@command("import")
def import_cmd(args: argparse.Namespace) -> int:
    from bot.runtime import import_reference
    from storage.plan_store import PlanValidationError

    rt = runtime(args)
    if args.reference:
        plan, people = import_reference(rt.engine, rt.clock)
        print(plan.describe())
        print(people.describe())
        return 0
    if not args.path:
        return fail("give a plan file (CSV, XLSX or DOCX) or --reference")
    from bot.progress import steps
    from storage.importers import import_plan_file

    try:
        with steps(f"import {args.path}", 3) as step:
            summary, skipped = import_plan_file(
                rt.engine,
                rt.clock,
                args.path,
                plan_key=args.plan_key,
                title=args.title,
                skip_invalid=args.skip_invalid,
                limits=rt.settings.import_limits,
                on_stage=step,
            )
    except PlanValidationError as exc:
        print(f"actionbot: {args.path}: nothing was imported; {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        return fail(f"{args.path}: {exc}")
    for problem in skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    print(summary.describe())
    return 0


@command("export")
def export_cmd(args: argparse.Namespace) -> int:
    from cards.plan_export import export_plan

    rt = runtime(args)
    if args.format == "xlsx" and not args.output:
        return fail("xlsx needs --output FILE")
    plan_key = args.plan_key or rt.settings.actionbot_plan
    return export_plan(rt.engine, rt.clock, fmt=args.format, output=args.output, plan_key=plan_key)


@command("people")
def people_cmd(args: argparse.Namespace) -> int:
    from actionbot.people_admin import check_people, import_people, link_people, list_people

    rt = runtime(args)
    if args.people_command == "import":
        return import_people(rt, args.path)
    if args.people_command == "check":
        return check_people(rt)
    if args.people_command == "link":
        return link_people(rt)
    if args.people_command == "list":
        return list_people(rt)
    if args.people_command == "leave":
        from bot.leave import leave_cli

        return leave_cli(rt, args.key, args.start, args.until, clear=args.clear)
    return fail("people: choose import, check, link, list or leave")


@command("chat")
def chat_cmd(args: argparse.Namespace) -> int:
    import asyncio

    from actionbot.chat import chat_with_scheduler

    rt = runtime(args)
    return asyncio.run(chat_with_scheduler(rt, args.as_who, sys.stdin, sys.stdout))


@command("nudge")
def nudge_cmd(args: argparse.Namespace) -> int:
    import asyncio

    from actionbot.nudge_now import nudge_now
    from handlers.registry import outbound_all

    rt = runtime(args)
    rt.channels = outbound_all(rt)
    return asyncio.run(nudge_now(rt, args.target, out=sys.stdout))


@command("serve")
def serve_cmd(args: argparse.Namespace) -> int:
    from actionbot.serve import serve

    settings = load_settings(args)
    return serve(
        settings,
        port=args.port,
        host=args.host,
        bootstrap=args.bootstrap,
        with_scheduler=not args.no_scheduler,
        workers=args.workers,
    )


def _worker_count(text: str) -> int:
    """`--workers N`: a whole number from 1 to 64 (more processes than that only contend)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError("must be between 1 and 64")
    return n


@command("clock")
def clock_cmd(args: argparse.Namespace) -> int:
    from actionbot.scheduler_wiring import run_clock

    return run_clock(load_settings(args))
