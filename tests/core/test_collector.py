"""The cycle collector is held back during bulk work, and only then."""

import gc
import threading

import pytest

from carepack.core.collector import bulk_collection


def test_bulk_work_freezes_the_heap_and_gives_it_back() -> None:
    before = gc.get_threshold()
    with bulk_collection():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > before[0]
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_the_collector_is_given_back_when_the_work_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), bulk_collection():
        raise RuntimeError("the batch failed")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_blocks_in_two_threads_give_the_collector_back_once_both_end() -> None:
    before = gc.get_threshold()
    first_in, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with bulk_collection():
            first_in.set()
            second_done.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with bulk_collection():
        pass
    # The first block still runs: the collector stays held back.
    assert gc.get_threshold()[0] > before[0]
    second_done.set()
    thread.join(10)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
