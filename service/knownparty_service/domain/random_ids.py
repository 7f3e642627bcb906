"""Random resource ids drawn from the operating system in blocks: bulk vetting names a few
thousand decisions a second, and one system call per id was a measurable share of each."""

from __future__ import annotations

import os
import threading


class RandomIds:
    """`prefix` and 2 x `size` hex digits of OS randomness per id; safe from any thread."""

    def __init__(self, prefix: str, size: int = 10, ids_per_draw: int = 256):
        self._prefix = prefix
        self._size = size
        self._draw = size * ids_per_draw
        self._lock = threading.Lock()
        self._block = b""
        self._offset = 0

    def next(self) -> str:
        with self._lock:
            if self._offset + self._size > len(self._block):
                self._block, self._offset = os.urandom(self._draw), 0
            start = self._offset
            self._offset = start + self._size
            return self._prefix + self._block[start : start + self._size].hex()
