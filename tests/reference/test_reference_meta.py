"""Checks on the reference plan's meta files: plan.yaml, roles.yaml, indicators.yaml, people.yaml.

The expected values below were read by hand from
shared/seeds/bromley-improvement-action-plan-2016-17.txt (line numbers in the comments).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from storage.plan_data import chat_ids_of

REF = Path(__file__).resolve().parents[2] / "storage/reference/bromley-2016-17"


def load(name: str):
    with (REF / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def plan() -> dict:
    return load("plan.yaml")


@pytest.fixture(scope="module")
def roles() -> list[dict]:
    return load("roles.yaml")


@pytest.fixture(scope="module")
def indicators() -> list[dict]:
    return load("indicators.yaml")


@pytest.fixture(scope="module")
def directory() -> dict:
    return load("people.yaml")


# ------------------------------------------------------------------ plan.yaml


def test_plan_meta(plan):
    assert plan["key"] == "bromley-2016-17"
    assert plan["title"] == "Children’s Service Improvement Action Plan June 2016 – October 2017"
    assert plan["organisation"] == "London Borough of Bromley"
    assert plan["period_start"] == date(2016, 6, 1)
    assert plan["period_end"] == date(2017, 10, 31)
    assert plan["timezone"] == "Europe/London"
    assert plan["version"] == "(Draft) Version 14.3 – 02 September 2016"
    assert plan["governance_board"] == "Children’s Service Improvement Governance (CSIG) Board"


# ------------------------------------------------------------------ roles.yaml

# "Key to abbreviations used in action plan “lead” column", source lines 43-68, in order.
KEY_ABBREVS = [
    "CEX", "DCS", "DPH", "DCOs", "JSNA", "Corp Comms", "HOS QI", "P&I Officer", "PM", "BSCB", "HOS S&CP",
    "GM IRO", "GM CP Chairs", "DHR", "DED", "CSC", "HOS EI&FS", "CAF Manager", "HOS C&R", "L&D", "AD Housing",
    "AD SBSS", "DCom", "PP&S", "HO LS", "LBB",
]
KEY_TITLE_SAMPLE = {
    "CEX": "Chief Executive",
    "DCS": "Director Children’s Services",
    "HOS S&CP": "Head of Service Safeguarding & Care Planning",
    "GM IRO": "Group Manager Independent Reviewing Officers",
    "HO LS": "Head of Legal Services",
    "DCom": "Director of Commissioning",
    "BSCB": "Bromley Safeguarding Children’s Board",
    "PM": "Project Manager",
}
# Leads found in Lead cells / "Lead officer:" lines that the key does not list, plus SIT.
EXPECTED_EXTRAS = {
    "BSCB Chair", "BSCB Business Manager", "VCSG Chair", "All HOS", "Police", "HOS Placements and Brokerage",
    "Court Manager", "Task & Finish Group", "SIT",
}


def test_key_roles_in_order_and_not_extra(roles):
    key_rows = [r for r in roles if not r.get("extra")]
    assert [r["abbrev"] for r in key_rows] == KEY_ABBREVS


def test_key_role_titles_sample(roles):
    by_abbrev = {r["abbrev"]: r for r in roles}
    for abbrev, title in KEY_TITLE_SAMPLE.items():
        assert by_abbrev[abbrev]["title"] == title, abbrev


def test_role_abbrevs_unique(roles):
    dupes = [a for a, n in Counter(r["abbrev"] for r in roles).items() if n > 1]
    assert dupes == []


def test_extra_roles(roles):
    extras = {r["abbrev"]: r for r in roles if r.get("extra")}
    assert set(extras) == EXPECTED_EXTRAS
    for abbrev, row in extras.items():
        assert row["extra"] is True, abbrev
        assert row.get("title"), abbrev
        assert row.get("note"), abbrev
    assert extras["BSCB Chair"]["title"] == "Independent Chair, Bromley Safeguarding Children Board"
    assert extras["SIT"]["title"] == "Service Improvement Team"


# ------------------------------------------------------------------ indicators.yaml

FIELDS = ("title", "type", "source", "accumulation", "baseline_2015_16", "bromley_2014_15", "target_16_17",
          "target_17_18", "national_average", "statistical_neighbours")

# Hand-verified rows: code -> expected fields (a field not named here is not checked).
SAMPLE = {
    "2f": dict(  # line 1016
        heading="External QA of case file audits",
        title="External independent case file audits (5 – 10 per month) to validate %age of cases that are "
              "good/ outstanding",
        type="Quality", source="Audits", baseline_2015_16="30", target_16_17="60 -120", target_17_18="TBC"),
    "3a": dict(  # line 1353
        title="X% of staff in each partner agency states that they are confident or very confident to escalate "
              "and challenge (MA staff survey)",
        type="Satisfaction", source="Survey", baseline_2015_16="N/A", target_16_17="TBC", target_17_18="TBC"),
    "4m": dict(  # line 1718
        title="% of ICPCs held within 15 days of Section 47 investigation", type="DfE", source="MI Report",
        baseline_2015_16="67%", target_16_17="88.7%", target_17_18="88.7%"),
    "4p": dict(  # line 1723
        title="Number and % of children becoming subject to a Child Protection Plan for a second or subsequent time",
        baseline_2015_16="33 (13%)", target_16_17="17%", target_17_18="17%"),
    "6h": dict(  # line 2661
        title="% Care Leavers (age 17-21) in suitable accommodation", type="DfE", source="MI Report",
        baseline_2015_16="75%", target_16_17="85%", target_17_18="85%"),
    "7e": dict(  # line 2832
        title="Number of newly approved adopters", type="Quality", source="MI Report",
        baseline_2015_16="17", target_16_17="15", target_17_18="20"),
    "9b": dict(  # line 3509
        title="Number of newly approved foster carer households", type="Ofsted",
        baseline_2015_16="4", target_16_17="22", target_17_18="22"),
    "10b": dict(  # line 3743
        title="Average number of weeks in care proceedings (per family)", type="CafCass", source="MI Report",
        baseline_2015_16="36", target_16_17="26", target_17_18="26"),
    "A1-1": dict(  # lines 3788-3791
        title="Number of Children in Need", type="DfE", source="Carefirst", accumulation="Snapshot",
        baseline_2015_16="2,390", bromley_2014_15="2,258", target_16_17=None, target_17_18=None,
        statistical_neighbours="2,699"),
    "A1-25": dict(  # lines 3913-3922
        title="Number and % of children becoming subject to a Child Protection Plan for a second or subsequent time",
        accumulation="In month", baseline_2015_16="50 (21%)", bromley_2014_15="33 (13%)", target_16_17="17%",
        target_17_18="13%", national_average="16.6%", statistical_neighbours="18.8%"),
    "A1-56": dict(  # lines 4202-4210
        type="Adoption Scorecard", source="CareFirst", accumulation="Year to date", baseline_2015_16="686",
        bromley_2014_15="659", target_16_17="426", target_17_18="426", national_average="593",
        statistical_neighbours="583"),
    "A1-61": dict(  # lines 4275-4276
        title="Average number of weeks in care proceedings (per family)", type="Cafcass", source="Team",
        accumulation="Year to Date", baseline_2015_16="36", bromley_2014_15="33", target_16_17="26",
        target_17_18="26", national_average="30", statistical_neighbours="-"),
}


def test_indicator_codes_unique(indicators):
    dupes = [c for c, n in Counter(str(i["code"]) for i in indicators).items() if n > 1]
    assert dupes == []


@pytest.mark.parametrize("code", sorted(SAMPLE))
def test_indicator_sample(indicators, code):
    by_code = {str(i["code"]): i for i in indicators}
    assert code in by_code
    row = by_code[code]
    for field, expected in SAMPLE[code].items():
        assert row[field] == expected, (code, field)


def test_values_are_strings_or_null(indicators):
    bad = [(i["code"], f) for i in indicators for f in FIELDS if i.get(f) is not None and not isinstance(i[f], str)]
    assert bad == []


def test_sub_measures(indicators):
    by_code = {str(i["code"]): i for i in indicators}
    assert by_code["2a"]["sub_measures"][0] == "% audits where overall judgement is good/ outstanding"
    assert len(by_code["2a"]["sub_measures"]) == 4
    assert by_code["2i"]["sub_measures"] == [
        "Referral and Assessment", "Safeguarding and Care Planning Combined (East & West)", "Court Team"]
    assert [d["target_16_17"] for d in by_code["2i"]["sub_measure_details"]] == ["20", "15", "10"]
    assert by_code["A1-29"]["sub_measures"] == ["Foster Care", "Residential Settings", "Independent living"]


# Per-priority "performance measures" tables: the codes each one prints.
PRIORITY_CODES = {
    2: "abcdefghij", 3: "a", 4: "abcdefghijklmnop", 5: "abcdefghijk", 6: "abcdefghijklmnop", 7: "abcdefg",
    8: "abcdefghi", 9: "abcd", 10: "abcdefghi",
}


def test_priority_tables_complete(indicators):
    for number, letters in PRIORITY_CODES.items():
        rows = [i for i in indicators if i["source_section"] == f"priority-{number}"]
        assert [str(i["code"]) for i in rows] == [f"{number}{c}" for c in letters], number
        assert all(i["priority"] == number and i["appendix_number"] is None for i in rows), number
    sections = {i["source_section"] for i in indicators}
    assert sections == {f"priority-{n}" for n in PRIORITY_CODES} | {"appendix-1"}


# Appendix 1 numbers its rows 1-61 but the source has no row 18, 36 or 44 (checked by grep:
# the numbering jumps 17 -> 19, 35 -> 37, 43 -> 45).
APPENDIX_ABSENT = {18, 36, 44}


def test_appendix_numbers(indicators):
    rows = [i for i in indicators if i["source_section"] == "appendix-1"]
    numbers = Counter(i["appendix_number"] for i in rows)
    assert [n for n, c in numbers.items() if c > 1] == []
    assert set(numbers) == set(range(1, 62)) - APPENDIX_ABSENT
    for i in rows:
        assert i["code"] == f"A1-{i['appendix_number']}"


def test_appendix_headings(indicators):
    by_code = {str(i["code"]): i for i in indicators}
    assert by_code["A1-1"]["priority"] is None
    assert by_code["A1-1"]["heading"] == "General profile for children and young people in Bromley - numbers and volumes"
    assert (by_code["A1-9"]["priority"], by_code["A1-12"]["priority"], by_code["A1-34"]["priority"]) == (2, 4, 5)
    assert (by_code["A1-40"]["priority"], by_code["A1-51"]["priority"], by_code["A1-60"]["priority"]) == (6, 7, 10)
    assert by_code["A1-40"]["heading"] == "Theme 6 - Care Leavers and Young People"


# ------------------------------------------------------------------ people.yaml


def test_bodies_are_roles_and_represented_by_people(directory, roles):
    abbrevs = {r["abbrev"] for r in roles}
    held = {role for p in directory["people"] for role in p["roles"]}
    for body in directory["bodies"]:
        assert body["role"] in abbrevs, body
        assert body["represented_by"] in held, body
        assert body["role"] not in held, body
    assert {"BSCB", "Task & Finish Group", "LBB"} <= {b["role"] for b in directory["bodies"]}


def test_every_person_role_is_a_role(directory, roles):
    abbrevs = {r["abbrev"] for r in roles}
    for p in directory["people"]:
        assert p["roles"], p["key"]
        assert set(p["roles"]) <= abbrevs, p["key"]


def test_every_non_body_role_has_exactly_one_person(directory, roles):
    bodies = {b["role"] for b in directory["bodies"]}
    holders = Counter(role for p in directory["people"] for role in p["roles"])
    for r in roles:
        if r["abbrev"] in bodies or r["abbrev"] == "SIT":
            continue
        assert holders[r["abbrev"]] == 1, r["abbrev"]


def test_sit_people(directory):
    sit = [p for p in directory["people"] if "SIT" in p["roles"]]
    assert len(sit) == 2
    assert all(p["sit_admin"] is True and p["manager"] == "dcs" for p in sit)
    assert "Service Improvement Manager" in [p.get("job_title") for p in sit]
    assert [p["key"] for p in directory["people"] if p["sit_admin"]] == [p["key"] for p in sit]


def test_person_keys_unique(directory):
    dupes = [k for k, n in Counter(p["key"] for p in directory["people"]).items() if n > 1]
    assert dupes == []


def test_manager_chains_reach_cex(directory):
    people = {p["key"]: p for p in directory["people"]}
    tops = [k for k, p in people.items() if p["manager"] is None]
    assert tops == ["cex"]
    assert people["cex"]["roles"] == ["CEX"]
    for key, person in people.items():
        seen = [key]
        current = person
        while current["manager"] is not None:
            assert current["manager"] in people, (key, current["manager"])
            assert current["manager"] not in seen, ("cycle", seen)
            seen.append(current["manager"])
            current = people[current["manager"]]
        assert current["key"] == "cex", seen


def test_heads_of_service_report_to_a_director(directory):
    people = {p["key"]: p for p in directory["people"]}
    directors = {"DCS", "DCOs", "DCom", "DPH", "DED", "DHR"}
    for p in people.values():
        if any(r.startswith("HOS ") for r in p["roles"]):
            assert set(people[p["manager"]]["roles"]) & directors, p["key"]
        if any(r.startswith("GM ") for r in p["roles"]):
            assert any(r.startswith("HOS ") for r in people[p["manager"]]["roles"]), p["key"]


def test_people_are_fictional_and_unreachable(directory):
    emails = [p["email"] for p in directory["people"]]
    assert all(e.endswith(".invalid") for e in emails), emails
    assert len(set(emails)) == len(emails)
    assert all("(fictional)" in p["name"] for p in directory["people"])
    assert not any(chat_ids_of(p) for p in directory["people"])  # no chat account is linked
