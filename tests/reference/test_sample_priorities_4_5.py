"""Checks on the reviewed transcription of Priorities 4 and 5 of the Bromley 2016-17 plan.

The sample rows below were verified by hand against
shared/seeds/bromley-improvement-action-plan-2016-17.txt (lines 1354-2334), where the
table columns come out interleaved. They favour the tricky rows: multi-line actions with
sub-bullets, the one "(completed)" action, rows with more than one lead, range and
open-ended timescales, and rows that continue over a page break.
"""

import datetime
from pathlib import Path

import pytest
import yaml

REF_DIR = Path(__file__).resolve().parents[2] / "storage/reference/bromley-2016-17"

D = datetime.date

# Key action ids counted in the source (ids such as "4.1.1" at line starts), per finding.
EXPECTED_COUNTS = {
    4: {"4.1": 4, "4.2": 3, "4.3": 8, "4.4": 5, "4.5": 3, "4.6": 8, "4.7": 2},
    5: {"5.1": 4, "5.2": 9, "5.3": 6, "5.4": 1, "5.5": 7, "5.6": 10, "5.7": 10,
        "5.8": 5, "5.9": 1, "5.10": 6},
}
EXPECTED_TOTALS = {4: 33, 5: 59}

# The abbreviation key, plus leads the plan writes that are not in it.
KEY_ROLES = {
    "CEX", "DCS", "DPH", "DCOs", "JSNA", "Corp Comms", "HOS QI", "P&I Officer", "PM", "BSCB",
    "HOS S&CP", "GM IRO", "GM CP Chairs", "DHR", "DED", "CSC", "HOS EI&FS", "CAF Manager",
    "HOS C&R", "L&D", "AD Housing", "AD SBSS", "DCom", "PP&S", "HO LS", "LBB",
}
EXTRA_LEADS = {"All HOS", "BSCB Chair"}

# (id, leads, timescale, start, due, recurrence, partners, completed)
SAMPLE = [
    # Priority 4
    ("4.1.1", ["All HOS"], "By end Sep16 then quarterly prog", None, D(2016, 9, 30), "quarterly",
     ["Health", "Police", "Schools", "BSCB"], False),
    ("4.1.4", ["All HOS"], "By Dec 16", None, D(2016, 12, 31), None,
     ["Health", "Police", "Schools", "BSCB"], False),
    ("4.2.2", ["HOS S&CP"], "Aug – Feb17", D(2016, 8, 1), D(2017, 2, 28), None, [], False),
    ("4.3.2", ["DCS", "BSCB Chair"], "By end Sep16 then quarterly prog", None, D(2016, 9, 30),
     "quarterly", ["LBB", "Health", "Police", "YOS"], False),
    ("4.3.6", ["DCS", "BSCB Chair"], "From Aug 16", D(2016, 8, 1), None, "ongoing",
     ["LBB", "Health", "Police", "YOS"], False),
    ("4.3.8", ["DCS", "BSCB Chair"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None,
     ["LBB", "Health", "Police", "YOS"], False),
    ("4.4.5", ["HOS QI"], "End of Sep16", None, D(2016, 9, 30), None, [], False),
    ("4.5.1", ["HOS S&CP"], "By Jun 16", None, D(2016, 6, 30), None, [], True),
    ("4.5.3", ["HOS S&CP"], "Dec 16", D(2016, 12, 1), D(2016, 12, 31), None, [], False),
    ("4.6.4", ["HOS QI", "HOS S&CP"], "Dec 16", D(2016, 12, 1), D(2016, 12, 31), None, ["LBB"], False),
    ("4.6.5", ["HOS QI", "HOS S&CP"], "Mar 17", D(2017, 3, 1), D(2017, 3, 31), None, ["LBB"], False),
    ("4.7.2", ["HOS EI&FS", "CAF Manager"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None, [], False),
    # Priority 5
    ("5.1.1", ["HOS C&R"], "Apr - Jun 17", D(2017, 4, 1), D(2017, 6, 30), None,
     ["Task and finish group", "LBB", "Health", "Schools/Education", "Virtual School"], False),
    ("5.1.3", ["HOS C&R"], "Jul 17", D(2017, 7, 1), D(2017, 7, 31), None,
     ["Task and finish group", "LBB", "Health", "Schools/Education", "Virtual School"], False),
    ("5.2.3", ["DCS", "HOS QI"], "Aug 16", D(2016, 8, 1), D(2016, 8, 31), None, [], False),
    ("5.2.9", ["DCS", "HOS QI"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None, [], False),
    ("5.3.5", ["HOS QI"], "Sep 16", D(2016, 9, 1), D(2016, 9, 30), None, [], False),
    ("5.5.4", ["HOS C&R"], "End Jan 17", None, D(2017, 1, 31), None, [], False),
    ("5.6.1", ["HOS QI"], "Jun / Sep 16", D(2016, 6, 1), D(2016, 9, 30), None,
     ["Health", "Virtual School"], False),
    ("5.6.4", ["HOS QI"], "Dec 16", D(2016, 12, 1), D(2016, 12, 31), None,
     ["Health", "Virtual School"], False),
    ("5.6.10", ["HOS QI"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None,
     ["Health", "Virtual School"], False),
    ("5.7.6", ["HOS C&R"], "Apr 17", D(2017, 4, 1), D(2017, 4, 30), None,
     ["LBB", "Central Placement Team"], False),
    ("5.8.4", ["HOS C&R"], "From Sep 16", D(2016, 9, 1), None, "ongoing", ["LBB", "L&D"], False),
    ("5.8.5", ["HOS C&R"], "By Jan 17", None, D(2017, 1, 31), None, ["LBB", "L&D"], False),
    ("5.9.1", ["HOS C&R"], "Oct 16", D(2016, 10, 1), D(2016, 10, 31), None, ["LBB", "HOS EI&FS"], False),
    ("5.10.4", ["HOS QI"], "By Dec 16", None, D(2016, 12, 31), None, [], False),
]

# Exact texts of some multi-line actions (wrapped lines joined, sub-bullets as "- " lines).
SAMPLE_TEXTS = {
    "4.1.4": (
        "Draft a protocol on how Early Intervention Family Support cases will be audited and "
        "reviewed by managers and implement immediately. The protocol to include:\n"
        "- EIFS assessments and goals will be reviewed at each supervision and during case "
        "management discussions\n"
        "- All Senior Family Support Parenting Practitioner will complete at least one deep dive "
        "audit per Family Support Parenting Practitioner per month\n"
        "- Each FSPP & SFSPP to complete at least four case practice discussion audits with EIFS "
        "SMT monthly.\n"
        "- Undertake a full review and audit on all Early Intervention Family Support (EIFS) cases "
        "to ensure risk assessments and thresholds have been accurately completed and there is no drift."
    ),
    "4.5.1": (
        "A full audit of all Child in Need cases to be undertaken by deputy managers and GMs to "
        "re-evaluate the risks and urgently escalate any cases that meet the threshold to child "
        "protection."
    ),
    "5.2.9": (
        "Permanency tracker to be sent to SMT and DMT and Improvement Board quarterly to provide "
        "reassurance, oversight and scrutiny from Oct 16."
    ),
    "5.6.4": (
        "Review and revise the current delegated authority policy to ensure it covers all "
        "requirements and circulate to all front line staff and managers. Policy to include a "
        "requirement that IROs will check delegated authority has been appropriately agreed and "
        "applied to each placement and will escalate case if not."
    ),
}

# Number of "- " sub-bullet lines in some actions.
SAMPLE_BULLETS = {"4.1.4": 4, "4.2.2": 2, "4.5.2": 5, "4.7.2": 7, "5.2.3": 7, "5.3.5": 5,
                  "5.6.1": 4, "5.8.3": 3, "5.9.1": 3, "4.3.1": 0, "5.6.4": 0}


def load(number):
    path = REF_DIR / f"priority-{number:02d}.yaml"
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def actions_by_id():
    out = {}
    for number in (4, 5):
        for finding in load(number)["findings"]:
            for action in finding["actions"]:
                out[action["id"]] = action
    return out


@pytest.mark.parametrize(
    "aid,leads,timescale,start,due,recurrence,partners,completed", SAMPLE, ids=[s[0] for s in SAMPLE]
)
def test_sample_action(actions_by_id, aid, leads, timescale, start, due, recurrence, partners, completed):
    assert aid in actions_by_id, f"action {aid} missing"
    action = actions_by_id[aid]
    assert action["id"] == aid
    assert action["leads"] == leads
    assert action["timescale"] == timescale
    assert action["start"] == start
    assert action["due"] == due
    assert action["recurrence"] == recurrence
    assert action["partners"] == partners
    assert action["completed"] is completed


def test_sample_sizes():
    for number in (4, 5):
        picked = [s for s in SAMPLE if s[0].startswith(f"{number}.")]
        assert len(picked) >= 5, f"priority {number}: sample has only {len(picked)} actions"


@pytest.mark.parametrize("aid", sorted(SAMPLE_TEXTS))
def test_sample_text(actions_by_id, aid):
    assert actions_by_id[aid]["text"] == SAMPLE_TEXTS[aid]


@pytest.mark.parametrize("aid", sorted(SAMPLE_BULLETS))
def test_sample_bullets(actions_by_id, aid):
    lines = actions_by_id[aid]["text"].split("\n")
    assert not lines[0].startswith("- "), "the first line is the action itself, not a bullet"
    assert sum(1 for line in lines if line.startswith("- ")) == SAMPLE_BULLETS[aid]
    assert len(lines) == 1 + SAMPLE_BULLETS[aid], "wrapped lines must be joined"


@pytest.mark.parametrize("number", [4, 5])
def test_header(number):
    data = load(number)
    assert data["number"] == number
    assert data["lead_roles"] == {4: ["HOS S&CP"], 5: ["HOS C&R"]}[number]
    assert data["intro"].strip()
    assert len(data["identified_issues"]) == {4: 10, 5: 9}[number]
    assert len(data["expected_impact"]) == {4: 12, 5: 7}[number]


@pytest.mark.parametrize("number", [4, 5])
def test_counts(number):
    data = load(number)
    findings = data["findings"]
    got = {f["id"]: len(f["actions"]) for f in findings}
    assert got == EXPECTED_COUNTS[number]
    assert sum(got.values()) == EXPECTED_TOTALS[number]


@pytest.mark.parametrize("number", [4, 5])
def test_ids_unique_ordered_and_in_their_finding(number):
    findings = load(number)["findings"]
    all_ids = [a["id"] for f in findings for a in f["actions"]]
    assert len(all_ids) == len(set(all_ids)), "duplicate action ids"
    assert [f["id"] for f in findings] == [f"{number}.{i}" for i in range(1, len(findings) + 1)]
    for finding in findings:
        fid = finding["id"]
        assert isinstance(fid, str)
        ids = [a["id"] for a in finding["actions"]]
        assert all(isinstance(i, str) for i in ids)
        assert all(i.rsplit(".", 1)[0] == fid for i in ids), f"{ids} not all under {fid}"
        assert ids == [f"{fid}.{j}" for j in range(1, len(ids) + 1)], f"{fid}: ids out of order {ids}"


@pytest.mark.parametrize("number", [4, 5])
def test_every_finding_has_actions_and_text(number):
    for finding in load(number)["findings"]:
        assert len(finding["actions"]) >= 1, f"{finding['id']} has no actions"
        assert finding["text"].strip()
        assert not finding["text"].startswith(finding["id"]), "finding text must not repeat the id"
        assert isinstance(finding["ofsted_refs"], str)


@pytest.mark.parametrize("number", [4, 5])
def test_action_fields(number):
    allowed_recurrence = {None, "monthly", "quarterly", "annually", "ongoing"}
    for finding in load(number)["findings"]:
        for action in finding["actions"]:
            aid = action["id"]
            assert action["leads"], f"{aid} has no lead"
            unknown = set(action["leads"]) - KEY_ROLES - EXTRA_LEADS
            assert not unknown, f"{aid}: leads {unknown} not in the key nor the known extra leads"
            assert isinstance(action["partners"], list)
            assert "N/A" not in action["partners"]
            assert all(p.strip() and "," not in p for p in action["partners"])
            text = action["text"]
            assert text.strip() and not text.startswith(aid)
            assert "(completed)" not in text
            assert "  " not in text
            for key in ("start", "due"):
                value = action[key]
                assert value is None or type(value) is datetime.date, f"{aid}.{key} is {value!r}"
            if action["start"] and action["due"]:
                assert action["start"] <= action["due"]
            assert action["recurrence"] in allowed_recurrence
            assert isinstance(action["completed"], bool)
            if "decision" in action:
                assert action["decision"].strip()


def test_only_one_completed_action(actions_by_id):
    assert [a for a, v in actions_by_id.items() if v["completed"]] == ["4.5.1"]
