"""The one rule for a completion's evidence (`domain.evidence`, applied by `note_problem` to
typed updates, buttons and forms alike)."""

from __future__ import annotations

import pytest

from domain.evidence import EVIDENCE_MAX, evidence_problem, split_evidence
from domain.vocabulary import RAG, note_problem


@pytest.mark.parametrize(
    ("note", "split"),
    [
        ("evidence: audit report Oct 16", ("", "audit report Oct 16")),
        ("all trained - evidence: https://x.example/a", ("all trained", "https://x.example/a")),
        ("all trained, Evidence : minutes", ("all trained", "minutes")),
        ("all trained", ("all trained", "")),
        ("noevidence: x", ("noevidence: x", "")),  # the mark is a word of its own
    ],
)
def test_split_evidence(note, split):
    assert split_evidence(note) == split


@pytest.mark.parametrize(
    "evidence",
    ["audit report Oct 16", "https://intranet.example/audit", "http://x.example", "Report: Oct 16", "x" * EVIDENCE_MAX],
)
def test_good_evidence(evidence):
    assert evidence_problem(evidence) is None


@pytest.mark.parametrize(
    ("evidence", "says"),
    [
        ("", "needs evidence"),
        ("   ", "needs evidence"),
        ("javascript:alert(1)", "http:// or https://"),
        ("JavaScript:alert(1)", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("data:text/html,<b>", "http:// or https://"),
        ("x" * (EVIDENCE_MAX + 1), f"keep it to {EVIDENCE_MAX}"),
    ],
)
def test_bad_evidence(evidence, says):
    assert says in (evidence_problem(evidence) or "")


def test_only_completed_needs_evidence():
    assert note_problem(RAG.GREEN, "") is None
    assert note_problem(RAG.AMBER, "late") is None
    assert "needs evidence" in (note_problem(RAG.COMPLETED, "all done") or "")
    assert note_problem(RAG.COMPLETED, "all done - evidence: minutes") is None
