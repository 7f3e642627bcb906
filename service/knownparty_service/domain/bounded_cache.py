"""A dict that stays under a size: when full, the oldest half of its entries go.

For caches of immutable things (a decoded revision, a built reply) read by many threads: plain
dict operations, no lock (a lost insert or a double eviction under a race only costs a rebuild).
Dropping the oldest half, rather than everything, keeps a working set a little larger than the
cache from missing on every read.
"""

from __future__ import annotations

from itertools import islice


class BoundedCache(dict):
    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def put(self, key, value):
        if len(self) >= self.limit:
            for old in list(islice(iter(self), len(self) // 2)):
                self.pop(old, None)
        self[key] = value
        return value
