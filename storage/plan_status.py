"""Which plans are live: the one place an SIT admin activates or archives a plan.

A plan is live (`Plan.active`) or not: chat and the scheduler serve every live plan; a plan that
is not live (archived, or imported while another was live) keeps all its rows and is read only
when named. Importing never changes this for other plans (`storage.plan_store.save_plan`); these
functions do, each change audited. The last live plan cannot be archived: the deployment would
have nothing to serve, and the default plan would silently fall back to whichever is newest.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from sqlmodel import Session

from storage import repo
from storage.models import Plan


class PlanStatusError(ValueError):
    """A refusal to show as it is: unknown key (with a suggestion), or the last live plan."""


def find(session: Session, key: str) -> Plan:
    """The plan called `key` (any case), or a PlanStatusError that suggests the nearest keys."""
    wanted = key.strip().lower()
    plans = repo.all_plans(session)
    for plan in plans:
        if plan.key.lower() == wanted:
            return plan
    raise PlanStatusError(unknown_plan(key, [p.key for p in plans]))


def unknown_plan(key: str, keys: list[str]) -> str:
    """`no plan 'yk': did you mean yj?`: the same words on the command line and in chat."""
    close = difflib.get_close_matches(key.lower(), [k.lower() for k in keys], n=3, cutoff=0.5)
    by_lower = {k.lower(): k for k in keys}
    if close:
        return f"no plan {key!r}: did you mean {' or '.join(by_lower[c] for c in close)}?"
    return f"no plan {key!r} (plans: {', '.join(keys) or 'none loaded'})"


def activate(session: Session, key: str, *, actor: str, now: datetime) -> str:
    """Make a plan live beside the others (they stay live)."""
    plan = find(session, key)
    if plan.active:
        return f"plan {plan.key} is already live"
    plan.active = True
    session.add(plan)
    repo.add_audit(session, at=now, actor=actor, kind="plan.activated", subject=plan.key)
    return f"plan {plan.key} is live: chat and the scheduler serve it"


def archive(session: Session, key: str, *, actor: str, now: datetime) -> str:
    """Take a plan out of service; its rows, updates and audit trail stay."""
    plan = find(session, key)
    if not plan.active:
        return f"plan {plan.key} is already archived"
    others = [p for p in repo.live_plans(session) if p.id != plan.id]
    if not others:
        raise PlanStatusError(
            f"plan {plan.key} is the only live plan and cannot be archived: "
            "activate another first (`actionbot plan activate KEY`)"
        )
    plan.active = False
    session.add(plan)
    repo.add_audit(session, at=now, actor=actor, kind="plan.archived", subject=plan.key)
    return f"plan {plan.key} archived: no longer served in chat or by the scheduler (its history is kept)"
