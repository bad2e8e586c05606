"""`scheduler.planned.Item` sets its fields in a hand-written `__init__` (for speed): it must set
every field the dataclass declares, with its default, and stay frozen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from scheduler.planned import Item

WHEN = datetime(2016, 9, 14, 9, 0, tzinfo=UTC)


def test_every_field_is_set_from_its_argument() -> None:
    values = {f.name: f"value of {f.name}" for f in dataclasses.fields(Item)}
    item = Item(**values)
    assert {f.name: getattr(item, f.name) for f in dataclasses.fields(Item)} == values
    assert set(vars(item)) == set(values)


def test_defaults_are_the_declared_ones() -> None:
    item = Item("k", "s", "st", "nudge", "ann", WHEN, "round", "why")
    for f in dataclasses.fields(Item):
        if f.default is not dataclasses.MISSING:
            assert getattr(item, f.name) == f.default, f.name


def test_still_frozen_equal_hashable_and_replaceable() -> None:
    item = Item("k", "s", "st", "nudge", "ann", WHEN, "round", "why", ref="4.2.1", owners=("ann",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.key = "other"  # type: ignore[misc]
    twin = Item("k", "s", "st", "nudge", "ann", WHEN, "round", "why", ref="4.2.1", owners=("ann",))
    assert item == twin and hash(item) == hash(twin)
    moved = dataclasses.replace(item, key="yj/k")
    assert moved.key == "yj/k" and moved.ref == "4.2.1" and item.key == "k"
