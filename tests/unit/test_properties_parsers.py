"""Property tests: every parser of what people type or a council writes answers with a value or
a clear refusal, never an unhandled exception, whatever the input.

Parsers: timescales (`domain.timescale`), dates (`bot.dates`), update lines and status queries
(`bot.parsing`), snooze text (`bot.snooze.parse_snooze`), the action-id grammar and the text
hygiene they all rely on, and the scheduler policy loader (`bot.policy`: any YAML → a
valid policy or a PolicyError listing what is wrong). Inputs mix arbitrary Unicode with the
words and shapes each parser looks for, so the interesting paths are reached, not only the
"cannot read" one.
"""

from __future__ import annotations

from datetime import date

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.dates import parse_date
from bot.parsing import BadLine, StatusQuery, UpdateIntent, parse_status, parse_update_line, parse_updates
from bot.policy import Policy, PolicyError, default_raw, load_policy, parse_policy
from bot.snooze import SnoozeText, parse_snooze
from domain import action_ids
from domain.text import BIDI_CONTROLS, clean_text
from domain.timescale import Timescale, TimescaleError, parse_timescale
from domain.vocabulary import NOTE_MAX, RAG, RAG_WORDS, note_problem, parse_rag

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MONTH_WORDS = ["Jan", "feb", "March", "Sept", "sep", "Oct.", "December", "may", "jun"]
WORDS = [
    *MONTH_WORDS,
    *RAG_WORDS,
    "by", "By end", "from", "end of", "until", "to", "then", "annually", "quarterly", "ongoing", "completed",
    "(completed)", "new date", "proposed new date", "next", "month", "year", "Friday", "tomorrow", "week",
    "priority", "p", "page", "share", "due", "lead", "mine", "overdue", "approve", "reject", "not rated",
    "snooze", "off", "and", "status", "/status", "-", "–", "—", ",", ":", ";", "/", ".", "the", "of",
]
ID_LIKE = st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{0,4}){0,3}[a-zA-Z]?\Z")
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=40).map(str),
    st.sampled_from(["00", "0000", "9999", "10000", "99999999999999999999", "٣", "²", "1_0"]),
)
DATE_LIKE = st.builds(
    lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}", NUMBERS, NUMBERS, NUMBERS, st.sampled_from(["/", ".", "-", " "])
)
TOKEN = st.one_of(st.sampled_from(WORDS), ID_LIKE, NUMBERS, DATE_LIKE, st.text(max_size=6))


def phrases(max_tokens: int = 8) -> st.SearchStrategy[str]:
    """Text built of the words and shapes the parsers look for, plus arbitrary Unicode."""
    return st.one_of(
        st.lists(TOKEN, max_size=max_tokens).map(" ".join),
        st.text(max_size=60),
    )


TODAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


# ----------------------------------------------------------------------------- the grammar and hygiene


@PROPERTY
@given(st.text(max_size=30) | ID_LIKE)
def test_an_action_id_has_one_spelling(text):
    ref = action_ids.canonical(text)
    if ref is not None:
        assert action_ids.canonical(ref) == ref  # canonical is a fixed point
        assert action_ids.find_all(f"see {ref}, then") == [ref]
        assert 1 <= len(ref.split(".")[2]) <= 4 and ref.isascii()


@PROPERTY
@given(st.text(max_size=80), st.booleans())
def test_clean_text_leaves_no_control_or_bidi_character(text, multiline):
    cleaned = clean_text(text, multiline=multiline)
    allowed = {"\n", "\t"} if multiline else set()
    assert not any((ord(c) < 32 and c not in allowed) or 0x7F <= ord(c) < 0xA0 for c in cleaned)
    assert not set(cleaned) & BIDI_CONTROLS
    assert clean_text(cleaned, multiline=multiline) == cleaned


@PROPERTY
@given(st.text(max_size=20) | st.sampled_from(list(RAG_WORDS)) | st.none() | st.integers())
def test_a_rag_word_is_a_status_or_nothing(word):
    rag = parse_rag(word)
    assert rag is None or isinstance(rag, RAG)


# ----------------------------------------------------------------------------- timescales and dates


@PROPERTY
@given(phrases())
@example("Sep 0000")
@example("Jun 16 – Sep 15")
@example("By Feb 00")
def test_a_timescale_is_read_or_refused_with_a_timescale_error(text):
    try:
        ts = parse_timescale(text)
    except TimescaleError as exc:
        assert str(exc)
        return
    assert isinstance(ts, Timescale)
    if ts.start and ts.due:
        assert ts.start <= ts.due


@PROPERTY
@given(phrases(), TODAY)
@example("end of Sep 0000", date(2016, 10, 14))
@example("00/01/0000", date(2016, 10, 14))
@example("31/12/9999", date(2016, 10, 14))
@example("next month", date(9999, 12, 31))
@example("end of next month", date(9999, 12, 1))
def test_a_typed_date_is_a_date_or_none(text, today):
    got = parse_date(text, today)
    assert got is None or isinstance(got, date)


# ----------------------------------------------------------------------------- chat


@PROPERTY
@given(phrases(), st.sampled_from([None, "4.2.1", "1.1.1a"]))
@example("1.1.1a - waiting", None)
@example("4.2.1 on trac\u212a", None)
def test_an_update_line_is_an_intent_that_keeps_every_rule_or_a_bad_line(line, implied):
    got = parse_update_line(line, implied)
    if isinstance(got, BadLine):
        assert got.reason
        return
    assert isinstance(got, UpdateIntent)
    assert action_ids.canonical(got.ref) == got.ref
    rag = RAG(got.rag)
    assert note_problem(rag, got.note) is None and len(got.note) <= NOTE_MAX


@PROPERTY
@given(st.lists(phrases(), max_size=5).map("\n".join), st.lists(st.sampled_from(["4.2.1", "1.1.1a"]), max_size=2))
def test_several_update_lines_split_into_intents_and_bad_lines(text, refs):
    good, bad = parse_updates(text, tuple(refs))
    assert len(good) + len(bad) == sum(1 for line in text.splitlines() if line.strip())


@PROPERTY
@given(phrases())
@example("due 99999999999999999999d")
@example("overdue page 99999999999999999999")
@example("due ٣ weeks")
def test_a_status_query_is_understood_or_not_a_status_query(text):
    q = parse_status(text)
    if q is None:
        return
    assert isinstance(q, StatusQuery)
    assert 0 <= q.days <= 3660 and 1 <= q.page <= 10_000
    if q.what == "action":
        assert action_ids.canonical(q.arg) == q.arg


@PROPERTY
@given(st.builds(lambda rest: f"snooze {rest}", phrases()) | phrases())
@example("snooze 4.2.1, 4.2.1 and 1.1.1A until Monday")
def test_snooze_text_is_a_request_a_reason_or_not_a_snooze(text):
    got = parse_snooze(text)
    if got is None or isinstance(got, str):
        return
    assert isinstance(got, SnoozeText) and got.refs
    assert all(action_ids.canonical(r) == r for r in got.refs) and len(set(got.refs)) == len(got.refs)
    assert got.off == (got.until is None)


# ----------------------------------------------------------------------------- the policy

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["09:00", "01:30", "25:99", "monday", "GB", "ENG", "Europe/London", "²"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
DEFAULTS = default_raw()


@st.composite
def policy_overrides(draw) -> dict:
    """A mapping of the real sections and keys (and a few unknown ones) to arbitrary values."""
    out: dict = {}
    for section in draw(st.lists(st.sampled_from([*DEFAULTS, "bogus"]), max_size=4, unique=True)):
        keys = list(DEFAULTS.get(section, {"x": 1}))
        chosen = draw(st.lists(st.sampled_from([*keys, "unknown_key"]), max_size=4, unique=True))
        out[section] = {k: draw(VALUES) for k in chosen}
    if draw(st.booleans()):
        out.setdefault("escalation", {})["priorities"] = draw(
            st.dictionaries(st.one_of(st.integers(-3, 12), st.text(max_size=3)), VALUES, max_size=3)
        )
    return out


def loads(path) -> None:
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    assert isinstance(policy, Policy)


@PROPERTY
@given(policy_overrides())
@example({"escalation": {"priorities": {"²": {"on_red": True}}}})
@example({"pre_due": {"working_days_before": [10**12]}})
@example({"calendar": {"holidays_subdiv": ["ENG"]}})
@example({"calendar": {"default_timezone": ["Europe/London"]}})
@example({"calendar": {"default_timezone": True}})
def test_any_policy_mapping_is_a_valid_policy_or_a_listed_error(tmp_path_factory, override):
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(yaml.safe_dump(override, allow_unicode=True), encoding="utf-8")
    loads(path)


@PROPERTY
@given(st.text(max_size=200) | st.binary(max_size=200))
@example(b"\xff\xfe\x00bad")
@example("[" * 2000)
@example("a: &x [*x]")
@example("? [a]\n: 1")
def test_any_policy_file_is_a_valid_policy_or_a_listed_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    loads(path)


@PROPERTY
@given(st.dictionaries(st.sampled_from(list(DEFAULTS)), st.dictionaries(st.text(max_size=4), SCALARS, max_size=2)))
def test_parse_policy_of_a_merged_mapping_never_raises_anything_else(partial):
    raw = {section: {**DEFAULTS[section], **partial.get(section, {})} for section in DEFAULTS}
    try:
        assert isinstance(parse_policy(raw), Policy)
    except PolicyError as exc:
        assert exc.problems


def test_the_strategies_reach_the_interesting_paths():
    """A guard on the generators: the words above do make valid timescales, dates and updates."""
    assert parse_timescale("Jun – Sep 16").due == date(2016, 9, 30)
    assert isinstance(parse_update_line("4.2.1 at risk - x"), UpdateIntent)
    assert isinstance(parse_snooze("snooze 4.2.1 until Monday"), SnoozeText)
    assert parse_status("due 2 weeks p4") == StatusQuery("due", days=14, priority=4)


def test_a_policy_asking_for_a_reminder_a_billion_working_days_ahead_is_refused(tmp_path):
    """Found by the properties above: accepted, it made the first tick count working days for ever."""
    path = tmp_path / "policy.yaml"
    path.write_text("pre_due:\n  working_days_before: [10, 1000000000000]\n", encoding="utf-8")
    try:
        load_policy(path)
    except PolicyError as exc:
        assert exc.problems == [
            "pre_due.working_days_before: must be a list of whole numbers from 0 to 250, got [10, 1000000000000]"
        ]
    else:
        raise AssertionError("accepted")
