"""What a person typed → an intent. Pure functions: no database, no platform.

The same grammar serves Slack's `/actionbot status …` (or `@actionbot …`), a Teams message, and
the terminal, so a command works the same wherever it is typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from domain import action_ids
from domain.vocabulary import RAG_WORDS, note_problem, parse_rag

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_RAG_ALT = "|".join(sorted((re.escape(w) for w in RAG_WORDS), key=len, reverse=True))
# An update line: [action id] RAG word [note]. The id is a whole token of the one grammar
# (`domain.action_ids`), so `1.1.1a green` is about 1.1.1a and `1.1.1a - note` has no RAG word;
# the RAG word is a whole token too (`a` alone is Amber, the `a` of `1.1.1a` is not).
_UPDATE_LINE = re.compile(
    rf"^\s*(?:(?P<ref>{action_ids.TOKEN})\s*[:\-–—,]?\s*)?(?P<rag>{_RAG_ALT})(?![\w.])\s*[:\-–—,.]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_NEW_DATE = re.compile(
    r"(?:^|[,;.]\s*|\s+[-–—]\s*|\s+)(?:proposed\s+)?(?:new\s+(?:due\s+)?date|revised\s+date|new\s+deadline)\s*[:\-–—]?\s*(?P<date>.+)$",
    re.IGNORECASE,
)

UPDATE_HINT = (
    "To update an action, write its id, a RAG word and a one-line note, e.g.\n"
    "`4.2.1 amber - waiting on HR sign-off, new date end of Oct`\n"
    "RAG words: red / amber / green / completed (also r/a/g, on track, at risk, off track, done)."
)


@dataclass(frozen=True)
class StatusQuery:
    """status …: `what` is one of summary, help, priority, action, overdue, red, amber, green,
    not_rated, completed, due, mine, escalated, lead, partner, approve, reject, trend, proposals."""

    what: str
    arg: str = ""
    days: int = 30
    share: bool = False
    priority: int | None = None  # list queries: only this priority ("overdue p4")
    page: int = 1  # list queries: which page of a long list ("lead DCS page 2")
    reason: str = ""  # reject: why the SIT declines a proposed date (told to the lead)

    def command(self, page: int | None = None) -> str:
        """The neutral `status …` text that asks this query again (for a page, the rest of a
        list). Each channel shows it with its own prefix (`bot.typed_command`)."""
        words = {"not_rated": "not rated", "due": f"due {self.days}d", "red_amber": "red and amber"}.get(
            self.what, self.what
        )
        parts = ["status", words] + ([self.arg] if self.arg else [])
        if self.priority is not None:
            parts.append(f"p{self.priority}")
        if page and page > 1:
            parts.append(f"page {page}")
        return " ".join(parts)


@dataclass(frozen=True)
class UpdateIntent:
    ref: str | None
    rag: str
    note: str
    proposed_date: str | None
    line: str


@dataclass(frozen=True)
class BadLine:
    line: str
    reason: str


def strip_command(text: str) -> str:
    """Messages (Slack DMs and mentions, Teams, the terminal) accept 'status …', '/status …' or
    the bare query."""
    t = " ".join(text.strip().split())
    t = re.sub(r"^<at>.*?</at>\s*", "", t)  # Teams @mention
    t = t.lstrip("/")
    if re.match(r"status(?:\s|$)", t, re.IGNORECASE):
        t = t[6:].strip()
    return t


def parse_status(text: str) -> StatusQuery | None:
    """Parse the text after `status` (or the slash command). None when it is not a status query."""
    t = " ".join(text.strip().split())
    share = False
    if re.search(r"(?:^|\s)share$", t, re.IGNORECASE):
        share, t = True, re.sub(r"\s*share$", "", t, flags=re.IGNORECASE)
    page, priority = 1, None
    m = re.search(r"\s+page\s+(\d+)$", t, re.IGNORECASE)
    if m:
        page, t = max(1, _bounded(m.group(1), MAX_PAGE)), t[: m.start()]
    m = re.search(r"\s+(?:in\s+|for\s+)?(?:priority\s*|p)(\d{1,2})$", t, re.IGNORECASE)
    if m and not re.match(r"^(?:priority|p)\s*\d+$", t, re.IGNORECASE):
        priority, t = int(m.group(1)), t[: m.start()]
    query = _parse_status_words(t, share)
    if query is None:
        return None
    if query.what in _LIST_QUERIES:
        return replace(query, page=page, priority=priority)
    return query if (page, priority) == (1, None) else None


# Numbers people type are bounded: `due 99999999999d` is every deadline (ten years covers any
# plan), not a date arithmetic overflow; a page past the end is the last page anyway.
MAX_DUE_DAYS = 3660
MAX_PAGE = 10_000


def _bounded(digits: str, limit: int) -> int:
    """A typed number, at most `limit`, without converting a longer string of digits than the
    limit has (Python's `int()` refuses more than 4,300, which would be a traceback)."""
    return limit if len(digits) > len(str(limit)) else min(int(digits), limit)


_LIST_QUERIES = (
    "overdue",
    "red_amber",
    "red",
    "amber",
    "green",
    "completed",
    "not_rated",
    "due",
    "mine",
    "escalated",
    "lead",
    "partner",
)
# A priority is named by the word `priority` (`priority 4`, `priority four`) or by `p` and a
# number (`p4`, `p 4`); `p` before a word is not one, so `pending` is not "priority ending".
# Its number has at most six digits, all decimal: `int()` refuses `④` and more than 4,300 digits.
_PRIORITY_NUMBER = r"(?:priority\s*(?P<word>\d{1,6}|[a-z]+)|p\s*(?P<digits>\d{1,6}))"
_PRIORITY_WORDS = re.compile(rf"^{_PRIORITY_NUMBER}$")


def _parse_status_words(t: str, share: bool) -> StatusQuery | None:
    low = t.lower()
    if low in ("", "all", "plan", "summary"):
        return StatusQuery("summary", share=share)
    if low in ("help", "?", "h"):
        return StatusQuery("help")
    m = _PRIORITY_WORDS.match(low)
    if m:
        word = m.group("word") or m.group("digits")
        number = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
        return StatusQuery("priority", arg=str(number) if number else word, share=share)
    ref = action_ids.canonical(low)
    if ref is not None:
        return StatusQuery("action", arg=ref, share=share)
    if low in ("overdue", "late"):
        return StatusQuery("overdue", share=share)
    if low in ("red and amber", "red amber", "reds", "red+amber", "reds and ambers"):
        return StatusQuery("red_amber", share=share)
    if low in ("red", "amber", "green", "completed", "done"):
        return StatusQuery("completed" if low == "done" else low, share=share)
    if low in ("not rated", "unrated", "not yet rated", "silent", "no update"):
        return StatusQuery("not_rated", share=share)
    m = re.match(r"^due(?:\s+(?:in\s+)?(\d+)\s*(d|day|days|w|wk|week|weeks)?)?$", low)
    if m:
        days = _bounded(m.group(1) or "30", MAX_DUE_DAYS)
        if m.group(2) and m.group(2).startswith("w"):
            days *= 7
        return StatusQuery("due", days=min(days, MAX_DUE_DAYS), share=share)
    if low in ("mine", "me", "my actions", "my"):
        return StatusQuery("mine", share=share)
    if low in ("escalated", "escalations", "my escalations", "escalated to me"):
        return StatusQuery("escalated", share=share)
    m = re.match(r"^(?:lead|role)\s+(.+)$", t, re.IGNORECASE)
    if m:
        return StatusQuery("lead", arg=m.group(1).strip(), share=share)
    m = re.match(r"^(?:partner|partners|agency)\s+(.+)$", t, re.IGNORECASE)
    if m:
        return StatusQuery("partner", arg=m.group(1).strip(), share=share)
    m = re.match(r"^(approve|reject)\s+(\S+?)(?:\s*[-–—:,]\s*(?P<reason>.+)|\s+because\s+(?P<because>.+))?$", t, re.I)
    if m:  # an id outside the grammar is kept as typed, so the answer can say what is wrong with it
        reason = (m.group("reason") or m.group("because") or "").strip()
        if reason and m.group(1).lower() == "approve":
            return None
        ref = action_ids.canonical(m.group(2)) or m.group(2)
        return StatusQuery(m.group(1).lower(), arg=ref, reason=reason)
    if low in ("trend", "rag trend", "history"):
        return StatusQuery("trend", share=share)
    if low in ("proposals", "proposed dates", "pending dates"):
        return StatusQuery("proposals", share=share)
    return None


@dataclass(frozen=True)
class ReportQuery:
    """`report` (the whole plan) or `report p4` (one priority): the highlight report so far this
    month, asked for in chat; `share` posts it to the channel like a shared status answer."""

    priority: int | None = None
    share: bool = False


_REPORT = re.compile(
    rf"^(?:highlight\s+)?report(?:\s+(?:for\s+)?{_PRIORITY_NUMBER})?(?P<share>\s+share)?$",
    re.IGNORECASE,
)


def parse_report(text: str) -> ReportQuery | str | None:
    """`report`, `report p4`, `report priority four`, `… share` → a ReportQuery; `report priority
    x` → the word, so the answer can say what is wrong; anything else (`report pending`) → None:
    like `status`, `p` names a priority only before a number."""
    m = _REPORT.match(" ".join(text.strip().split()))
    if m is None:
        return None
    share = bool(m.group("share"))
    word = (m.group("word") or m.group("digits") or "").lower()
    if not word:
        return ReportQuery(share=share)
    number = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
    return ReportQuery(priority=number, share=share) if number else word


def parse_update_line(line: str, implied_ref: str | None = None) -> UpdateIntent | BadLine:
    """`4.2.1 amber - waiting on HR, new date end of Oct` → an UpdateIntent."""
    raw = line.strip()
    m = _UPDATE_LINE.match(raw)
    if not m:
        return BadLine(raw, "I could not find an action id and a RAG word")
    ref = action_ids.canonical(m.group("ref")) if m.group("ref") else implied_ref
    if ref is None:
        return BadLine(raw, "which action? start the line with its id, e.g. 4.2.1")
    rag = parse_rag(m.group("rag"))
    if rag is None:  # the pattern and the vocabulary disagree about a look-alike letter
        return BadLine(raw, "I could not find an action id and a RAG word")
    rest = m.group("rest").strip()
    proposed = None
    d = _NEW_DATE.search(rest)
    if d:
        proposed = d.group("date").strip().rstrip(".")
        rest = rest[: d.start()].strip()
    note = rest.strip(" -–—,;:").strip()
    problem = note_problem(rag, note)
    if problem:
        return BadLine(raw, problem)
    return UpdateIntent(ref=ref, rag=rag.value, note=note, proposed_date=proposed, line=raw)


def looks_like_update(text: str) -> bool:
    """True when any line starts like an update (an action id, or a RAG word in a nudge thread)."""
    return any(_UPDATE_LINE.match(line.strip()) for line in text.splitlines() if line.strip())


_ONE_RAG_LISTS = ("red", "amber", "green", "completed")


def message_is_update(text: str, thread_refs: tuple[str, ...] = ()) -> bool:
    """Whether a message that also reads as a status query is meant as updates instead.

    A RAG word names a list as well as a status: `red`, `amber`, `red and amber`, `completed p4`
    are lists wherever they are typed (Slack DM, Teams, terminal), as they are after the slash
    command. A line with an action id and a RAG word (`4.2.1 red - reason`) is an update. A line
    with a RAG word and no id is an update only as the answer to a nudge (in its thread, or in
    the terminal after one), where a bare `green` or `red - reason` means "this action" (and,
    when the nudge named several, is answered "which action?"); even there, a list with more
    than the RAG word (`red and amber`, `green p4`) is a query. `status red` never looks like an
    update, so it is a query everywhere.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    matches = [m for line in lines if (m := _UPDATE_LINE.match(line))]
    if not matches:
        return False
    if any(m.group("ref") for m in matches):
        return True
    if not thread_refs:
        return False
    query = parse_status(strip_command(text))
    return query is None or (query.what in _ONE_RAG_LISTS and query == StatusQuery(query.what))


def parse_updates(text: str, implied_refs: tuple[str, ...] = ()) -> tuple[list[UpdateIntent], list[BadLine]]:
    """Several updates, one per line. A line without an id takes the thread's action when the
    nudge was about exactly one."""
    implied = implied_refs[0] if len(implied_refs) == 1 else None
    good: list[UpdateIntent] = []
    bad: list[BadLine] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parsed = parse_update_line(line, implied)
        (good if isinstance(parsed, UpdateIntent) else bad).append(parsed)
    return good, bad


@dataclass(frozen=True)
class NoChange:
    """`no change` / `no change except 4.2.1, 4.3.2`: re-confirm the last RAG of every action of
    the person's current round they have not answered, except those named. `bad` holds what
    followed `except` but is not an action id (the answer lists them; nothing is confirmed)."""

    excepted: tuple[str, ...] = ()
    bad: tuple[str, ...] = ()


# `no change`, `no changes`, `no change on the rest`, `nothing changed`, then optionally
# `except` / `but not` and a list of ids separated by commas, `and` or spaces.
_NO_CHANGE = re.compile(
    r"^(?:no\s+changes?(?:\s+(?:on|for)\s+the\s+rest)?|nothing\s+(?:has\s+)?changed)"
    r"(?:\s*[,;:\-–—]?\s*(?:except|but\s+not|apart\s+from)\s*[:\-–—]?\s*(?P<rest>.*?))?[\s.!]*$",
    re.IGNORECASE,
)


def parse_no_change(text: str) -> NoChange | None:
    """The one grammar of "no change" for every channel (typed, or sent by the button); None
    when the text is something else."""
    m = _NO_CHANGE.match(" ".join(text.strip().split()))
    if m is None:
        return None
    if m.group("rest") is None:
        return NoChange()
    words = [w for w in re.split(r"[,;\s]+|\s+and\s+|&", m.group("rest")) if w and w.lower() not in ("and", "&")]
    good = [c for w in words if (c := action_ids.canonical(w.rstrip(".")))]
    bad = [w for w in words if action_ids.canonical(w.rstrip(".")) is None]
    if not good and not bad:
        bad = ["(no action ids after 'except')"]
    return NoChange(tuple(dict.fromkeys(good)), tuple(bad))
