"""`actionbot people import|check|list`."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from bot.recipients import unowned_roles
from storage import repo
from storage.db import session_scope
from storage.plan_data import PersonRow
from storage.plan_store import PlanValidationError, Problem, save_people
from storage.reference import person_row

PEOPLE_COLUMNS = (
    "key",
    "name",
    "email",
    "roles",
    "manager",
    "delegate",
    "timezone",
    "slack_user_id",
    "teams_user_id",
    "sit_admin",
)


def read_people(path: str) -> list[PersonRow]:
    p = Path(path)
    if not p.exists():
        raise PlanValidationError([Problem(path, None, "", "file not found")])
    if p.suffix.lower() in (".yaml", ".yml"):
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or []
        rows = raw.get("people", []) if isinstance(raw, dict) else raw
        problems = [
            Problem(path, i, "key/name", "each person needs key and name")
            for i, r in enumerate(rows, 1)
            if not (isinstance(r, dict) and r.get("key") and r.get("name"))
        ]
        if problems:
            raise PlanValidationError(problems)
        return [person_row(r) for r in rows]
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = {h.strip().lower(): h for h in reader.fieldnames or []}
        missing = [c for c in ("key", "name") if c not in header]
        if missing:
            raise PlanValidationError([Problem(path, 1, c, "missing column") for c in missing])
        out = []
        for row in reader:
            get = {k: (row.get(v) or "").strip() for k, v in header.items()}
            out.append(
                PersonRow(
                    key=get["key"],
                    name=get["name"],
                    email=get.get("email") or None,
                    roles=[r.strip() for r in get.get("roles", "").replace(";", "/").split("/") if r.strip()],
                    manager=get.get("manager") or None,
                    delegate=get.get("delegate") or None,
                    timezone=get.get("timezone") or "Europe/London",
                    slack_user_id=get.get("slack_user_id") or None,
                    teams_user_id=get.get("teams_user_id") or None,
                    sit_admin=get.get("sit_admin", "").lower() in ("1", "true", "yes", "y"),
                )
            )
        return out


def import_people(rt, path: str) -> int:
    try:
        rows = read_people(path)
        with session_scope(rt.engine) as session:
            summary = save_people(session, rows, actor="cli", now=rt.clock.now(), source=path)
    except PlanValidationError as exc:
        print(f"actionbot: {path}: nothing was imported; {exc}")
        return 1
    print(summary.describe())
    return 0


def check_people(rt) -> int:
    """Every role the plan uses with nobody behind it, and everyone with no way to reach them."""
    from handlers import outbound_channels

    channels = rt.channels or outbound_channels(rt)
    problems = 0
    with session_scope(rt.engine) as session:
        plan = repo.active_plan(session, rt.settings.actionbot_plan)
        used = {lead for a in repo.plan_actions(session, plan.id) for lead in a.leads}
        for p in repo.plan_priorities(session, plan.id):
            used |= set(p.lead_roles)
        missing = unowned_roles(session, used)
        print(f"Plan {plan.key}: {len(used)} lead roles in use.")
        if missing:
            problems += len(missing)
            print(f"Roles with nobody behind them ({len(missing)}):")
            for r in missing:
                print(f"  - {r}")
        else:
            print("Every lead role has a person.")
        unreachable = []
        for person in repo.all_people(session):
            reach = [c.name for c in channels.values() if c.can_reach(session, person)]
            if not reach:
                failed = [a for a in _addresses(session, person) if a.failed_at]
                why = f" (last send failed: {failed[0].failure})" if failed else ""
                unreachable.append(f"  - {person.name} ({person.key}; roles {', '.join(person.roles) or '-'}){why}")
        if unreachable:
            problems += len(unreachable)
            print(f"People the bot cannot reach on any configured channel ({len(unreachable)}):")
            print("\n".join(unreachable))
            print("  Link Slack ids or Teams accounts (they are linked when the person first writes to the bot).")
        else:
            print("Everyone can be reached.")
    return 1 if problems else 0


def _addresses(session, person):
    from sqlmodel import select

    from storage.models import ChannelAddress

    return session.exec(select(ChannelAddress).where(ChannelAddress.address_key == f"person:{person.key}")).all()


def list_people(rt) -> int:
    with session_scope(rt.engine) as session:
        for p in repo.all_people(session):
            print(
                f"{p.key:<14} {p.name:<36} {', '.join(p.roles):<22} manager={p.manager_key or '-':<10} "
                f"slack={p.slack_user_id or '-'} teams={'yes' if p.teams_user_id else '-'}"
                f"{' SIT admin' if p.sit_admin else ''}"
            )
    return 0
