"""Screens a party's names (legal name and aliases) on the current index, for vetting."""

from __future__ import annotations

import threading
from collections.abc import Callable

from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.policy import Policy
from knownparty_service.domain.vetting.desk import PartyScreen, entry_fingerprint
from knownparty_service.domain.vetting.model import HitFact
from knownparty_service.domain.watchlists.screener import IndexSnapshot

# Hits per name kept for a decision: enough for any real party, bounded for a pathological one.
_HITS_PER_NAME = 20
_CACHE_SIZE = 500_000


class IndexPartyScreener:
    def __init__(self, snapshot: Callable[[], IndexSnapshot], policy: Policy, query_type):
        self._snapshot = snapshot
        self._policy = policy
        self._query_type = query_type
        # (index, names, countries) -> screen: a party is screened again only when its names or
        # the index change (vetting the same party twice, or re-evaluating it, reuses it).
        self._cache: BoundedCache = BoundedCache(_CACHE_SIZE)
        self._cached_for: IndexSnapshot | None = None
        self._versions: tuple[IndexSnapshot, tuple[str, ...]] | None = None
        self._lock = threading.Lock()

    def list_versions(self) -> tuple[str, ...]:
        return self._versions_of(self._snapshot())

    def _versions_of(self, snapshot: IndexSnapshot) -> tuple[str, ...]:
        kept = self._versions
        if kept is None or kept[0] is not snapshot:
            kept = self._versions = (snapshot, tuple(f"watchlists/{l}/versions/{v}" for l, v in sorted(snapshot.versions.items()) if v))
        return kept[1]

    def screen_party(self, names: list[str], countries: tuple[str, ...]) -> PartyScreen:
        snapshot = self._snapshot()
        if snapshot is not self._cached_for:
            # A new index: the old screens are stale, and must not keep the old index alive.
            with self._lock:
                self._cache, self._cached_for = BoundedCache(_CACHE_SIZE), snapshot
        key = (tuple(names), countries)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is snapshot:
            return cached[1]
        threshold = self._policy.screening.alert_threshold
        best: dict[tuple[str, str], HitFact] = {}
        for name in names:
            query = self._query_type(name=name, entry_type=None, countries=countries, date_of_birth="", identifiers=())
            for match in snapshot.index.screen(query, min_score=threshold, limit=_HITS_PER_NAME, lists=None):
                entry_key = (match.list_name, match.entry.source_id)
                score = round(match.score, 4)
                if entry_key in best and best[entry_key].score >= score:
                    continue
                best[entry_key] = HitFact(
                    list_id=match.list_name,
                    list_version=match.list_version,
                    source_id=match.entry.source_id,
                    matched_name=match.matched_name,
                    queried_name=name,
                    score=score,
                    fingerprint=entry_fingerprint(match.entry),
                )
        hits = tuple(sorted(best.values(), key=lambda h: (-h.score, h.list_id, h.source_id)))
        result = PartyScreen(hits, self._versions_of(snapshot))
        with self._lock:
            if snapshot is self._cached_for:
                self._cache.put(key, (snapshot, result))
        return result
