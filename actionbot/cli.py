"""`actionbot …`: the command line. Each subcommand is a small function over the runtime."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic and the settings load only when a command runs: `--help` stays fast
    from pydantic import ValidationError

    from bot.config import Settings
    from bot.runtime import Runtime

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a subcommand's handler under `name` (each COMMAND_MODULES module does, at import)."""

    def wrap(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return wrap


def load_settings(args: argparse.Namespace | None = None) -> Settings:
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        raise SystemExit(configuration_error(exc)) from None
    if args is not None and getattr(args, "database_url", None):
        settings.database_url = Settings.model_validate({"database_url": args.database_url}).database_url
    if args is not None and getattr(args, "as_of", None):
        settings.actionbot_now = args.as_of
    if args is not None and getattr(args, "speed", None):
        settings.actionbot_speed = args.speed
    return settings


def _config_problem(error: dict) -> str:
    """One line per bad setting: the variable, then what is wrong (a rule across several
    variables has no single location; its message names them)."""
    message = error["msg"].removeprefix("Value error, ")
    where = ".".join(str(x) for x in error["loc"]).upper()
    return f"  {where}: {message}" if where else f"  {message}"


def runtime(args: argparse.Namespace, *, migrate: bool = True) -> Runtime:
    from bot.runtime import build_runtime, ensure_database

    rt = build_runtime(load_settings(args))
    if migrate:
        ensure_database(rt.engine)
    return rt


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="actionbot",
        description="Drive an improvement action plan to completion from Slack, Microsoft Teams or the terminal.",
    )
    p.add_argument("--database-url", help="override DATABASE_URL (default sqlite:///actionbot.db)")
    p.add_argument("--as-of", help="pretend it is this date/time (YYYY-MM-DD[THH:MM], UK time); also ACTIONBOT_NOW")
    p.add_argument("--speed", type=float, help="with --as-of: run the clock this many times faster than real time")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    for module in COMMAND_MODULES:
        importlib.import_module(module).add_parsers(sub)
    return p


# Modules that add subcommands: each has add_parsers(sub) and registers handlers with @command.
COMMAND_MODULES = [
    "actionbot.cli_commands",
    "actionbot.report_cli",
    "actionbot.scheduler_cli",
    "actionbot.teams_cli",
    "actionbot.slack_cli",
    "actionbot.plan_cli",
    "actionbot.board_cli",
]


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    from bot.logging_setup import configure_logging

    configure_logging(_settings_for_logging(), verbose=args.verbose, secrets=_channel_secrets())
    if not args.command:
        p.print_help()
        return 2
    fn = COMMANDS.get(args.command)
    if fn is None:
        p.error(f"unknown command {args.command}")
    from pydantic import ValidationError

    try:
        return fn(args) or 0
    except KeyboardInterrupt:
        return 130
    except ValidationError as exc:  # a channel's settings (read when the channel is first used)
        raise SystemExit(configuration_error(exc)) from None


def configuration_error(exc: ValidationError) -> str:
    """What the CLI says about settings that do not validate, one line per bad variable."""
    return "actionbot: configuration error\n" + "\n".join(_config_problem(e) for e in exc.errors())


def _settings_for_logging() -> Settings | None:
    """The settings if they are valid; else None (logging falls back to text at INFO and the
    command itself reports the configuration error)."""
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        return Settings()
    except ValidationError:
        return None


def _channel_secrets() -> list[str]:
    """Secret values in every registered channel's settings, for the log redactor (a channel
    whose settings do not validate contributes none: the command reports it)."""
    import os

    from pydantic import ValidationError

    from bot.logging_setup import secret_values
    from handlers.registry import channel_settings

    try:
        return secret_values(*channel_settings(os.environ))
    except ValidationError:
        return []


def fail(message: str, code: int = 1) -> int:
    print(f"actionbot: {message}", file=sys.stderr)
    return code


__all__ = ["COMMANDS", "command", "fail", "load_settings", "main", "runtime"]
