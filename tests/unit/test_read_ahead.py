"""ReadAhead: a request stream pulled on its own thread, taken in groups of what has arrived."""

from __future__ import annotations

import threading
import time

import pytest

from knownparty_service.api.read_ahead import ReadAhead


class GatedSource:
    """Yields its items one gate at a time: item i only after `open(i)`; counts what was pulled."""

    def __init__(self, items, error: Exception | None = None):
        self.items = list(items)
        self.error = error
        self.gates = [threading.Event() for _ in self.items]
        self.pulled = 0

    def open(self, *indexes: int) -> None:
        for i in indexes:
            self.gates[i].set()

    def __iter__(self):
        for gate, item in zip(self.gates, self.items):
            assert gate.wait(10), "a gate never opened"
            self.pulled += 1
            yield item
        if self.error is not None:
            raise self.error


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_handler_that_keeps_up_gets_each_message_as_it_arrives():
    source = GatedSource(["a", "b", "c"])
    ahead = ReadAhead(source, capacity=100)
    try:
        source.open(0)
        assert ahead.take(100) == ["a"]  # does not wait for "b"
        source.open(1)
        assert ahead.take(100) == ["b"]
        source.open(2)
        assert ahead.take(100) == ["c"]
        assert ahead.take(100) == []
    finally:
        ahead.close()


def test_what_arrived_meanwhile_is_taken_together_up_to_the_limit():
    source = GatedSource(["a", "b", "c", "d", "e"])
    weights = {"a": 3, "b": 3, "c": 3, "d": 5, "e": 1}
    ahead = ReadAhead(source, capacity=100, weight=weights.__getitem__)
    try:
        source.open(0, 1, 2, 3, 4)
        wait_until(lambda: source.pulled == 5)
        assert ahead.take(7) == ["a", "b"]  # "c" would make 9
        assert ahead.take(7) == ["c"]  # "d" would make 8
        assert ahead.take(2) == ["d"]  # at least one, whatever its weight
        assert ahead.take(7) == ["e"]
        assert ahead.take(7) == []
    finally:
        ahead.close()


def test_the_stream_is_read_no_further_ahead_than_the_capacity():
    source = GatedSource(range(10))
    ahead = ReadAhead(source, capacity=3)
    try:
        source.open(*range(10))
        # Three held, and a fourth in hand waiting for room.
        wait_until(lambda: source.pulled == 4)
        time.sleep(0.05)
        assert source.pulled == 4
        assert ahead.take(2) == [0, 1]
        wait_until(lambda: source.pulled == 6)
        assert ahead.take(100) == [2, 3, 4]
    finally:
        ahead.close()


def test_an_error_reading_the_stream_comes_after_the_messages_before_it():
    source = GatedSource(["a", "b"], error=RuntimeError("the call was cancelled"))
    ahead = ReadAhead(source, capacity=100)
    try:
        source.open(0, 1)
        wait_until(lambda: source.pulled == 2)
        time.sleep(0.05)
        assert ahead.take(100) == ["a", "b"]
        with pytest.raises(RuntimeError, match="cancelled"):
            ahead.take(100)
        assert ahead.take(100) == []  # raised once
    finally:
        ahead.close()


def test_close_releases_a_reader_held_back_by_the_capacity():
    source = GatedSource(range(5))
    ahead = ReadAhead(source, capacity=1, name="test-read-ahead")
    source.open(*range(5))
    wait_until(lambda: source.pulled == 2)  # one held, the next waiting for room
    ahead.close()
    wait_until(lambda: not ahead._thread.is_alive())
    assert source.pulled == 2
