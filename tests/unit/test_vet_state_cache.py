"""The vetting states a sole writer keeps instead of reading them again (storage/vet_state_cache.py)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta, timezone

from knownparty_service.domain.vetting.model import Purpose, VetState
from knownparty_service.storage.vet_state_cache import VetStateCache

SELLER = ("p-1", Purpose.KNOWN_MARKETPLACE_SELLER)
OTHER = ("p-2", Purpose.KNOWN_MARKETPLACE_SELLER)
LATER = datetime(2027, 1, 1, tzinfo=timezone.utc)


class Database:
    """The part of storage.database.Database the cache uses."""

    def __init__(self, sole_writer: bool = True):
        self.sole_writer = sole_writer
        self.write_epoch = 0
        self._epochs = itertools.count(1)

    def note_written(self) -> None:
        self.write_epoch = next(self._epochs)


def state(stamp: str = "s1", seq: int = 1) -> VetState:
    return VetState("seller", "active", 1, 0, 0, stamp, LATER, seq)


def read(cache: VetStateCache, key, value: VetState) -> VetState:
    """As DecisionRepository.vet_state does on a miss: the mark first, then the read."""
    mark = cache.mark(key)
    cache.keep(key, mark, value)
    return value


def test_a_state_is_trusted_until_anything_is_written():
    database = Database()
    cache = VetStateCache(database)
    assert cache.trusted(SELLER) is None
    read(cache, SELLER, state())
    assert cache.trusted(SELLER) == state()
    database.note_written()  # a party, violation, clearance or payment write
    assert cache.trusted(SELLER) is None


def test_nothing_is_trusted_without_being_the_sole_writer():
    database = Database(sole_writer=False)
    cache = VetStateCache(database)
    read(cache, SELLER, state())
    assert cache.trusted(SELLER) is None
    assert len(cache._states) == 0  # nor kept, unless exported for another process


def test_a_write_that_ends_during_the_read_outdates_what_it_read():
    database = Database()
    cache = VetStateCache(database)
    mark = cache.mark(SELLER)
    database.note_written()  # committed while the row was being read: which version it saw is unknown
    cache.keep(SELLER, mark, state())
    assert cache.trusted(SELLER) is None


def test_a_decision_write_restamps_its_own_key_and_leaves_the_others_trusted():
    database = Database()
    cache = VetStateCache(database)
    read(cache, SELLER, state())
    read(cache, OTHER, state("o1", 7))
    cache.restamped([(SELLER, "s2", LATER + timedelta(days=1), 2)], decided=[SELLER])
    assert cache.trusted(SELLER) == dataclasses.replace(state(), stamp="s2", stamp_valid_until=LATER + timedelta(days=1), decision_seq=2)
    assert cache.trusted(OTHER) == state("o1", 7)


def test_a_state_read_before_another_decision_of_its_key_is_not_restamped():
    database = Database()
    cache = VetStateCache(database)
    read(cache, SELLER, state())
    cache.restamped([], decided=[SELLER])  # a decision without a stamp (a re-evaluation)
    assert cache.trusted(SELLER) is None
    cache.restamped([(SELLER, "s3", LATER, 3)])
    assert cache.trusted(SELLER) is None  # its base state is not known to be current: read again


def test_states_from_the_helper_are_trusted_unless_this_process_wrote_after_sending():
    database = Database()
    cache = VetStateCache(database)
    read(cache, SELLER, state())
    epoch = cache.epoch()
    cache.adopt([(OTHER, state("h1", 9))], epoch, decided=[SELLER])
    assert cache.trusted(OTHER) == state("h1", 9)
    assert cache.trusted(SELLER) is None  # the helper decided it anew: read again

    epoch = cache.epoch()
    database.note_written()  # ended after the round went out: the helper may have read before it
    cache.adopt([(OTHER, state("h2", 10))], epoch, decided=[OTHER])
    assert cache.trusted(OTHER) is None


def test_the_helper_exports_the_states_it_restamped():
    database = Database(sole_writer=False)
    cache = VetStateCache(database)
    cache.exporting = True
    read(cache, SELLER, state())
    read(cache, OTHER, state("o1", 7))
    cache.restamped([(SELLER, "s2", LATER, 2)], decided=[SELLER])
    assert cache.exported == [(SELLER, dataclasses.replace(state(), stamp="s2", decision_seq=2))]
    assert cache.trusted(SELLER) is None  # kept for the server, never trusted here


def test_forgetting_the_per_key_counts_outdates_every_kept_state():
    database = Database()
    cache = VetStateCache(database, limit=2)
    read(cache, SELLER, state())
    cache.restamped([(OTHER, "o1", LATER, 7)])
    cache.restamped([(("p-3", Purpose.KNOWN_MARKETPLACE_SELLER), "x", LATER, 8)])
    assert cache.trusted(SELLER) == state()
    cache.restamped([(("p-4", Purpose.KNOWN_MARKETPLACE_SELLER), "y", LATER, 9)])  # the counts are full: forgotten
    assert cache.trusted(SELLER) is None
    read(cache, SELLER, state())
    assert cache.trusted(SELLER) == state()
