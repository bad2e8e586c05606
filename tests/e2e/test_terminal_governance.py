"""Issue 12 in the terminal chat, with its scheduler on: the risks and issues log, `status
trend`, `status proposals`, and the SIT's decision reaching the lead at the keyboard (the
terminal chat's ticker delivers it, once)."""

from __future__ import annotations

from tests.conftest import uk
from tests.e2e.test_terminal_lists import answers


def test_the_log_the_trend_and_a_decision_in_the_terminal(reference_engine, clock):
    clock.set(uk(2016, 10, 14, 10, 0))
    lead = [
        "4.2.1 amber - trainer off sick, new date 30/11/2016",
        'risk p4 add "Agency social workers leaving" impact high likelihood medium owner HOS S&CP review Dec 16',
        "risks p4",
        "status trend",
        "status proposals",
    ]
    got = answers(reference_engine, clock, "HOS S&CP", lead)
    assert "Logged R1 in priority 4: Agency social workers leaving" in got[lead[1]]
    assert "R1  P4  Agency social workers leaving" in got["risks p4"]
    assert "impact high · likelihood medium · owner HOS S&CP · review 31 Dec 2016" in got["risks p4"]
    assert got["status trend"].lstrip().startswith("RAG trend, month by month")
    assert "Oct 16" in got["status trend"]
    assert "4.2.1  Sadie Carpenterly (fictional) proposes 30 Nov 2016" in got["status proposals"]

    sit = answers(reference_engine, clock, "SIT", ["status reject 4.2.1 - the board wants February kept"])
    assert "Rejected: 4.2.1 stays due 28 Feb 2017." in sit["status reject 4.2.1 - the board wants February kept"]

    clock.set(uk(2016, 10, 14, 10, 5))
    again = answers(reference_engine, clock, "HOS S&CP", ["status 4.2.1", "status 4.2.2"])
    told = again["status 4.2.1"] + again["status 4.2.2"]
    assert told.count("The SIT rejected your proposed date (30 Nov 2016) for 4.2.1") == 1
    assert "Reason: the board wants February kept" in told
