"""Keeps this process's screening index in step with the active list versions in the database.

Built at start (no re-import after a restart); then a thread polls the active versions every few
seconds and, when any changed (an import through this or another process), builds a new index
beside the old one and swaps it in. Queries always see one consistent index.
"""

from __future__ import annotations

import logging
import threading
import time

from knownparty_service.domain.watchlists.screener import IndexSnapshot

log = logging.getLogger(__name__)


class IndexKeeper:
    def __init__(self, repository, build_index, poll_seconds: float = 2.0):
        self._repository = repository
        self._build_index = build_index
        self._poll_seconds = poll_seconds
        self._snapshot: IndexSnapshot | None = None
        self._state: dict[str, int] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._listeners: list = []

    def on_change(self, listener) -> None:
        """Calls `listener(old snapshot, new snapshot)` after each rebuild that replaced an index."""
        self._listeners.append(listener)

    def snapshot(self) -> IndexSnapshot:
        return self._snapshot

    def refresh(self) -> bool:
        """Rebuilds when the active versions changed; returns whether it did."""
        with self._lock:
            state = self._repository.active_state()
            if state == self._state:
                return False
            started = time.monotonic()
            versions: dict[str, str] = {}

            def items():
                for list_id, number, entry in self._repository.active_entries(state):
                    versions[list_id] = number
                    yield list_id, number, entry

            index = self._build_index(items())
            for list_id in state:
                versions.setdefault(list_id, "")
            previous, self._snapshot = self._snapshot, IndexSnapshot(index, versions)
            self._state = state
            log.info("screening index built in %.1f s over %s", time.monotonic() - started, versions or "no lists")
        if previous is not None:
            for listener in self._listeners:
                try:
                    listener(previous, self._snapshot)
                except Exception:  # noqa: BLE001 - a listener's failure must not stop the index
                    log.exception("index change listener failed")
        return True

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._run, name="knownparty-index", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a failed poll (database down) is retried next time
                log.warning("screening index refresh failed; retrying", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
