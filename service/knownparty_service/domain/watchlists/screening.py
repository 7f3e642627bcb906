"""Screening API: build an index over list entries, screen a query, get scored, explained matches.

    index = ScreeningIndex.build((list_name, list_version, entry) for ...)
    matches = index.screen(ScreeningQuery("Vladimir Putin"), min_score=0.85, limit=10)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from knownparty_service.domain.watchlists import scoring as S
from knownparty_service.domain.watchlists.entries import EntryType, WatchlistEntry
from knownparty_service.domain.watchlists.index import LEGAL, WEAK_ALIAS, NameIndex, token_class
from knownparty_service.domain.watchlists.normalize import is_ideographic, name_tokens
from knownparty_service.domain.watchlists.scoring import Adjustment, Explanation, TokenPair

__all__ = ["Adjustment", "Explanation", "Match", "ScreeningIndex", "ScreeningQuery", "TokenPair"]


@dataclass(frozen=True)
class ScreeningQuery:
    name: str
    entry_type: EntryType | None = None
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    date_of_birth: str = ""  # ISO 8601, as precise as known: "1971", "1971-05", "1971-05-03"
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    list_name: str
    list_version: str
    entry: WatchlistEntry
    matched_name: str  # the listed name (primary or alias) that scored best, as the list spells it
    score: float
    explanation: Explanation


class ScreeningIndex:
    """An immutable in-memory index over list entries; `screen` is safe to call from many threads."""

    def __init__(self, index: NameIndex) -> None:
        self._ix = index

    @classmethod
    def build(cls, items: Iterable[tuple[str, str, WatchlistEntry]]) -> ScreeningIndex:
        return cls(NameIndex.build(items))

    @property
    def entry_count(self) -> int:
        return len(self._ix.entries)

    @property
    def name_count(self) -> int:
        return self._ix.name_count

    def screen(
        self, query: ScreeningQuery, *, min_score: float, limit: int, lists: frozenset[str] | None = None
    ) -> list[Match]:
        ix = self._ix
        qtokens = name_tokens(query.name)
        if not qtokens or limit <= 0:
            return []
        allowed = None
        if lists is not None:
            allowed = {i for i, name in enumerate(ix.list_names) if name in lists}
            if not allowed:
                return []
        qweights = [ix.query_weight(t) for t in qtokens]
        qlegal = [token_class(t) == LEGAL for t in qtokens]
        sims: list[dict[str, float]] = [{} for _ in qtokens]
        variants: list[dict[int, float]] = []
        vocab, tokens = ix.vocab, ix.tokens
        fuzzy = not is_ideographic(query.name)
        qfuzzy = [1.0 if fuzzy else 0.0] * len(qtokens)
        for i, q in enumerate(qtokens):
            found: dict[int, float] = {}
            exact = None
            if len(q) > 1:
                exact = vocab.get(q)
                if exact is not None:
                    found[exact] = 1.0
                    if len(q) <= S.KNOWN_TOKEN_MAX_LEN:
                        qfuzzy[i] = min(qfuzzy[i], S.KNOWN_TOKEN_FUZZY)
                if not qlegal[i] and qfuzzy[i] > 0.0:
                    for tid in ix.fuzzy_tokens(q):
                        if tid not in found:
                            s = S.token_similarity(q, tokens[tid]) * qfuzzy[i]
                            if s >= S.TYPO_MIN_SIM:
                                found[tid] = s
            for tid, s in found.items():
                sims[i][tokens[tid]] = s
            # Glued or split spellings: only to find candidates; `align` scores them as compounds.
            if len(q) > 1 and not qlegal[i]:
                if exact is None:
                    for tid in ix.split_tokens(q):
                        found.setdefault(tid, 1.0)
                if i + 1 < len(qtokens):
                    tid = vocab.get(q + qtokens[i + 1])
                    if tid is not None:
                        found.setdefault(tid, 1.0)
            variants.append(found)
        # The floor below which no candidate can end up at min_score, with the query's positive fields.
        lift = 0.0
        if query.identifiers:
            lift += S.IDENTIFIER_MATCH
        if query.date_of_birth:
            lift += S.DOB_MATCH
        if query.countries:
            lift += S.COUNTRY_MATCH
        floor = max(0.05, min_score - lift)
        need_fraction = floor * S.QUERY_MISS / (1.0 - floor + floor * S.QUERY_MISS)
        nids = ix.candidates(variants, qweights, need_fraction, allowed, S.MAX_CANDIDATES)

        best: dict[int, tuple[float, int, S.Aligned]] = {}
        weight, token_cls, name_entry = ix.weight, ix.token_cls, ix.name_entry
        for nid in nids:
            tids = ix.tokens_of(nid)
            aligned = S.align(
                qtokens,
                qweights,
                qlegal,
                [tokens[t] for t in tids],
                [weight[t] for t in tids],
                [token_cls[t] == LEGAL for t in tids],
                sims,
                ix.evidence_needed,
                qfuzzy,
                S.NAME_MISS if ix.entries[name_entry[nid]].entry_type == EntryType.INDIVIDUAL else S.NAME_MISS_ENTITY,
                fuzzy,
            )
            score = aligned.score
            if ix.name_kind[nid] == WEAK_ALIAS:
                score *= S.WEAK_ALIAS_FACTOR
            eid = name_entry[nid]
            prev = best.get(eid)
            if prev is None or score > prev[0]:
                best[eid] = (score, nid, aligned)

        results: list[Match] = []
        for eid, (score, nid, aligned) in best.items():
            if score + lift < min_score:
                continue
            entry = ix.entries[eid]
            adjustments = S.field_adjustments(query, entry)
            if ix.name_kind[nid] == WEAK_ALIAS:
                adjustments.insert(
                    0, Adjustment("weak_alias", score - score / S.WEAK_ALIAS_FACTOR, "matched a weak alias")
                )
            final = min(1.0, max(0.0, score + sum(a.delta for a in adjustments if a.field != "weak_alias")))
            if final < min_score:
                continue
            lid = ix.entry_list[eid]
            results.append(
                Match(
                    list_name=ix.list_names[lid],
                    list_version=ix.list_versions[lid],
                    entry=entry,
                    matched_name=ix.name_text[nid],
                    score=final,
                    explanation=Explanation(
                        token_pairs=tuple(TokenPair(q, n, s, w) for q, n, s, w in aligned.pairs),
                        adjustments=tuple(adjustments),
                    ),
                )
            )
        results.sort(key=lambda m: (-m.score, m.list_name, m.entry.source_id))
        return results[:limit]
