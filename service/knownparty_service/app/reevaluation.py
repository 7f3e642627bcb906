"""Re-decides, in the background, the parties whose decisions rest on something that changed:
a list import (every decided party), a violation or a payment (that party), a policy change
(every party decided under another policy). Only decisions whose outcome changes are stored
as changes, and they are published on WatchDecisionChanges."""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from knownparty_service.app.collector import bulk_work, round_done
from knownparty_service.domain.vetting.desk import VettingDesk

log = logging.getLogger(__name__)

_EVERYONE = "*"
_THREADS = 4
# Decisions re-evaluated together: their records are read in a few bulk reads.
_CHUNK = 250


class Reevaluator:
    def __init__(self, desk: VettingDesk, decided_parties, on_progress=None):
        self._desk = desk
        # on_progress(decisions left in this pass, decisions just re-evaluated), for metrics.
        self._on_progress = on_progress or (lambda pending, done: None)
        # (party ids or None for all) -> [(party id, purpose, high_volume)] of the parties decided so far.
        self._decided_parties = decided_parties
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="knownparty-reevaluation", daemon=True)
        # A few threads: while one waits on the database (which releases the GIL), another screens.
        # One pool for the server's life: each thread keeps a database connection for its reads,
        # so threads made per pass would open connections pass after pass.
        self._pool = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="knownparty-reevaluate")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def parties_changed(self, party_ids) -> None:
        self._idle.clear()
        self._queue.put(set(party_ids))

    def everything_changed(self, *_ignored) -> None:
        self._idle.clear()
        self._queue.put(_EVERYONE)

    def wait_idle(self, timeout: float) -> bool:
        """For tests and benchmarks: waits until every change handed over has been re-evaluated."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            item = self._queue.get()
            if item is None:
                return
            # Coalesce what is waiting: one pass over everyone covers every party.
            pending = [item]
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    return
                pending.append(more)
            try:
                if _EVERYONE in pending:
                    self._reevaluate(None)
                else:
                    self._reevaluate(set().union(*pending))
            except Exception:  # noqa: BLE001 - logged; the next change triggers another pass
                log.exception("re-evaluation failed")
            if self._queue.empty():
                self._idle.set()

    def _reevaluate(self, party_ids: set[str] | None) -> None:
        started = time.monotonic()
        targets = self._decided_parties(party_ids)
        changed = 0
        pending = len(targets)
        self._on_progress(pending, 0)

        def one(target) -> int:
            party_id, purpose, high_volume = target
            try:
                return int(self._desk.reevaluate(party_id, purpose, high_volume) is not None)
            except Exception:  # noqa: BLE001 - one party's failure must not stop the pass
                log.exception("re-evaluating parties/%s failed", party_id)
                return 0

        def chunk_of(chunk) -> int:
            if self._stop.is_set():
                return 0
            try:
                return len(self._desk.reevaluate_many(chunk))
            except Exception:  # noqa: BLE001 - one party's bad record must not hold back the chunk
                log.warning("re-evaluating %d decision(s) together failed: one by one", len(chunk), exc_info=True)
                return sum(one(target) for target in chunk)

        chunks = [targets[i : i + _CHUNK] for i in range(0, len(targets), _CHUNK)]
        with bulk_work():
            for chunk, result in zip(chunks, self._pool.map(chunk_of, chunks)):
                changed += result
                pending -= len(chunk)
                self._on_progress(pending, len(chunk))
                round_done()
        if targets:
            log.info(
                "re-evaluated %d decision(s) in %.1f s: %d changed", len(targets), time.monotonic() - started, changed
            )
