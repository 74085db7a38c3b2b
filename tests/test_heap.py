"""kernel.heap: what survives a full collection is frozen, and every THAW_EVERY-th full collection
frees cycles among the frozen (issue 34)."""
import gc
import weakref

import pytest

from rehabdash.kernel.heap import FreezeSurvivors


class Node:
    pass


@pytest.fixture
def callback():
    """A FreezeSurvivors of its own, alone (the process's, installed by an AppTest of app.py, is put
    aside meanwhile), removed and thawed afterwards."""
    others = [c for c in gc.callbacks if isinstance(c, FreezeSurvivors)]
    for other in others:
        gc.callbacks.remove(other)
    mine = FreezeSurvivors(thaw_every=4)
    gc.callbacks.append(mine)
    yield mine
    gc.callbacks.remove(mine)
    gc.callbacks.extend(others)
    gc.unfreeze()


def test_survivors_of_a_full_collection_are_frozen_and_left_out_of_the_next(callback):
    gc.collect()
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the test process's modules, functions, ... at least
    assert gc.get_count()[2] == 0 and len(gc.get_objects(generation=2)) < frozen / 10


def test_a_cycle_frozen_before_it_became_garbage_is_freed_by_the_thawing_collection(callback):
    gc.collect()  # 1st (counted from the fixture's): nothing to thaw
    node = Node()
    node.itself = node  # a cycle: reference counting alone never frees it
    alive = weakref.ref(node)
    gc.collect()  # 2nd: the node survives, and is frozen
    del node
    gc.collect(0)
    gc.collect(1)
    gc.collect()  # 3rd: walks only what came since the 2nd
    assert alive() is not None
    gc.collect()  # 4th: thaws first, walks everything
    assert alive() is None


def test_young_collections_do_not_count(callback):
    gc.collect(0)
    gc.collect(1)
    assert callback.full_collections == 0
    gc.collect()
    assert callback.full_collections == 1
