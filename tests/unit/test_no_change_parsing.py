"""`no change` has one grammar, read in the core for every channel (`bot.parsing.parse_no_change`)."""

from __future__ import annotations

import pytest

from bot.parsing import NoChange, parse_no_change


@pytest.mark.parametrize(
    ("text", "excepted"),
    [
        ("no change", ()),
        ("No Change.", ()),
        ("no changes", ()),
        ("no change on the rest", ()),
        ("nothing changed", ()),
        ("no change except 4.2.1, 4.3.2", ("4.2.1", "4.3.2")),
        ("no change except 4.2.1 and 4.3.2", ("4.2.1", "4.3.2")),
        ("no change, except: 04.2.1A 4.3.2.", ("4.2.1a", "4.3.2")),
        ("no change but not 4.2.1", ("4.2.1",)),
        ("no change apart from 4.2.1, 4.2.1", ("4.2.1",)),
    ],
)
def test_what_reads_as_no_change(text, excepted):
    assert parse_no_change(text) == NoChange(excepted)


@pytest.mark.parametrize("text", ["no change except banana", "no change except 4.2", "no change except"])
def test_a_list_that_is_not_action_ids_is_named_not_ignored(text):
    parsed = parse_no_change(text)
    assert parsed is not None and parsed.bad


@pytest.mark.parametrize("text", ["change", "no", "status no change", "4.2.1 green - no change", "no changes to 4.2.1 green"])
def test_what_is_not_no_change(text):
    assert parse_no_change(text) is None
