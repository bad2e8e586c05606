"""Checks on the reviewed transcription of Priorities 6 to 10 of the Bromley 2016-17 plan.

The sample rows below were verified by hand against
shared/seeds/bromley-improvement-action-plan-2016-17.txt (lines 2335-3727), where the
table columns come out interleaved. They favour the tricky rows: multi-line actions with
sub-bullets, the "(completed)" action, rows with more than one lead, "End"/"By"/"From" and
range timescales, values that sit beside a later action of the same finding, and rows that
continue over a page break.
"""

import calendar
import datetime
import re
from pathlib import Path

import pytest
import yaml

REF_DIR = Path(__file__).resolve().parents[2] / "storage/reference/bromley-2016-17"

D = datetime.date
PRIORITIES = (6, 7, 8, 9, 10)

# Key action ids counted in the source, per finding. Ids such as "6.1.1" start a line,
# except 10.6.1, which the extraction puts on one line with its finding ("10.6  Para 50 Rec 9 10.6.1 ...").
EXPECTED_COUNTS = {
    6: {"6.1": 6, "6.2": 7, "6.3": 6, "6.4": 5, "6.5": 8},
    7: {"7.1": 3, "7.2": 4, "7.3": 2, "7.4": 1},
    8: {"8.1": 4, "8.2": 4, "8.3": 8, "8.4": 6, "8.5": 3, "8.6": 8, "8.7": 5},
    9: {"9.1": 3, "9.2": 2, "9.3": 2, "9.4": 4, "9.5": 5, "9.6": 1, "9.7": 3, "9.8": 2},
    10: {"10.1": 3, "10.2": 5, "10.3": 2, "10.4": 4, "10.5": 4, "10.6": 1},
}
EXPECTED_TOTALS = {6: 32, 7: 10, 8: 38, 9: 22, 10: 19}

# The abbreviation key (source lines 43-68), plus the leads these priorities write that are not in it.
KEY_ROLES = {
    "CEX", "DCS", "DPH", "DCOs", "JSNA", "Corp Comms", "HOS QI", "P&I Officer", "PM", "BSCB",
    "HOS S&CP", "GM IRO", "GM CP Chairs", "DHR", "DED", "CSC", "HOS EI&FS", "CAF Manager",
    "HOS C&R", "L&D", "AD Housing", "AD SBSS", "DCom", "PP&S", "HO LS", "LBB",
}
EXTRA_LEADS = {"Police", "HOS Placements and Brokerage", "Court Manager"}

TF = ["Task & Finish Group", "LBB", "Health", "Police", "Probation", "Schools"]

# (id, leads, timescale, start, due, recurrence, partners, completed)
SAMPLE = [
    # Priority 6
    ("6.1.2", ["DCS", "HOS C&R"], "End Mar 17", None, D(2017, 3, 31), None, [], False),
    ("6.1.3", ["DCS", "HOS C&R"], "Oct 17", D(2017, 10, 1), D(2017, 10, 31), None, [], False),
    ("6.1.6", ["DCS", "HOS C&R"], "Jan 17", D(2017, 1, 1), D(2017, 1, 31), None, [], False),
    ("6.2.5", ["DCS", "AD Housing", "HOS C&R"], "Jan 17", D(2017, 1, 1), D(2017, 1, 31), None,
     ["Housing"], False),
    ("6.2.7", ["DCS", "AD Housing", "HOS C&R"], "Dec 16", D(2016, 12, 1), D(2016, 12, 31), None,
     ["Housing"], False),
    ("6.3.4", ["HOS C&R"], "By Dec 16", None, D(2016, 12, 31), None, [], False),
    ("6.3.6", ["HOS C&R"], "Nov 16", D(2016, 11, 1), D(2016, 11, 30), None, [], False),
    ("6.4.4", ["HOS C&R"], "Jan 17", D(2017, 1, 1), D(2017, 1, 31), None, ["Health"], False),
    ("6.5.8", ["DED"], "Apr 17", D(2017, 4, 1), D(2017, 4, 30), None, [], False),
    # Priority 7
    ("7.1.2", ["DCS", "HOS QI"], "April 17", D(2017, 4, 1), D(2017, 4, 30), None, [], False),
    ("7.2.1", ["HOS C&R"], "By Dec 16", None, D(2016, 12, 31), None, [], False),
    ("7.3.1", ["HOS C&R"], "April 17", D(2017, 4, 1), D(2017, 4, 30), None, [], False),
    ("7.3.2", ["HOS C&R"], "Jul 17", D(2017, 7, 1), D(2017, 7, 31), None, [], False),
    ("7.4.1", ["HOS C&R"], "Sep 16", D(2016, 9, 1), D(2016, 9, 30), None, [], False),
    # Priority 8
    ("8.1.3", ["DCS"], "Sep 16", D(2016, 9, 1), D(2016, 9, 30), None, TF, False),
    ("8.1.4", ["DCS"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None, TF, False),
    ("8.2.3", ["DCS"], "End Oct 16", None, D(2016, 10, 31), None, TF, False),
    ("8.3.1", ["Police"], "Dec 16", D(2016, 12, 1), D(2016, 12, 31), None, TF, False),
    ("8.4.2", ["DCS", "Police"], "April 17", D(2017, 4, 1), D(2017, 4, 30), None,
     ["LBB", "Health", "Police", "Probation", "Schools"], False),
    ("8.5.2", ["DCS"], "Sep 16", D(2016, 9, 1), D(2016, 9, 30), None, [], False),
    ("8.6.8", ["DCS"], "Jul 16", D(2016, 7, 1), D(2016, 7, 31), None, [], False),
    ("8.7.3", ["HOS C&R"], "Aug 16", D(2016, 8, 1), D(2016, 8, 31), None,
     ["Police", "Education", "Schools", "Health", "BSCB Partners"], False),
    # Priority 9
    ("9.1.1", ["DCS"], "Sep 16", D(2016, 9, 1), D(2016, 9, 30), None, ["Health"], True),
    ("9.1.3", ["DCS"], "Dec 16", D(2016, 12, 1), D(2016, 12, 31), None, ["Health"], False),
    ("9.2.1", ["DCS"], "April 17", D(2017, 4, 1), D(2017, 4, 30), None, ["LBB Procurement"], False),
    ("9.4.1", ["DPH"], "April 17", D(2017, 4, 1), D(2017, 4, 30), None, ["JSNA strategy group"], False),
    ("9.5.2", ["HOS C&R"], "End Dec16", None, D(2016, 12, 31), None, ["Task and finish group"], False),
    ("9.6.1", ["AD SBSS"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None, ["PP&S Partnership"], False),
    ("9.7.2", ["DCom", "HOS Placements and Brokerage", "HOS C&R"], "Apr 17", D(2017, 4, 1),
     D(2017, 4, 30), None, [], False),
    ("9.7.3", ["DCom", "HOS Placements and Brokerage", "HOS C&R"], "Dec 16", D(2016, 12, 1),
     D(2016, 12, 31), None, [], False),
    ("9.8.2", ["DCom", "HOS Placements and Brokerage", "HOS S&CP"], "Dec 16", D(2016, 12, 1),
     D(2016, 12, 31), None, [], False),
    # Priority 10
    ("10.1.1", ["HOS S&CP"], "Aug 16", D(2016, 8, 1), D(2016, 8, 31), None,
     ["LBB", "Court Manager", "HO LS"], False),
    ("10.1.2", ["DCS"], "May 16", D(2016, 5, 1), D(2016, 5, 31), None,
     ["LBB", "Court Manager", "HO LS"], False),
    ("10.2.2", ["HO LS", "HOS S&CP", "Court Manager"], "End Aug 16", None, D(2016, 8, 31), None, [], False),
    ("10.3.1", ["HO LS"], "From Jun 16", D(2016, 6, 1), None, "ongoing", [], False),
    ("10.3.2", ["HO LS"], "By Oct 16", None, D(2016, 10, 31), None, [], False),
    ("10.5.2", ["DCOs", "HO LS"], "Jul – Sep 16", D(2016, 7, 1), D(2016, 9, 30), None, [], False),
    ("10.5.4", ["DCOs", "HO LS"], "From Aug 16", D(2016, 8, 1), None, "ongoing", [], False),
    ("10.6.1", ["HO LS"], "Nov 16", D(2016, 11, 1), D(2016, 11, 30), None, [], False),
]

# Exact text of some multi-line actions: wrapped lines joined, sub-bullets kept as "- " lines.
SAMPLE_TEXT = {
    "6.1.6": (
        "Pathway planning training to be delivered to all front-line staff (social workers/personal "
        "advisors) to cover SMART planning and the revised practice standards.\n"
        "- Dip samples of pathway plans to be added to the audit schedule, with monthly auditing by "
        "the GM and HoS."
    ),
    "6.2.7": (
        "Develop a communication plan to promote the ‘staying put’ policy with all foster carers and "
        "young people with a view to increasing take up on this, ensuring:\n"
        "- that staying put opportunities are discussed as early as possible;\n"
        "- clarity is given to foster carers about the level of support, including financial support "
        "they will receive through the staying put policy"
    ),
    "9.1.1": "Appoint Children’s Commissioner to lead of all commissioning arrangements.",
    "10.4.1": (
        "Arrange a mandatory training and development programme for all lawyers within the Legal "
        "Team to include:\n"
        "- Law Society Children Panel\n"
        "- Higher rights of Audience\n"
        "- Advocacy"
    ),
}

# Number of "- " sub-bullet lines in some long actions.
SAMPLE_BULLETS = {"6.1.5": 5, "7.2.1": 7, "8.2.3": 6, "8.5.2": 5, "9.2.1": 13, "9.8.1": 5, "10.1.1": 5}


def load(number):
    with (REF_DIR / f"priority-{number:02d}.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def plans():
    return {n: load(n) for n in PRIORITIES}


@pytest.fixture(scope="module")
def actions(plans):
    out = {}
    for n in PRIORITIES:
        for finding in plans[n]["findings"]:
            for action in finding["actions"]:
                out[action["id"]] = action
    return out


def _key(dotted):
    return tuple(int(x) for x in dotted.split("."))


# --- hand-verified sample -------------------------------------------------------------------

def test_sample_covers_each_priority_at_least_three_times():
    per = {n: sum(1 for row in SAMPLE if row[0].split(".")[0] == str(n)) for n in PRIORITIES}
    assert all(count >= 3 for count in per.values()), per


@pytest.mark.parametrize("row", SAMPLE, ids=[row[0] for row in SAMPLE])
def test_sample_action(actions, row):
    aid, leads, timescale, start, due, recurrence, partners, completed = row
    assert aid in actions, f"{aid} missing"
    a = actions[aid]
    assert a["id"] == aid
    assert a["leads"] == leads
    assert a["timescale"] == timescale
    assert a["start"] == start
    assert a["due"] == due
    assert a["recurrence"] == recurrence
    assert a["partners"] == partners
    assert a["completed"] is completed


@pytest.mark.parametrize("aid", sorted(SAMPLE_TEXT, key=_key))
def test_sample_text(actions, aid):
    assert actions[aid]["text"] == SAMPLE_TEXT[aid]


@pytest.mark.parametrize("aid", sorted(SAMPLE_BULLETS, key=_key))
def test_sample_bullet_count(actions, aid):
    lines = actions[aid]["text"].split("\n")
    assert not lines[0].startswith("- "), aid
    assert sum(1 for line in lines if line.startswith("- ")) == SAMPLE_BULLETS[aid]


def test_ambiguous_rows_record_a_decision(actions):
    for aid in ("6.1.2", "6.1.6", "6.3.6", "8.4.1", "8.7.2", "9.1.3", "9.7.1", "10.1.1", "10.1.3", "10.2.1"):
        assert (actions[aid].get("decision") or "").strip(), aid


# --- whole-file checks ----------------------------------------------------------------------

@pytest.mark.parametrize("number", PRIORITIES)
def test_header(plans, number):
    p = plans[number]
    assert p["number"] == number
    for field in ("title", "lead_officer", "intro"):
        assert isinstance(p[field], str) and p[field].strip(), field
    assert p["lead_roles"] and set(p["lead_roles"]) <= KEY_ROLES
    assert p["identified_issues"] and all(isinstance(s, str) and s.strip() for s in p["identified_issues"])
    assert p["expected_impact"] and all(isinstance(s, str) and s.strip() for s in p["expected_impact"])


@pytest.mark.parametrize("number", PRIORITIES)
def test_counts(plans, number):
    findings = plans[number]["findings"]
    counts = {f["id"]: len(f["actions"]) for f in findings}
    assert counts == EXPECTED_COUNTS[number]
    assert sum(counts.values()) == EXPECTED_TOTALS[number]


@pytest.mark.parametrize("number", PRIORITIES)
def test_ids_in_order_and_match_finding(plans, number):
    findings = plans[number]["findings"]
    assert [f["id"] for f in findings] == [f"{number}.{i}" for i in range(1, len(findings) + 1)]
    for f in findings:
        assert f["actions"], f"finding {f['id']} has no action"
        ids = [a["id"] for a in f["actions"]]
        assert ids == [f"{f['id']}.{i}" for i in range(1, len(ids) + 1)], f["id"]


def test_action_ids_unique(plans):
    ids = [a["id"] for n in PRIORITIES for f in plans[n]["findings"] for a in f["actions"]]
    assert len(ids) == sum(EXPECTED_TOTALS.values())
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("number", PRIORITIES)
def test_findings_well_formed(plans, number):
    for f in plans[number]["findings"]:
        assert isinstance(f["text"], str) and isinstance(f["ofsted_refs"], str), f["id"]
        # 10.6 is the one finding whose Issue cell holds only its Ofsted reference.
        assert f["text"].strip() or f["id"] == "10.6", f["id"]
        assert "Para " not in f["text"] and "Rec " not in f["text"], f["id"]


@pytest.mark.parametrize("number", PRIORITIES)
def test_actions_well_formed(plans, number):
    allowed_leads = KEY_ROLES | EXTRA_LEADS
    for f in plans[number]["findings"]:
        for a in f["actions"]:
            aid = a["id"]
            assert isinstance(a["text"], str) and a["text"].strip(), aid
            assert "(completed)" not in a["text"].lower(), aid
            assert not re.match(r"^\d+\.\d+", a["text"]), aid
            assert all(line == line.strip() and line for line in a["text"].split("\n")), aid
            assert isinstance(a["leads"], list) and a["leads"], f"{aid} has no lead"
            assert set(a["leads"]) <= allowed_leads, (aid, a["leads"])
            assert len(a["leads"]) == len(set(a["leads"])), aid
            assert isinstance(a["partners"], list), aid
            assert all(isinstance(x, str) and x.strip() and x.strip() != "N/A" for x in a["partners"]), aid
            assert isinstance(a["completed"], bool), aid
            assert a["recurrence"] in (None, "monthly", "quarterly", "annually", "ongoing"), aid
            for field in ("start", "due"):
                value = a[field]
                assert value is None or type(value) is datetime.date, (aid, field, value)
            if a["start"] and a["due"]:
                assert a["start"] <= a["due"], aid


# --- timescale -> start/due/recurrence, by the rules of FORMAT.md ---------------------------

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MONTHS["sept"] = 9


def _last_day(year, month):
    return D(year, month, calendar.monthrange(year, month)[1])


def expected_dates(timescale):
    """(start, due, recurrence) for the timescale forms used in Priorities 6-10."""
    t = " ".join(timescale.split())
    if t == "Implemented":
        return None, None, None
    m = re.fullmatch(r"(?:By|End)\s+([A-Za-z]+)\s*(\d\d)", t)
    if m:
        return None, _last_day(2000 + int(m[2]), _MONTHS[m[1].lower()]), None
    m = re.fullmatch(r"From\s+([A-Za-z]+)\s*(\d\d)", t)
    if m:
        return D(2000 + int(m[2]), _MONTHS[m[1].lower()], 1), None, "ongoing"
    m = re.fullmatch(r"([A-Za-z]+)\s*[–-]\s*([A-Za-z]+)\s*(\d\d)", t)
    if m:
        m1, m2, y2 = _MONTHS[m[1].lower()], _MONTHS[m[2].lower()], 2000 + int(m[3])
        return D(y2 - 1 if m1 > m2 else y2, m1, 1), _last_day(y2, m2), None
    m = re.fullmatch(r"([A-Za-z]+)\s*(\d\d)", t)
    if m:
        y, mo = 2000 + int(m[2]), _MONTHS[m[1].lower()]
        return D(y, mo, 1), _last_day(y, mo), None
    raise AssertionError(f"unexpected timescale form: {timescale!r}")


@pytest.mark.parametrize("timescale, expected", [
    ("Sep 16", (D(2016, 9, 1), D(2016, 9, 30), None)),
    ("April 17", (D(2017, 4, 1), D(2017, 4, 30), None)),
    ("End Dec16", (None, D(2016, 12, 31), None)),
    ("By Oct 16", (None, D(2016, 10, 31), None)),
    ("From Aug 16", (D(2016, 8, 1), None, "ongoing")),
    ("Jul – Dec 16", (D(2016, 7, 1), D(2016, 12, 31), None)),
    ("Nov – Feb 17", (D(2016, 11, 1), D(2017, 2, 28), None)),
])
def test_expected_dates_helper(timescale, expected):
    assert expected_dates(timescale) == expected


@pytest.mark.parametrize("number", PRIORITIES)
def test_dates_follow_timescale(plans, number):
    for f in plans[number]["findings"]:
        for a in f["actions"]:
            assert a["timescale"] == " ".join(a["timescale"].split()), a["id"]
            assert (a["start"], a["due"], a["recurrence"]) == expected_dates(a["timescale"]), a["id"]
