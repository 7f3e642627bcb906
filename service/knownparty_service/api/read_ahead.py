"""Reading a client stream ahead of its handler, so that what arrives meanwhile can be taken together."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable


class ReadAhead:
    """Pulls a request stream's messages on a thread of its own while the handler works.

    `take(limit)` waits for one message and adds those that are already here, up to `limit`
    (in the units of `weight`): a handler that keeps up gets each message as it arrives, one
    that falls behind gets them in groups it can handle in one go. At most `capacity` units are
    held, so a fast sender is held back by gRPC's flow control as before. Whatever reading the
    stream raised (a cancelled call, a deserialization failure) is raised by `take` after the
    messages that came before it.
    """

    def __init__(self, source: Iterable, capacity: int, weight: Callable[[object], int] = lambda _: 1, name: str = "read-ahead"):
        self._source = iter(source)
        self._capacity = capacity
        self._weight = weight
        self._items: deque = deque()
        self._held = 0
        self._finished = False
        self._closed = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pull, name=name, daemon=True)
        self._thread.start()

    def _pull(self) -> None:
        try:
            for item in self._source:
                weight = self._weight(item)
                with self._changed:
                    while self._held >= self._capacity and not self._closed:
                        self._changed.wait()
                    if self._closed:
                        return
                    self._items.append((item, weight))
                    self._held += weight
                    self._changed.notify_all()
        except BaseException as exc:  # noqa: BLE001 - handed to the handler's thread, raised there
            with self._changed:
                self._error = exc
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()

    def take(self, limit: int) -> list:
        """One message or more (waiting for the first), up to `limit`; [] once the stream ended."""
        with self._changed:
            while not self._items and not self._finished:
                self._changed.wait()
            taken = []
            total = 0
            while self._items and (not taken or total + self._items[0][1] <= limit):
                item, weight = self._items.popleft()
                taken.append(item)
                total += weight
                self._held -= weight
            self._changed.notify_all()
            if not taken and self._error is not None:
                error, self._error = self._error, None
                raise error
            return taken

    def close(self) -> None:
        """Stops reading (a reader waiting on the stream itself stops when the call ends)."""
        with self._changed:
            self._closed = True
            self._items.clear()
            self._changed.notify_all()
