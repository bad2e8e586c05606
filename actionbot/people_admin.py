"""`actionbot people import|check|link|list`: who holds each role, and whether the bot can reach them.

The plan names roles (`DCS`, `HOS QI`); the bot needs people with chat ids. A council keeps that
mapping in a spreadsheet or a YAML file, so `people import` reads either, checks every row
(reporting file, row, column and reason like the plan importer) and writes all or nothing.
A file may also be partial (`key, slack_user_id`, `key, email`, `key, timezone`): it updates
only those columns of people already in the directory. `people check` then answers the
questions before go-live: which roles the plan uses have nobody behind them, how each person is
reached (a linked Slack id, a Teams conversation), and who could not be reached on any
configured channel. `people link` finds everyone's Slack account by their email at once.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlmodel import Session, select

from bot.identity import identities_of
from bot.recipients import unowned_roles
from bot.runtime import Runtime
from storage import repo
from storage.bulk import collector_paused, current_rows
from storage.db import session_scope
from storage.import_limits import DEFAULT_LIMITS, ImportLimits, UnreadableFile, check_file_size
from storage.importers.csv_text import read_rows
from storage.models import Action, ChannelAddress, Person, Plan, Role
from storage.plan_data import CHAT_ID_COLUMN, PersonRow, chat_ids_of
from storage.plan_store import PlanValidationError, Problem, save_people

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
    "performance_officer",
    "preferred_channel",
)
# Header spellings (normalised: lower case, words joined by "_") → column.
HEADER_SYNONYMS = {
    "key": "key",
    "person_key": "key",
    "id": "key",
    "name": "name",
    "full_name": "name",
    "email": "email",
    "email_address": "email",
    "e_mail": "email",
    "roles": "roles",
    "role": "roles",
    "roles_held": "roles",
    "manager": "manager",
    "manager_key": "manager",
    "line_manager": "manager",
    "delegate": "delegate",
    "delegate_key": "delegate",
    "deputy": "delegate",
    "timezone": "timezone",
    "time_zone": "timezone",
    "tz": "timezone",
    "slack_user_id": "slack_user_id",
    "slack_id": "slack_user_id",
    "slack": "slack_user_id",
    "teams_user_id": "teams_user_id",
    "teams_id": "teams_user_id",
    "teams": "teams_user_id",
    "sit_admin": "sit_admin",
    "sit": "sit_admin",
    "admin": "sit_admin",
    "performance_officer": "performance_officer",
    "preferred_channel": "preferred_channel",
    "channel": "preferred_channel",
}
TRUE = {"1", "true", "yes", "y", "x"}
FALSE = {"", "0", "false", "no", "n"}
_ROLE_SPLIT = re.compile(r"\s*[;,|/]\s*")


def _header(text: str) -> str | None:
    norm = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if norm in HEADER_SYNONYMS:
        return HEADER_SYNONYMS[norm]
    return norm if CHAT_ID_COLUMN.match(norm) else None  # any channel's `<channel>_user_id`


def _flag(value: str, source: str, row: int, column: str, problems: list[Problem]) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v not in FALSE:
        problems.append(Problem(source, row, column, f"cannot read {value!r} as yes or no"))
    return False


def _channel_name(value, source: str, row: int, problems: list[Problem]) -> str | None:
    """`preferred_channel` (e.g. email): a channel's name, lower case; empty for none."""
    name = str(value or "").strip().lower()
    if name and not re.fullmatch(r"[a-z][a-z0-9_-]{0,19}", name):
        problems.append(Problem(source, row, "preferred_channel", f"{value!r} is not a channel name (e.g. email)"))
        return None
    return name or None


@dataclass
class PeopleFile:
    """What a people file says: the rows, which columns each row gave (so that a file with only
    `key, name, slack_user_id` adds Slack ids without wiping roles), each row's number in the
    file, and the `bodies:` a YAML file maps to the role that answers for them."""

    rows: list[PersonRow]
    given: list[set[str]]
    numbers: dict[int, int]
    bodies: list[tuple[str, str | None]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # rows that cannot be read
    members: dict[str, list[str]] = field(default_factory=dict)  # a group lead's member roles (`members:`)


# PersonRow field → Person column, for the fields a file may leave out.
KEPT_FIELDS = {
    "name": "name",
    "email": "email",
    "roles": "roles",
    "manager": "manager_key",
    "delegate": "delegate_key",
    "timezone": "timezone",
    "sit_admin": "sit_admin",
    "performance_officer": "performance_officer",
    "preferred_channel": "preferred_channel",
}
# Chat ids are not "kept" like the fields above: an import only ever adds or replaces a
# person's id on the channels the file names (person_identity rows), never removes one.


def read_people(path: str, limits: ImportLimits = DEFAULT_LIMITS) -> PeopleFile:
    """Read a people CSV or YAML file, within the import limits. Raises PlanValidationError
    when the file as a whole cannot be read; problems in single rows are returned in `problems`."""
    p = Path(path)
    if not p.is_file():
        raise PlanValidationError([Problem(path, None, "", "file not found")])
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            problem = check_file_size(p, path, limits)
            if problem is not None:
                raise UnreadableFile(problem)
            return _read_yaml(p, path)
        if p.suffix.lower() in (".csv", ".txt"):
            return _read_csv(p, path, limits)
    except UnreadableFile as exc:
        raise PlanValidationError([exc.problem]) from None
    raise PlanValidationError([Problem(path, None, "", "use a .csv or .yaml file")])


def _read_yaml(p: Path, source: str) -> PeopleFile:
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or []
    except UnicodeDecodeError as exc:
        raise PlanValidationError([Problem(source, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except yaml.YAMLError as exc:
        raise PlanValidationError([Problem(source, None, "", f"not valid YAML ({exc})")]) from None
    rows = raw.get("people", []) if isinstance(raw, dict) else raw
    bodies_raw = (raw.get("bodies") or []) if isinstance(raw, dict) else []
    problems: list[Problem] = []
    people: list[PersonRow] = []
    given: list[set[str]] = []
    numbers: dict[int, int] = {}
    if not isinstance(rows, list):
        raise PlanValidationError([Problem(source, None, "people", "expected a list of people")])
    for i, r in enumerate(rows, 1):
        if not isinstance(r, dict):
            problems.append(Problem(source, i, "", "each person is a mapping with key and name"))
            continue
        if not str(r.get("key") or "").strip():
            problems.append(Problem(source, i, "key", f"person {i} has no key"))
        if "name" in r and not str(r.get("name") or "").strip():
            problems.append(Problem(source, i, "name", f"person {i} has no name"))
        roles = r.get("roles") or []
        if isinstance(roles, str):
            roles = [x for x in _ROLE_SPLIT.split(roles) if x]
        people.append(
            PersonRow(
                key=str(r.get("key") or "").strip(),
                name=str(r.get("name") or "").strip(),
                email=r.get("email") or None,
                roles=[" ".join(str(x).split()) for x in roles],
                manager=r.get("manager") or None,
                delegate=r.get("delegate") or None,
                timezone=r.get("timezone") or "Europe/London",
                chat_ids=chat_ids_of(r),
                sit_admin=bool(r.get("sit_admin")),
                performance_officer=bool(r.get("performance_officer")),
                preferred_channel=_channel_name(r.get("preferred_channel"), source, i, problems),
            )
        )
        numbers[len(people) - 1] = i
        given.append(set(r))
    bodies = []
    members: dict[str, list[str]] = {}
    for b in bodies_raw:
        if isinstance(b, dict) and b.get("role"):
            bodies.append((str(b["role"]), b.get("represented_by")))
            listed = b.get("members")
            if listed is not None and not (isinstance(listed, list) and all(isinstance(m, str) for m in listed)):
                problems.append(Problem(source, None, "bodies", f"a body's members are a list of roles: {listed!r}"))
            elif listed:
                members[str(b["role"])] = [m.strip() for m in listed if m.strip()]
        else:
            problems.append(Problem(source, None, "bodies", f"each body needs a role: {b!r}"))
    return PeopleFile(people, given, numbers, bodies, problems, members)


def _read_csv(p: Path, source: str, limits: ImportLimits) -> PeopleFile:
    numbered = read_rows(p, source, limits)
    rows = [cells for _, cells in numbered]
    if not rows:
        raise PlanValidationError([Problem(source, 1, "", "empty file")])
    columns: dict[str, int] = {}
    for i, h in enumerate(rows[0]):
        column = _header(h)
        if column and column not in columns:
            columns[column] = i
    if "key" not in columns:  # every other column may be left out: a partial file updates only those
        raise PlanValidationError([Problem(source, 1, "key", "missing column")])
    problems: list[Problem] = []
    people: list[PersonRow] = []
    numbers: dict[int, int] = {}
    for number, cells in numbered[1:]:
        get = {c: (cells[i].strip() if i < len(cells) else "") for c, i in columns.items()}
        if not any(get.values()):
            continue
        for column in ("key", "name"):
            if column in columns and not get[column]:
                problems.append(Problem(source, number, column, f"no {column}"))
        people.append(
            PersonRow(
                key=get["key"],
                name=get.get("name", ""),
                email=get.get("email") or None,
                roles=[" ".join(r.split()) for r in _ROLE_SPLIT.split(get.get("roles", "")) if r.strip()],
                manager=get.get("manager") or None,
                delegate=get.get("delegate") or None,
                timezone=get.get("timezone") or "Europe/London",
                chat_ids=chat_ids_of(get),
                sit_admin=_flag(get.get("sit_admin", ""), source, number, "sit_admin", problems),
                performance_officer=_flag(
                    get.get("performance_officer", ""), source, number, "performance_officer", problems
                ),
                preferred_channel=_channel_name(get.get("preferred_channel"), source, number, problems),
            )
        )
        numbers[len(people) - 1] = number
    return PeopleFile(people, [set(columns)] * len(people), numbers, problems=problems)


def check_rows(rows: list[PersonRow], numbers: dict[int, int], known_keys: set[str], source: str) -> list[Problem]:
    """Duplicates, unknown managers and delegates, and bad time zones, by the file's own rows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    problems: list[Problem] = []
    first: dict[str, int] = {}
    keys = known_keys | {r.key for r in rows}
    for i, r in enumerate(rows):
        row = numbers.get(i, i + 1)
        if r.key in first:
            problems.append(
                Problem(source, row, "key", f"duplicate person key {r.key!r} (first at row {first[r.key]})")
            )
        first.setdefault(r.key, row)
        for ref, column in ((r.manager, "manager"), (r.delegate, "delegate")):
            if ref and ref not in keys:
                problems.append(Problem(source, row, column, f"{ref!r} is not a person key in the file or directory"))
            if ref and ref == r.key:
                problems.append(Problem(source, row, column, f"{r.key!r} cannot be their own {column}"))
        try:
            ZoneInfo(r.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(source, row, "timezone", f"unknown time zone {r.timezone!r}"))
    return problems


def check_partial_rows(people: PeopleFile, known_keys: set[str], source: str) -> list[Problem]:
    """A row without a name can only update someone already in the directory: a new person
    needs a name."""
    problems: list[Problem] = []
    for i, (row, given) in enumerate(zip(people.rows, people.given, strict=True)):
        if "name" not in given and row.key and row.key not in known_keys:
            problems.append(
                Problem(
                    source,
                    people.numbers.get(i, i + 1),
                    "key",
                    f"{row.key!r} is not in the people directory; a new person needs a name "
                    "(add a `name` column, or check the key with `actionbot people list`)",
                )
            )
    return problems


def keep_what_the_file_omits(session: Session, people: PeopleFile) -> None:
    """A column the file does not have keeps the directory's value for people already in it."""
    if all(given >= KEPT_FIELDS.keys() for given in people.given):
        return  # (the usual whole directory: nothing to keep, nothing to read)
    existing = current_rows(session, Person, "key", KEPT_FIELDS.values())
    for row, given in zip(people.rows, people.given, strict=True):
        current = existing.get(row.key)
        if current is None:
            continue
        for name, column in KEPT_FIELDS.items():
            if name not in given:
                value = current[column]
                setattr(row, name, list(value) if isinstance(value, list) else value)


def import_people(rt: Runtime, path: str) -> int:
    try:
        with collector_paused():
            return _import_people(rt, path)
    except PlanValidationError as exc:
        print(f"actionbot: {path}: nothing was imported; {exc}", file=sys.stderr)
        return 1


def _import_people(rt: Runtime, path: str) -> int:
    people = read_people(path, rt.settings.import_limits)
    rows, bodies = people.rows, people.bodies
    with session_scope(rt.engine) as session:
        known_keys = set(session.exec(select(Person.key)).all())
        problems = (
            people.problems
            + check_partial_rows(people, known_keys, path)
            + check_rows(rows, people.numbers, known_keys, path)
        )
        if problems:
            raise PlanValidationError(problems)
        keep_what_the_file_omits(session, people)
        summary = save_people(session, rows, actor="cli", now=rt.clock.now(), source=path)
        roles = {r.abbrev: r for r in session.exec(select(Role)).all()}
        for body, represented_by in bodies:
            role = roles.get(body) or Role(abbrev=body, extra=True, note=f"body named in {path}")
            role.represented_by = represented_by
            if body in people.members:
                role.members = people.members[body]
            session.add(role)
        known = set(roles) | {b for b, _ in bodies}
        for plan in session.exec(select(Plan)).all():
            known |= plan_lead_roles(session, plan.id)
    print(summary.describe())
    strangers = sorted({role for r in rows for role in r.roles} - known)
    if strangers:
        print(
            f"note: {len(strangers)} role(s) held here are not used by any plan or the role list "
            f"(a typo?): {', '.join(strangers)}",
            file=sys.stderr,
        )
    return 0


def _check_roles(session, plan) -> int:
    """Print the plan's lead roles with nobody behind them; return how many."""
    used = plan_lead_roles(session, plan.id)
    missing = unowned_roles(session, used)
    print(f"Plan {plan.key}: {len(used)} lead roles in use.")
    if not missing:
        print("Every lead role has a person.")
        return 0
    print(f"Roles with nobody behind them ({len(missing)}):")
    actions = repo.plan_actions(session, plan.id)
    for r in missing:
        count = sum(1 for a in actions if r in a.leads)
        print(f"  - {r} (lead of {count} action{'s' if count != 1 else ''})")
    return len(missing)


def plan_lead_roles(session: Session, plan_id: int) -> set[str]:
    """Every role a plan names as a lead: its actions' leads and its priorities' lead officers."""
    used = repo.names_in(session, Action.leads, plan_id)
    for p in repo.plan_priorities(session, plan_id):
        used |= set(p.lead_roles)
    return used


def check_people(rt: Runtime) -> int:
    """Every role a plan uses with nobody behind it (the default plan, then every other live
    plan: the scheduler asks them all), and everyone with no way to reach them."""
    from handlers.registry import outbound_all

    channels = rt.channels or outbound_all(rt)
    problems = 0
    with session_scope(rt.engine) as session:
        try:
            default = repo.active_plan(session, rt.settings.actionbot_plan)
        except repo.NoPlanError as exc:
            print(f"actionbot: {exc}", file=sys.stderr)
            return 1
        for plan in [default, *(p for p in repo.live_plans(session) if p.id != default.id)]:
            problems += _check_roles(session, plan)
        people = repo.all_people(session)
        if not channels:
            print("No chat channel is configured, so the bot can reach nobody (see `actionbot config check`).")
            return 1
        names = ", ".join(sorted(channels))
        print(f"How the bot reaches each person ({names}):")
        unreachable, unlinked = [], []
        slack_ids = repo.chat_ids_by_person(session, "slack")
        for person in people:
            addresses = _addresses(session, person)
            slack_id = slack_ids.get(person.key)
            print(f"  {person.key:<14} {person.name:<36} {_slack_state(person, slack_id, channels)}; {_teams_state(addresses)}")
            reach = [c.name for c in channels.values() if c.can_reach(session, person)]
            if not reach:
                failed = [a for a in addresses if a.failed_at]
                why = f" (last send failed: {failed[0].failure})" if failed else ""
                unreachable.append(f"  - {person.name} ({person.key}; roles {', '.join(person.roles) or '-'}){why}")
            elif "slack" in channels and not slack_id and person.email and reach == ["slack"]:
                unlinked.append(f"  - {person.name} ({person.key}; {person.email})")
        if unlinked:
            problems += len(unlinked)
            print(
                f"People not yet linked to Slack ({len(unlinked)}): the bot looks them up by email before "
                "their first message; run `actionbot people link` to do it now and see who cannot be found."
            )
            print("\n".join(unlinked))
        if unreachable:
            problems += len(unreachable)
            print(f"People the bot cannot reach on any configured channel ({names}) ({len(unreachable)}):")
            print("\n".join(unreachable))
            print(
                "  Give them an email address or a Slack user id (`actionbot people import` with `key, email`), "
                "or ask them to open the bot in Teams (an admin can pre-install it with a Teams app setup policy)."
            )
        elif not unlinked:
            print(f"Everyone can be reached ({names}).")
    return 1 if problems else 0


def _slack_state(person: Person, slack_id: str | None, channels: dict) -> str:
    if "slack" not in channels:
        return "Slack: not configured"
    if slack_id:
        return f"Slack: {slack_id}"
    if person.email:
        return "Slack: not linked (found by email at the first message)"
    return "Slack: not linked, no email"


def _teams_state(addresses: list[ChannelAddress]) -> str:
    if not addresses:
        return "Teams: no conversation (app not installed or never opened)"
    failed = [a for a in addresses if a.failed_at]
    if failed:
        return f"Teams: conversation, last send failed ({failed[0].failure})"
    return "Teams: conversation reference"


def link_people(rt: Runtime) -> int:
    """`actionbot people link`: look up everyone who has an email but no Slack id
    (`users.lookupByEmail`, one at a time: the client waits out Slack's tier-3 429s) and
    remember who was found. Idempotent: people already linked are not looked up again."""
    import asyncio

    from handlers.registry import outbound_all

    channels = rt.channels or outbound_all(rt)
    slack = channels.get("slack")
    if slack is None:
        print("actionbot: Slack is not configured (SLACK_BOT_TOKEN and a signing secret or app token)", file=sys.stderr)
        return 1
    with session_scope(rt.engine) as session:
        people = repo.all_people(session)
        slack_ids = repo.chat_ids_by_person(session, "slack")
    linked_before = [p for p in people if p.key in slack_ids]
    to_find = [p for p in people if p.key not in slack_ids]

    async def find_all() -> list:
        return [await slack.link(p, actor="cli") for p in to_find]

    results = asyncio.run(find_all())
    linked = [r for r in results if r.linked]
    failed = [r for r in results if not r.linked]
    names = {p.key: p for p in people}
    print(f"Linked {len(linked)} people to Slack by email; {len(linked_before)} were already linked.")
    for r in linked:
        print(f"  + {names[r.person_key].name} ({r.person_key}): {r.lookup.user_id}")
    if failed:
        print(f"Could not link {len(failed)}:")
        for r in failed:
            email = names[r.person_key].email or "no email"
            print(f"  - {names[r.person_key].name} ({r.person_key}; {email}): {r.problem}")
    return 1 if failed else 0


def _addresses(session: Session, person: Person) -> list[ChannelAddress]:
    return list(session.exec(select(ChannelAddress).where(ChannelAddress.address_key == f"person:{person.key}")).all())


def list_people(rt: Runtime) -> int:
    with session_scope(rt.engine) as session:
        for p in repo.all_people(session):
            ids = identities_of(session, p.key)
            chat = " ".join(f"{channel}={user_id}" for channel, user_id in sorted(ids.items())) or "chat=-"
            print(
                f"{p.key:<14} {p.name:<36} {', '.join(p.roles):<22} manager={p.manager_key or '-':<10} "
                f"{chat}{' SIT admin' if p.sit_admin else ''}"
            )
    return 0
