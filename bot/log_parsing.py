"""The risks and issues log's grammar: what people type → a `LogCommand`. Pure: no database.

    risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP
         [mitigation "Recruitment drive"] [review Dec 16]
    issue p4 add "Caseloads above 20" owner HOS S&CP action "Two agency workers" date Nov 16
    risks [p4]      issues [p4]      (everyone may read)
    risk R12 close - reason          issue I3 close - reason

One grammar for every channel; a line that starts with `risk`/`issue` but does not fit gets a
`LogUsage` with what is wrong and the usage line, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEVELS = {"high": "high", "h": "high", "medium": "medium", "med": "medium", "m": "medium", "low": "low", "l": "low"}
TITLE_MAX = 200
FIELD_MAX = 200
OWNER_MAX = 80

RISK_USAGE = (
    'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP '
    '[mitigation "…"] [review Dec 16]; risks p4; risk R12 close - reason'
)
ISSUE_USAGE = 'issue p4 add "…" owner HOS S&CP action "…" date Dec 16; issues p4; issue I3 close - reason'
USAGE = {"risk": RISK_USAGE, "issue": ISSUE_USAGE}
# the words that start a field, per kind; a field's value runs to the next one (or is quoted)
FIELDS = {
    "risk": ("impact", "likelihood", "owner", "mitigation", "review"),
    "issue": ("owner", "action", "date"),
}
REQUIRED = {"risk": ("impact", "likelihood", "owner"), "issue": ("owner", "action", "date")}

_PRIORITY = r"(?:p\s*|priority\s+)(?P<priority>\d{1,3})"
_LIST = re.compile(rf"^(?P<kind>risks|issues)(?:\s+(?:in\s+|for\s+)?{_PRIORITY})?$", re.I)
_ADD = re.compile(rf"^(?P<kind>risk|issue)\s+{_PRIORITY}\s+add\b\s*(?P<rest>.*)$", re.I)
_CLOSE = re.compile(r"^(?P<kind>risk|issue)\s+(?P<ref>[RI]\d{1,6})\s+close\b\s*[-–—:,]?\s*(?P<reason>.*)$", re.I)
_TOKEN = re.compile(r'"(?P<q1>[^"]*)"|“(?P<q2>[^”]*)”|(?P<word>\S+)')


@dataclass(frozen=True)
class LogList:
    kind: str  # risk | issue
    priority: int | None = None


@dataclass(frozen=True)
class LogAdd:
    kind: str
    priority: int
    title: str
    fields: dict[str, str] = field(default_factory=dict)  # impact/likelihood normalised; dates as typed


@dataclass(frozen=True)
class LogClose:
    kind: str
    number: int
    reason: str


@dataclass(frozen=True)
class LogUsage:
    """The text is a log command but does not fit: say what is wrong, then how it is written."""

    problem: str
    kind: str

    @property
    def text(self) -> str:
        return f"{self.problem} Write e.g. `{USAGE[self.kind]}`."


LogCommand = LogList | LogAdd | LogClose | LogUsage


def parse_log(text: str) -> LogCommand | None:
    """None unless the text starts with `risk`, `risks`, `issue` or `issues` as a word."""
    t = " ".join(text.strip().split())
    head = t.split(" ", 1)[0].lower()
    if head not in ("risk", "risks", "issue", "issues"):
        return None
    kind = head.rstrip("s")
    m = _LIST.match(t)
    if m:
        return LogList(kind, int(m.group("priority")) if m.group("priority") else None)
    m = _CLOSE.match(t)
    if m:
        ref = m.group("ref").upper()
        if ref[0] != ("R" if kind == "risk" else "I"):
            return LogUsage(f"{ref} is not {'a risk' if kind == 'risk' else 'an issue'}.", kind)
        reason = m.group("reason").strip()
        if not reason:
            return LogUsage(f"Say why {ref} is closed.", kind)
        if len(reason) > FIELD_MAX:
            return LogUsage(f"The reason is {len(reason)} characters; keep it to {FIELD_MAX}.", kind)
        return LogClose(kind, int(ref[1:]), reason)
    m = _ADD.match(t)
    if m:
        return _parse_add(kind, int(m.group("priority")), m.group("rest"))
    return LogUsage("I didn't understand that.", kind)


def _parse_add(kind: str, priority: int, rest: str) -> LogAdd | LogUsage:
    tokens = list(_TOKEN.finditer(rest))
    if not tokens or tokens[0].group("word") is not None:
        return LogUsage(f"Put the {kind}'s title in quotes after `add`.", kind)
    title = _quoted(tokens[0]).strip()
    if not title:
        return LogUsage(f"The {kind}'s title is empty.", kind)
    if len(title) > TITLE_MAX:
        return LogUsage(f"The title is {len(title)} characters; keep it to {TITLE_MAX}.", kind)
    values: dict[str, list[str]] = {}
    current: str | None = None
    for tok in tokens[1:]:
        word = tok.group("word")
        if word is not None and word.lower() in FIELDS[kind]:
            current = word.lower()
            if current in values:
                return LogUsage(f"`{current}` is given twice.", kind)
            values[current] = []
            continue
        if current is None:
            return LogUsage(f"I don't know {(word or _quoted(tok))!r} here: after the title come "
                            + ", ".join(FIELDS[kind]) + ".", kind)
        values[current].append(word if word is not None else _quoted(tok))
    fields = {k: " ".join(v).strip() for k, v in values.items()}
    missing = [k for k in REQUIRED[kind] if not fields.get(k)]
    if missing:
        return LogUsage(f"The {kind} needs {_and(missing)}.", kind)
    for k in ("impact", "likelihood"):
        if k in fields:
            level = LEVELS.get(fields[k].lower())
            if level is None:
                return LogUsage(f"{k.title()} is high, medium or low, not {fields[k]!r}.", kind)
            fields[k] = level
    if len(fields["owner"]) > OWNER_MAX:
        return LogUsage(f"The owner is {len(fields['owner'])} characters; keep it to {OWNER_MAX}.", kind)
    for k, v in fields.items():
        if len(v) > FIELD_MAX:
            return LogUsage(f"The {k} is {len(v)} characters; keep it to {FIELD_MAX}.", kind)
    return LogAdd(kind, priority, title, fields)


def _quoted(tok: re.Match[str]) -> str:
    return tok.group("q1") if tok.group("q1") is not None else (tok.group("q2") or "")


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
