"""How often a server process runs Python's cyclic garbage collector."""

from __future__ import annotations

import gc

# CPython collects its youngest generation after every 700 new container objects (tuples, dicts,
# class instances). A fee-file batch or a page of VetParties keeps tens of thousands of such
# objects alive while it is worked on, so at 700 the collector runs every few rows, finds nothing
# to free, promotes everything, and soon walks the whole heap again: a quarter of an import's
# time. The server's objects die by reference counting, not in cycles, so collecting every
# 50,000 allocations loses nothing and takes the collector out of the profile.
YOUNG_GENERATION_THRESHOLD = 50_000


def pace_garbage_collector() -> None:
    """Raises the youngest generation's threshold (never lowers one set higher already)."""
    young, middle, oldest = gc.get_threshold()
    if young and young < YOUNG_GENERATION_THRESHOLD:
        gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)
