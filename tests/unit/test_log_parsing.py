"""The risks and issues grammar (`bot.log_parsing`), pure: what each form parses to, and that
anything starting with risk/issue that does not fit is a usage refusal, never a guess."""

from __future__ import annotations

import pytest

from bot.log_parsing import LogAdd, LogClose, LogList, LogUsage, parse_log


def test_a_full_risk_with_curly_quotes_and_a_multi_word_owner():
    cmd = parse_log(
        "Risk P4 add “Agency social workers leaving” Impact H likelihood med owner HOS S&CP "
        'mitigation "Recruitment drive, with HR" review Dec 16'
    )
    assert cmd == LogAdd(
        "risk",
        4,
        "Agency social workers leaving",
        {
            "impact": "high",
            "likelihood": "medium",
            "owner": "HOS S&CP",
            "mitigation": "Recruitment drive, with HR",
            "review": "Dec 16",
        },
    )


def test_an_issue_keeps_unquoted_words_until_the_next_field():
    cmd = parse_log('issue priority 5 add "Caseloads" owner Dana Carver action two agency workers date end of Nov')
    assert cmd == LogAdd(
        "issue", 5, "Caseloads", {"owner": "Dana Carver", "action": "two agency workers", "date": "end of Nov"}
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("risks", LogList("risk")),
        ("issues p4", LogList("issue", 4)),
        ("risks for priority 10", LogList("risk", 10)),
        ("risk r12 close - recruited", LogClose("risk", 12, "recruited")),
        ("issue I3 close: caseloads back under 18", LogClose("issue", 3, "caseloads back under 18")),
    ],
)
def test_lists_and_closes(text, expected):
    assert parse_log(text) == expected


@pytest.mark.parametrize("text", ["riskier things", "4.2.1 amber - risk of delay", "status", "issued p4", ""])
def test_other_text_is_not_a_log_command(text):
    assert parse_log(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "risk",
        "risks p4 please",
        "risk p4 add",
        'risk p4 add "x" impact high likelihood high owner',
        'risk p4 add "x" action "y" impact high likelihood high owner HOS QI',  # an issue's field on a risk
        "issue R3 close - wrong kind",
        "risk R3 close",
    ],
)
def test_what_does_not_fit_is_a_usage_refusal_with_the_form(text):
    cmd = parse_log(text)
    assert isinstance(cmd, LogUsage)
    assert ("risk p4 add" if cmd.kind == "risk" else "issue p4 add") in cmd.text
