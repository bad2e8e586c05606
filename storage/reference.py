"""The embedded reference plan (Bromley 2016–17) and its fictional people directory.

The YAML under `storage/reference/bromley-2016-17/` is the reviewed transcription of the plan
(see FORMAT.md there). Dates written in the files are checked against the timescale parser by
the test suite, so the data and the parser cannot drift apart silently.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from storage.plan_data import ActionRow, FindingRow, PersonRow, PlanData, PriorityRow, RoleRow, chat_ids_of

REFERENCE_DIR = Path(__file__).resolve().parent / "reference" / "bromley-2016-17"
REFERENCE_KEY = "bromley-2016-17"


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~5x faster


def _load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def load_reference_plan(directory: Path = REFERENCE_DIR) -> PlanData:
    meta = _load(directory / "plan.yaml")
    data = PlanData(
        key=meta["key"],
        title=meta["title"],
        organisation=meta.get("organisation", ""),
        period_start=meta.get("period_start"),
        period_end=meta.get("period_end"),
        timezone=meta.get("timezone", "Europe/London"),
        version=meta.get("version", ""),
        governance_board=meta.get("governance_board", ""),
    )
    for role in _load(directory / "roles.yaml"):
        data.roles.append(
            RoleRow(
                abbrev=role["abbrev"],
                title=role.get("title", ""),
                extra=bool(role.get("extra")),
                note=role.get("note", "") or "",
                represented_by=role.get("represented_by"),
            )
        )
    people_file = directory / "people.yaml"
    if people_file.exists():
        bodies = {b["role"]: b for b in (_load(people_file) or {}).get("bodies", []) or []}
        for role in data.roles:
            body = bodies.get(role.abbrev)
            if body is not None and not role.represented_by:
                role.represented_by = body.get("represented_by")
            if body is not None:
                role.members = [str(m) for m in body.get("members") or []]
    for path in sorted(directory.glob("priority-*.yaml")):
        p = _load(path)
        data.priorities.append(
            PriorityRow(
                number=int(p["number"]),
                title=p["title"],
                lead_officer=p.get("lead_officer", ""),
                lead_roles=list(p.get("lead_roles") or []),
                intro=(p.get("intro") or "").strip(),
                identified_issues=list(p.get("identified_issues") or []),
                expected_impact=list(p.get("expected_impact") or []),
            )
        )
        for f in p.get("findings") or []:
            data.findings.append(
                FindingRow(
                    ref=str(f["id"]),
                    priority_number=int(p["number"]),
                    text=f.get("text", "") or "",
                    ofsted_refs=f.get("ofsted_refs", "") or "",
                )
            )
            for a in f.get("actions") or []:
                data.actions.append(
                    ActionRow(
                        ref=str(a["id"]),
                        finding_ref=str(f["id"]),
                        priority_number=int(p["number"]),
                        text=(a.get("text") or "").strip(),
                        timescale=a.get("timescale") or "",
                        start=a.get("start"),
                        due=a.get("due"),
                        recurrence=a.get("recurrence"),
                        leads=list(a.get("leads") or []),
                        partners=list(a.get("partners") or []),
                        completed=bool(a.get("completed")),
                        decision=a.get("decision", "") or "",
                    )
                )
    indicators_file = directory / "indicators.yaml"
    if indicators_file.exists():
        data.indicators = list(_load(indicators_file) or [])
    return data


def load_reference_people(directory: Path = REFERENCE_DIR) -> list[PersonRow]:
    raw = _load(directory / "people.yaml") or {}
    people = raw.get("people", raw) if isinstance(raw, dict) else raw
    return [person_row(p) for p in people]


def person_row(p: dict) -> PersonRow:
    return PersonRow(
        key=str(p["key"]),
        name=p["name"],
        email=p.get("email"),
        roles=list(p.get("roles") or []),
        manager=p.get("manager"),
        delegate=p.get("delegate"),
        timezone=p.get("timezone") or "Europe/London",
        chat_ids=chat_ids_of(p),
        sit_admin=bool(p.get("sit_admin")),
        performance_officer=bool(p.get("performance_officer")),
    )
