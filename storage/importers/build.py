"""From the rows of any plan file to a `PlanData`, with every problem found on the way.

Pure: given the tables a reader produced and what the database already knows (`Context`), it
returns the plan and the list of problems, each naming file, row, column and reason. It never
stops at the first problem, because a council fixing a 300-row plan wants the whole list at
once. With `skip_invalid` the rows that have problems are left out instead of failing the file.

What a flat file does not say is kept from the database when the plan already exists (priority
titles and intros, finding texts, each action's recorded decision), so re-importing an edited
export changes exactly what was edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from domain import action_ids
from domain.text import clean_text
from domain.timescale import Timescale, TimescaleError, normalise, parse_full_date, parse_timescale
from domain.vocabulary import Recurrence
from storage.importers.columns import match_header
from storage.importers.names import NameSplitter, strict_pieces
from storage.importers.table import SourceRow, SourceTable, is_blank
from storage.plan_data import ActionRow, FindingRow, PlanData, PriorityRow, RoleRow
from storage.plan_store import Problem

# Ids are read with the one grammar (`domain.action_ids`) and stored in its one spelling, so every id
# imported is one people can type in chat, and an id nobody could type is a listed problem.
_LEADING_ACTION = re.compile(rf"^\s*({action_ids.TOKEN})\.?(?=\s|:|\)|$)\s*[:)\-–]?\s*")
_LEADING_FINDING = re.compile(rf"^\s*({action_ids.FINDING_TOKEN})\.?(?=\s|:|$)\s*:?\s*")
_COMPLETED_MARK = re.compile(r"\s*\(\s*completed?\s*\)\s*\.?\s*$", re.IGNORECASE)
_OFSTED_REF = re.compile(r"^(?:paras?|rec|recs|recommendations?|ofsted)\b", re.IGNORECASE)
_PRIORITY_CELL = re.compile(r"^\s*(?:priority\s*)?(\d+)?\s*[.:–—-]?\s*(.*?)\s*$", re.IGNORECASE)
_DIGITS = frozenset("0123456789")
TRUE_WORDS = {"yes", "y", "true", "1", "x", "✓", "✔", "completed", "complete", "done"}
FALSE_WORDS = {"no", "n", "false", "0", "", "-", "open", "not completed"}


@dataclass
class ExistingPlan:
    """What the database holds for the plan being re-imported, to keep what the file omits."""

    title: str = ""
    priorities: dict[int, PriorityRow] = field(default_factory=dict)
    findings: dict[str, FindingRow] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    dues: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)  # ref → (due, original_due)


@dataclass
class Context:
    """What the database knows that helps read a file: roles and names used before."""

    role_abbrevs: set[str] = field(default_factory=set)
    role_titles: dict[str, str] = field(default_factory=dict)  # casefolded title → abbrev
    names_in_use: set[str] = field(default_factory=set)
    existing: ExistingPlan | None = None


@dataclass
class _Item:
    ref: str
    text: str
    index: int  # position among the actions one row lists
    count: int


@dataclass
class _Builder:
    key: str
    title: str
    context: Context
    skip_invalid: bool
    problems: list[Problem] = field(default_factory=list)
    fatal: list[Problem] = field(default_factory=list)  # the file as a whole cannot be read
    priorities: dict[int, PriorityRow] = field(default_factory=dict)
    findings: dict[str, FindingRow] = field(default_factory=dict)
    actions: list[ActionRow] = field(default_factory=list)
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)  # ref → (source, row) first seen
    known: set[str] = field(default_factory=set)
    titled: set[int] = field(default_factory=set)  # priorities the file gave a title
    described: set[str] = field(default_factory=set)  # findings the file gave a text
    action_source: dict[str, str] = field(default_factory=dict)  # ref → table it came from
    # cell text → the names in it: `known` is fixed once rows are read, and a large plan repeats
    # the same lead and partner cells thousands of times (splitting scans every known name)
    split: dict[str, list[str]] = field(default_factory=dict)
    splitter: NameSplitter = field(default_factory=NameSplitter)  # built from `known` once it is complete

    def names(self, cell: object) -> list[str]:
        text = cell if isinstance(cell, str) else str(cell or "")
        if text not in self.split:
            self.split[text] = self.splitter.split(cell)
        return list(self.split[text])


@dataclass
class Built:
    data: PlanData
    problems: list[Problem]  # everything wrong, file-level first
    fatal: bool  # a problem no --skip-invalid can get round (e.g. a missing column)


def build_plan(
    tables: list[SourceTable], *, key: str, title: str, context: Context, skip_invalid: bool = False
) -> Built:
    tables = [_cleaned(table) for table in tables]
    title = clean_text(title, multiline=False)
    b = _Builder(key, title, context, skip_invalid)
    b.known = set(context.role_abbrevs) | set(context.role_titles.values()) | set(context.names_in_use)
    b.known |= {t for t in context.role_titles}  # titles, so "Head of X and Y" stays whole
    for table in tables:
        for row in table.rows:
            for col in ("lead", "partners"):
                if isinstance(row.values.get(col), str):
                    b.known.update(strict_pieces(row.values[col]))
    b.splitter = NameSplitter(b.known)
    for table in tables:
        _check_required(b, table)
        if table.priority is not None and table.priority.number is not None:
            hint = table.priority
            if hint.title:
                _title_priority(b, hint.number, hint.title)
            if hint.lead_officer:
                _priority(b, hint.number).lead_officer = hint.lead_officer
        for row in table.rows:
            _read_row(b, table, row)
    data = PlanData(key=key, title=title)
    data.priorities = [b.priorities[n] for n in sorted(b.priorities)]
    data.findings = list(b.findings.values())
    data.actions = b.actions
    new_leads = dict.fromkeys(lead for a in b.actions for lead in a.leads if lead not in context.role_abbrevs)
    data.roles = [RoleRow(abbrev=lead, extra=True, note=f"named as a lead in plan {key}") for lead in new_leads]
    return Built(data, b.fatal + b.problems, bool(b.fatal))


def _cleaned(table: SourceTable) -> SourceTable:
    """The table with every text cell through `clean_text` (the same hygiene as chat): no NUL,
    control character or bidi override from a file reaches the database, the exports or the
    report. Cells keep their line breaks (several actions, leads or bullets per cell)."""

    def clean(value: object) -> object:
        return clean_text(value) if isinstance(value, str) else value

    hint = table.priority
    if hint is not None:
        hint = replace(hint, title=clean_text(hint.title), lead_officer=clean_text(hint.lead_officer))
    rows = [
        SourceRow(row.number, {k: clean(v) for k, v in row.values.items()}, row.continues_previous)
        for row in table.rows
    ]
    return replace(table, rows=rows, priority=hint)


# ----------------------------------------------------------------------------- columns


def _check_required(b: _Builder, table: SourceTable) -> None:
    h = table.header
    for dup, kept, ignored in h.duplicates:
        b.fatal.append(
            Problem(
                table.source, table.header_row, ignored, f"two columns mean {dup}: {kept!r} is used, this one is not"
            )
        )
    required = [
        ("title", "the action text (e.g. 'Key Actions', 'Action' or 'title')"),
        ("lead", "who leads each action (e.g. 'Lead', 'Lead officer' or 'lead')"),
    ]
    for canonical, what in required:
        if not h.has(canonical):
            b.fatal.append(Problem(table.source, table.header_row, canonical, f"missing column: {what}"))
    if not any(h.has(c) for c in ("timescale", "due", "start", "recurrence")):
        b.fatal.append(
            Problem(
                table.source,
                table.header_row,
                "timescale",
                "missing column: when each action is due (e.g. 'Timescale', 'Deadline' or 'due')",
            )
        )


# ----------------------------------------------------------------------------- rows


def _text(value: object) -> str:
    if isinstance(value, str):  # (the usual case first: it runs for every cell of every row)
        return value.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").strip()


def _is_repeated_header(values: dict[str, object]) -> bool:
    """A header row repeated inside the table (text pasted from a PDF, page by page)."""
    cells = {c: x for c, x in values.items() if not is_blank(x)}
    # the cheap tests first, as every body row of a large plan comes here: no header name starts
    # with a digit, and a body row's id cell usually does
    if len(cells) < 2 or any(not isinstance(x, str) or x.lstrip()[:1] in _DIGITS for x in cells.values()):
        return False
    return all(match_header(x) == c for c, x in cells.items())


def _read_row(b: _Builder, table: SourceTable, row: SourceRow) -> None:
    h, v = table.header, row.values
    if _is_repeated_header(v):
        return
    id_cell = _text(v.get("action_id")).rstrip(".").strip()
    title = _text(v.get("title"))
    problems: list[Problem] = []

    def problem(canonical: str, reason: str) -> None:
        problems.append(Problem(table.source, row.number, h.name(canonical), reason))

    if row.continues_previous and title and not _LEADING_ACTION.match(title) and b.actions:
        last = b.actions[-1]
        if b.action_source.get(last.ref) == table.source:
            last.text = f"{last.text}\n{title}".strip()
            return

    finding_ref = None
    items: list[_Item] = []
    cell_ref = action_ids.canonical(id_cell)
    if cell_ref is not None:
        text = _LEADING_ACTION.sub("", title, count=1) if _leading_id(title) == cell_ref else title
        items = [_Item(cell_ref, text, 0, 1)]
    else:
        finding_ref = action_ids.canonical_finding(id_cell)
        bad_id = bool(id_cell) and finding_ref is None
        if bad_id:
            problem("action_id", f"{id_cell!r} is not {action_ids.DESCRIPTION}, nor a finding id like 4.2")
        items, preamble = _split_actions(title)
        if items and preamble:
            problem("title", f"text before the first action id, belonging to no action: {preamble[:60]!r}")
        if not items and title and not bad_id:
            where = f"finding {finding_ref} " if finding_ref else ""
            problem(
                "action_id",
                f"the {where}row has an action but no action id (put 4.2.1 in the ID column "
                "or at the start of the action text)",
            )
        for item in items:
            if finding_ref and action_ids.finding_of(item.ref) != finding_ref:
                problem("action_id", f"action {item.ref} is listed in the row of finding {finding_ref}")

    issue = _text(v.get("finding_text"))
    if finding_ref is None and issue:
        m = _LEADING_FINDING.match(issue)
        if m:
            finding_ref = action_ids.canonical_finding(m.group(1))
    if finding_ref:
        _finding(b, finding_ref, issue)
    elif issue and items:
        _finding(b, action_ids.finding_of(items[0].ref), issue)

    rows: list[ActionRow] = []
    for item in items:
        action = _action(b, table, row, item, problem)
        if action is not None:
            rows.append(action)
    problems = list(dict.fromkeys(problems))  # a row listing several actions says a cell's fault once
    b.problems.extend(problems)
    if problems and b.skip_invalid:
        return
    for action in rows:
        _priority(b, action.priority_number)
        _finding(b, action.finding_ref, "")
        b.actions.append(action)


def _leading_id(text: str) -> str | None:
    """The action id a line starts with, in canonical spelling."""
    m = _LEADING_ACTION.match(text)
    return action_ids.canonical(m.group(1)) if m else None


def _split_actions(text: str) -> tuple[list[_Item], str]:
    """Actions listed in one cell, each starting with its id; lines without an id (sub-bullets,
    wrapped text) belong to the action above them. Also returns any text before the first id."""
    found: list[list[str]] = []
    preamble: list[str] = []
    for line in text.split("\n"):
        ref = _leading_id(line)
        if ref:
            found.append([ref, _LEADING_ACTION.sub("", line, count=1)])
        elif found:
            found[-1][1] = f"{found[-1][1]}\n{line}"
        elif line.strip():
            preamble.append(line.strip())
    items = [_Item(ref, body.strip(), i, len(found)) for i, (ref, body) in enumerate(found)]
    return items, " ".join(preamble)


def _share(value: object, item: _Item) -> object:
    """The part of a cell that belongs to one of several actions listed in one row."""
    if item.count == 1 or not isinstance(value, str):
        return value
    lines = [line for line in value.split("\n") if line.strip()]
    if len(lines) == item.count:
        return lines[item.index]
    return value


def _action(b: _Builder, table: SourceTable, row: SourceRow, item: _Item, problem) -> ActionRow | None:
    h, v = table.header, row.values
    ref = item.ref
    if action_ids.canonical(ref) != ref:
        problem("action_id", f"{ref!r} is not {action_ids.DESCRIPTION}")
        return None
    priority_number, finding_ref = action_ids.priority_of(ref), action_ids.finding_of(ref)
    ok = True

    def bad(canonical: str, reason: str) -> None:
        nonlocal ok
        ok = False
        problem(canonical, reason)

    if ref in b.seen:
        first_source, first_row = b.seen[ref]
        at = f"row {first_row}" if first_source == table.source else f"{first_source}, row {first_row}"
        bad("action_id", f"duplicate action id {ref} (first at {at})")
    else:
        b.seen[ref] = (table.source, row.number)

    _check_priority_cell(b, v.get("priority"), priority_number, ref, bad)
    fid = _text(v.get("finding_id")).rstrip(".")
    if fid and (action_ids.canonical_finding(fid) or fid) != finding_ref:
        bad("finding_id", f"finding {fid} does not match action id {ref} (expected {finding_ref})")

    text = item.text
    completed_mark = bool(_COMPLETED_MARK.search(text))
    text = _COMPLETED_MARK.sub("", text).strip()
    if not text and h.has("title"):
        bad("title", f"action {ref} has no text")

    timescale_cell = _share(v.get("timescale"), item)
    timescale = normalise(_text(timescale_cell))
    parsed: Timescale | None = None
    ts_error = ""
    listed = [line for line in _text(timescale_cell).split("\n") if line.strip()]
    if item.count > 1 and len(listed) > 1:
        ts_error = (
            f"the cell lists {len(listed)} timescales for the {item.count} actions in this row: "
            "give one per action, or one for all"
        )
    elif timescale:
        try:
            parsed = parse_timescale(timescale)
        except TimescaleError as exc:
            ts_error = str(exc)
    explicit_cols = [c for c in ("start", "due", "recurrence") if h.has(c)]
    explicit = any(not is_blank(_share(v.get(c), item)) for c in explicit_cols)
    start = due = None
    recurrence: str | None = None
    if explicit:
        start = _date(_share(v.get("start"), item), "start", bad) if h.has("start") else (parsed and parsed.start)
        due = _date(_share(v.get("due"), item), "due", bad) if h.has("due") else (parsed and parsed.due)
        if h.has("recurrence"):
            recurrence = _recurrence(_share(v.get("recurrence"), item), bad)
        elif parsed and parsed.recurrence:
            recurrence = parsed.recurrence.value
    elif not timescale:
        if (explicit_cols or h.has("timescale")) and not (completed_mark or _truthy(v.get("completed"))):
            what = "timescale" if h.has("timescale") else "start, due or recurrence"
            bad("timescale" if h.has("timescale") else explicit_cols[0], f"action {ref} has no {what}")
    elif ts_error:
        bad("timescale", ts_error)
    elif parsed is not None:
        start, due = parsed.start, parsed.due
        recurrence = parsed.recurrence.value if parsed.recurrence else None
    if start and due and start > due:
        bad("start", f"action {ref}: start {start.isoformat()} is after due {due.isoformat()}")

    completed_cell = _share(v.get("completed"), item)
    if h.has("completed") and not is_blank(completed_cell):
        completed = _bool(completed_cell, bad)
    else:
        completed = completed_mark or bool(parsed and parsed.completed)

    leads = [_lead_abbrev(b, n) for n in b.names(_share(v.get("lead"), item))]
    if not leads and h.has("lead"):
        bad("lead", f"action {ref} has no lead")
    partners = b.names(_share(v.get("partners"), item))

    if not ok:
        return None
    action = ActionRow(
        ref=ref,
        finding_ref=finding_ref,
        priority_number=priority_number,
        text=text,
        timescale=timescale,
        start=start or None,
        due=due or None,
        recurrence=recurrence,
        leads=leads,
        partners=partners,
        completed=completed,
    )
    action.source_row = row.number  # read by plan_store.validate to name the row
    b.action_source[ref] = table.source
    existing = b.context.existing
    if existing is not None:
        action.decision = existing.decisions.get(ref, "")
        current, original = existing.dues.get(ref, (None, None))
        if action.due is not None and action.due == current and original not in (None, current):
            action.due = original  # the file shows the approved date; keep the plan's own date
    return action


def _check_priority_cell(b: _Builder, value: object, number: int, ref: str, bad) -> None:
    text = _text(value)
    if not text:
        return
    m = _PRIORITY_CELL.match(text)
    stated = int(m.group(1)) if m and m.group(1) else None
    title = (m.group(2) if m else text).strip()
    if stated is not None and stated != number:
        bad("priority", f"priority {stated} does not match action id {ref} (expected {number})")
        return
    if title:
        _title_priority(b, number, title)


def _title_priority(b: _Builder, number: int, title: str) -> None:
    """The first title the file gives a priority wins over the database's and the default."""
    if number not in b.titled:
        _priority(b, number).title = title
        b.titled.add(number)


def _priority(b: _Builder, number: int) -> PriorityRow:
    if number not in b.priorities:
        existing = b.context.existing.priorities.get(number) if b.context.existing else None
        if existing is not None:
            b.priorities[number] = PriorityRow(**vars(existing))
        else:
            b.priorities[number] = PriorityRow(number=number, title=f"Priority {number}")
    return b.priorities[number]


def _finding(b: _Builder, ref: str, issue: str) -> FindingRow:
    number = int(ref.split(".")[0])
    f = b.findings.get(ref)
    if f is None:
        existing = b.context.existing.findings.get(ref) if b.context.existing else None
        f = FindingRow(**vars(existing)) if existing is not None else FindingRow(ref=ref, priority_number=number)
        b.findings[ref] = f
        _priority(b, number)
    if issue and ref not in b.described:
        text, refs = split_issue(issue, ref)
        if text or refs:
            f.text, f.ofsted_refs = text, refs
            b.described.add(ref)
    return f


def split_issue(issue: str, ref: str) -> tuple[str, str]:
    """'4.1 Thresholds …\\nPara 19 Rec 5' → ('Thresholds …', 'Para 19 Rec 5')."""
    lines = [line.strip() for line in issue.split("\n") if line.strip()]
    if lines:
        m = _LEADING_FINDING.match(lines[0])
        if m and action_ids.canonical_finding(m.group(1)) == ref:
            lines[0] = lines[0][m.end() :].strip()
            if not lines[0]:
                lines.pop(0)
    refs: list[str] = []
    while lines and _OFSTED_REF.match(lines[-1]):
        refs.insert(0, lines.pop())
    return " ".join(lines), " ".join(refs)


def _lead_abbrev(b: _Builder, name: str) -> str:
    if name in b.context.role_abbrevs:
        return name
    return b.context.role_titles.get(name.casefold(), name)


# ----------------------------------------------------------------------------- values


def _date(value: object, canonical: str, bad) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    parsed = parse_full_date(text)
    if parsed is None:
        bad(canonical, f"cannot read date {text!r}: use YYYY-MM-DD or DD/MM/YYYY")
    return parsed


def _recurrence(value: object, bad) -> str | None:
    text = _text(value).lower()
    if not text or text in ("none", "-", "n/a"):
        return None
    try:
        return Recurrence(text).value
    except ValueError:
        pass
    try:
        parsed = parse_timescale(text)
    except TimescaleError:
        parsed = None
    if parsed is not None and parsed.recurrence is not None and parsed.start is None and parsed.due is None:
        return parsed.recurrence.value
    bad("recurrence", f"unknown recurrence {text!r}: use monthly, quarterly, annually or ongoing")
    return None


def _truthy(value: object) -> bool:
    return value is True or _text(value).lower() in TRUE_WORDS


def _bool(value: object, bad) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    bad("completed", f"cannot read {text!r} as completed or not: use yes or no")
    return False
