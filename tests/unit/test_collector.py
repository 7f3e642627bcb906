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
