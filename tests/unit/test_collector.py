"""The cycle collector around a scheduler tick (`storage.bulk.collector_paused`, `heap_frozen`):
off while a tick plans, and what the round keeps left out of its passes while it sends."""

from __future__ import annotations

import gc

from storage.bulk import collector_paused, heap_frozen


def test_the_collector_is_paused_inside_and_as_it_was_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_is_alive_at_the_start_is_frozen_until_the_end_then_collected_again():
    before = gc.get_freeze_count()
    kept = [[i] for i in range(1000)]  # a round's plans, alive as the sends begin (lists: always tracked)
    with heap_frozen():
        assert gc.get_freeze_count() >= before + len(kept)
        assert not any(o is kept[0] for o in gc.get_objects())  # not in any generation the collector walks
    assert gc.get_freeze_count() == 0
    assert any(o is kept[0] for o in gc.get_objects())


def test_the_heap_is_unfrozen_when_the_round_fails():
    try:
        with heap_frozen():
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
