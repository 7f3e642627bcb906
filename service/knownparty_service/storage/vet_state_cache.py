"""Vetting states a server need not read again: what lets a repeated VetSeller skip the database.

A repeated vetting needs one row (DecisionRepository.vet_state). Reading it in the server lets go
of the GIL, and with eight RPC threads queueing for it again that read cost a repeated call
several times its own work. A process that alone writes its database (Database.sole_writer) can
instead keep each state it read or wrote, and trust it for as long as it has not written since:

- any write changes the database's write epoch, after its transaction ended, so a state kept
  under an older epoch is read again;
- a decision's own write (its row and its stamp: nothing else a state holds) changes only its
  party and purpose's count, and the state kept for it is brought up to date instead.

Each kept state carries the (epoch, count) taken *before* it was read: a write that ended during
the read leaves it outdated, never wrong. A state only ever passes for one whose stamp matches
its own versions (desk._kept_decision), so one put together from parts read at different times
is refused there, not trusted.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from datetime import datetime

from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.vetting.model import Purpose, VetState

Key = tuple[str, Purpose]  # (party id, purpose)
Mark = tuple[int, int]  # (write epoch, decision writes of the key) before a read

_KEPT = 200_000


class VetStateCache:
    def __init__(self, database, limit: int = _KEPT):
        self._db = database
        self._limit = limit
        self._states: BoundedCache = BoundedCache(limit)  # key -> (mark, VetState)
        self._key_writes: dict[Key, int] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        # Keeps states while not trusting them: the bulk-vetting helper process, which sends the
        # states it wrote to the server (exported).
        self.exporting = False
        self.exported: list[tuple[Key, VetState]] = []

    @property
    def keeping(self) -> bool:
        return self._db.sole_writer or self.exporting

    def mark(self, key: Key) -> Mark:
        """Taken before reading the key's state."""
        return self._db.write_epoch, self._key_writes.get(key, 0)

    def epoch(self) -> int:
        """Taken before another process reads states for this one (see adopt)."""
        return self._db.write_epoch

    def trusted(self, key: Key) -> VetState | None:
        """The state kept for the key when nothing was written since it was read; else None."""
        if not self._db.sole_writer:
            return None
        kept = self._states.get(key)
        if kept is not None and kept[0] == (self._db.write_epoch, self._key_writes.get(key, 0)):
            return kept[1]
        return None

    def keep(self, key: Key, mark: Mark, state: VetState) -> None:
        if self.keeping:
            self._states.put(key, (mark, state))

    def restamped(self, stamps: list[tuple[Key, str, datetime, int]], decided=()) -> None:
        """After a committed decision write: (key, stamp, valid until, decision seq) of each
        stamp it wrote, and the keys of the decisions it wrote. A state kept from before that
        write, with no other decision written for its key since, takes the new stamp; any other
        is left to be read again."""
        with self._lock:
            if len(self._key_writes) >= self._limit:
                # Forgets the counts: a new epoch outdates every state kept under them.
                self._key_writes.clear()
                self._db.note_written()
            stamped = set()
            for key, stamp, valid_until, decision_seq in stamps:
                stamped.add(key)
                before = self._key_writes.get(key, 0)
                after = self._key_writes[key] = next(self._counter)
                kept = self._states.get(key)
                if kept is None or kept[0][1] != before:
                    continue
                state = dataclasses.replace(kept[1], stamp=stamp, stamp_valid_until=valid_until, decision_seq=decision_seq)
                self._states.put(key, ((kept[0][0], after), state))
                if self.exporting:
                    self.exported.append((key, state))
            for key in decided:
                if key not in stamped:
                    self._key_writes[key] = next(self._counter)

    def adopt(self, states: list[tuple[Key, VetState]], epoch: int, decided: list[Key]) -> None:
        """What the helper process wrote: the keys it decided anew (states kept for them here are
        outdated), and the states it left, read after `epoch` was taken here (so a write of this
        process that ended since outdates them)."""
        with self._lock:
            for key in decided:
                self._key_writes[key] = next(self._counter)
            if not self.keeping:
                return
            for key, state in states:
                after = self._key_writes[key] = next(self._counter)
                self._states.put(key, ((epoch, after), state))
