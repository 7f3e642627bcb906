"""The server's pace for the cyclic garbage collector."""

from __future__ import annotations

import gc

import pytest

from knownparty_service.app.collector import YOUNG_GENERATION_THRESHOLD, pace_garbage_collector


@pytest.fixture
def restored_thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_young_generation_is_collected_less_often_and_the_others_keep_their_pace(restored_thresholds):
    gc.set_threshold(700, 11, 12)
    pace_garbage_collector()
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, 11, 12)


def test_a_higher_threshold_or_a_disabled_collector_is_left_alone(restored_thresholds):
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD * 2, 10, 10)
    pace_garbage_collector()
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD * 2, 10, 10)
    gc.set_threshold(0, 10, 10)
    pace_garbage_collector()
    assert gc.get_threshold() == (0, 10, 10)


def test_bulk_rounds_freeze_their_survivors_until_the_last_bulk_job_ends():
    import weakref

    from knownparty_service.app.collector import bulk_work, round_done

    class Node:
        pass

    gc.unfreeze()
    kept = [[n] for n in range(1000)]  # what a round keeps: lists are tracked by the collector
    round_done()
    assert gc.get_freeze_count() == 0, "outside bulk work nothing is frozen"
    with bulk_work():
        with bulk_work():
            round_done()
            assert gc.get_freeze_count() >= len(kept)
        # The other job still runs: still frozen.
        assert gc.get_freeze_count() >= len(kept)
        # Cyclic garbage frozen along the way is left alone while bulk work runs...
        cycle = Node()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        round_done()
        del cycle
        gc.collect()
        assert gone() is not None
    # ...and collected once it ends.
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None


def test_a_failed_bulk_job_still_thaws():
    from knownparty_service.app.collector import bulk_work, round_done

    with pytest.raises(RuntimeError):
        with bulk_work():
            round_done()
            assert gc.get_freeze_count() > 0
            raise RuntimeError("the stream broke")
    assert gc.get_freeze_count() == 0
