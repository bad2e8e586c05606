"""Ofsted references as the plans write them (`domain.ofsted_refs`)."""

from __future__ import annotations

import pytest

from domain.ofsted_refs import parse_ofsted_refs


@pytest.mark.parametrize(
    ("text", "paragraphs", "recommendations"),
    [
        ("Para 98, 100 &101 Rec 1 & 2", ("98", "100", "101"), (1, 2)),
        ("Para 31Rec 14", ("31",), (14,)),
        ("Rec 8; Para 109 Rec 3", ("109",), (8, 3)),
        ("Para 97-100 Rec 1 &2", ("97-100",), (1, 2)),
        ("Para 89 Rec 16; Para 89 & 90 Rec 14 & 16", ("89", "90"), (16, 14)),
        ("Para & Rec 118", ("118",), ()),
        ("Paras 107 108", ("107", "108"), ()),
        ("Recommendation 4", (), (4,)),
        ("", (), ()),
        (None, (), ()),
        ("see the report", (), ()),
    ],
)
def test_paragraphs_and_recommendations(text, paragraphs, recommendations):
    refs = parse_ofsted_refs(text)
    assert refs.paragraphs == paragraphs
    assert refs.recommendations == recommendations
