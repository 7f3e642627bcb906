"""How often a server process runs Python's cyclic garbage collector, and what it leaves out."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

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


# Bulk work (a VetParties stream, a re-evaluation pass) keeps what each round makes: decisions in
# the caches, their parties' owners. Each young collection walks those survivors again, and a
# full one walks them with the screening index: a seventh of the server's time in a bulk run. So
# after each round what survived is frozen (gc.freeze, which costs nothing: no collection walks
# it); when the last bulk job ends it is handed back to the collector, so that any cyclic garbage
# frozen along the way is still collected then.
_bulk_lock = threading.Lock()
_bulk_jobs = 0


@contextlib.contextmanager
def bulk_work() -> Iterator[None]:
    """Marks bulk work: `round_done` freezes survivors while any runs; the last to end thaws them."""
    global _bulk_jobs
    with _bulk_lock:
        _bulk_jobs += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_jobs -= 1
            if _bulk_jobs == 0:
                gc.unfreeze()


def round_done() -> None:
    """A round of bulk work is done: what survived it is left out of collections (see bulk_work)."""
    if _bulk_jobs:
        gc.freeze()
