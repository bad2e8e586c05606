"""`actionbot report`, `actionbot kpi import FILE`, `actionbot demo-data [--remove]`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from actionbot.cli import command, fail, runtime


def add_parsers(sub) -> None:
    r = sub.add_parser("report", help="the monthly highlight report: terminal, md, html, xlsx, csv or pdf")
    when = r.add_mutually_exclusive_group()
    when.add_argument("--month", help="the month, e.g. 2016-09 (default: the current month so far)")
    when.add_argument("--from", dest="date_from", help="first day of a date range (YYYY-MM-DD), with --to")
    r.add_argument("--to", dest="date_to", help="last day of a date range (YYYY-MM-DD)")
    r.add_argument("--format", choices=["text", "md", "html", "xlsx", "csv", "pdf"], default="text")
    r.add_argument(
        "--output", "-o", help="file to write (default: standard output; xlsx/pdf: a file named for the month)"
    )
    r.add_argument("--plan-key", help="which plan (default: the active plan)")

    k = sub.add_parser("kpi", help="performance indicator readings")
    k_sub = k.add_subparsers(dest="kpi_command", metavar="ACTION")
    ki = k_sub.add_parser("import", help="import readings from a CSV with columns code, period, value")
    ki.add_argument("path")
    ki.add_argument("--plan-key")

    d = sub.add_parser("demo-data", help="load (or --remove) a labelled sample history for the reference plan")
    d.add_argument("--remove", action="store_true", help="retire the sample plan and reactivate the previous one")


def period_from(args: argparse.Namespace, today: date):
    from bot.periods import Period

    if args.month:
        return Period.of(args.month)
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise ValueError("a date range needs both --from and --to")
        return Period(date.fromisoformat(args.date_from), date.fromisoformat(args.date_to))
    return Period.containing(today)


@command("report")
def report_cmd(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from bot.progress import steps
    from bot.report import build_report
    from cards.report_files import BINARY, default_filename, render_file
    from storage import repo
    from storage.db import session_scope

    rt = runtime(args)
    now = rt.clock.now()
    with steps("report", 2) as step:
        with session_scope(rt.engine) as session:
            try:
                plan = repo.active_plan(session, args.plan_key or rt.settings.actionbot_plan)
            except repo.NoPlanError as exc:
                return fail(str(exc))
            try:
                period = period_from(args, now.astimezone(ZoneInfo(plan.timezone or "Europe/London")).date())
            except ValueError as exc:
                return fail(str(exc))
            step("figures from the audit trail")
            report = build_report(session, plan, period, as_of=now)
        output = args.output or (default_filename(report, args.format) if args.format in BINARY else None)
        step(f"rendering {args.format}")
        if args.format == "md" and output:
            return _write_markdown(report, Path(output))
        body = render_file(report, args.format)
    if output is None:
        sys.stdout.write(body if isinstance(body, str) else body.decode())
        return 0
    target = Path(output)
    if isinstance(body, bytes):
        target.write_bytes(body)
    else:
        target.write_text(body, encoding="utf-8")
    print(f"wrote {target} ({report.title}, {report.plan_key})")
    return 0


def _write_markdown(report, target: Path) -> int:
    """Markdown cannot hold a picture: the charts are written beside it and linked."""
    from cards.charts import report_charts
    from cards.report_md import render_markdown

    links = {}
    for chart in report_charts(report):
        image = target.with_name(f"{target.stem}-{chart.filename}")
        image.write_bytes(chart.png)
        links[chart.title] = image.name
    target.write_text(render_markdown(report, links), encoding="utf-8")
    print(f"wrote {target} and {len(links)} chart(s) beside it ({report.title}, {report.plan_key})")
    return 0


@command("kpi")
def kpi_cmd(args: argparse.Namespace) -> int:
    from actionbot.kpi_csv import import_readings
    from storage import repo
    from storage.plan_store import PlanValidationError

    if args.kpi_command != "import":
        return fail("kpi: choose import (e.g. `actionbot kpi import readings.csv`)")
    rt = runtime(args)
    try:
        result = import_readings(
            rt.engine,
            rt.clock,
            args.path,
            plan_key=args.plan_key or rt.settings.actionbot_plan,
            limits=rt.settings.import_limits,
        )
    except PlanValidationError as exc:
        print(f"actionbot: {args.path}: nothing was imported; {exc}", file=sys.stderr)
        return 1
    except repo.NoPlanError as exc:
        return fail(str(exc))
    print(result.describe())
    return 0


@command("demo-data")
def demo_cmd(args: argparse.Namespace) -> int:
    from actionbot.demo_data import load_demo, remove_demo
    from bot.progress import terminal_progress

    rt = runtime(args)
    if args.remove:
        print(remove_demo(rt.engine, rt.clock))
        return 0
    print(load_demo(rt.engine, rt.clock, progress=terminal_progress).describe())
    return 0
