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
        person = query.entry_type == EntryType.INDIVIDUAL
        qweights = [ix.query_weight(t, person) for t in qtokens]
        qlegal = [not person and token_class(t) == LEGAL for t in qtokens]
        sims: list[dict[str, float]] = [{} for _ in qtokens]
        variants: list[dict[int, float]] = []
        vocab, tokens = ix.vocab, ix.tokens
        fuzzy = not is_ideographic(query.name)
        qfuzzy = [1.0 if fuzzy else 0.0] * len(qtokens)
        own: list[dict[int, float]] = []  # each token's own exact and fuzzy partners
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
                    for tid in ix.fuzzy_tokens(q, exact is not None):
                        if tid not in found:
                            s = S.token_similarity(q, tokens[tid]) * qfuzzy[i]
                            if s >= S.TYPO_MIN_SIM:
                                found[tid] = s
            for tid, s in found.items():
                sims[i][tokens[tid]] = s
            own.append(dict(found))
            if exact is None and found and len(q) >= S.FUZZY_INDEX_MIN_LEN:
                # A token the lists never use, near one they do, is most likely that one misspelt:
                # it weighs what its closest known spelling weighs ("stork" ~ "stock").
                closest = max(found, key=lambda t: (found[t], -ix.weight[t]))
                qweights[i] = (ix.person_weight if person else ix.weight)[closest]
            # Glued or split spellings: only to find candidates; `align` scores them as compounds.
            if len(q) > 1 and not qlegal[i]:
                for tid in ix.split_tokens(q):
                    found.setdefault(tid, 1.0)
            variants.append(found)
        for i in range(len(qtokens) - 1):
            a, b = qtokens[i], qtokens[i + 1]
            if qlegal[i] or qlegal[i + 1]:
                continue
            joined = a + b
            hits = {}
            tid = vocab.get(joined)
            if tid is not None:
                hits[tid] = 1.0
            if fuzzy and (vocab.get(a) is None or vocab.get(b) is None):
                for tid in ix.fuzzy_tokens(joined):
                    if tid not in hits:
                        s = S.token_similarity(joined, tokens[tid])
                        if s >= S.COMPOUND_MIN_SIM:
                            hits[tid] = s
            for tid, s in hits.items():
                variants[i].setdefault(tid, s)
                variants[i + 1].setdefault(tid, s)
        # The floor below which no candidate can end up at min_score, with the query's positive fields.
        lift = 0.0
        if query.identifiers:
            lift += S.IDENTIFIER_MATCH
        if query.date_of_birth:
            lift += S.DOB_MATCH
        if query.countries:
            lift += S.COUNTRY_MATCH
        floor = max(0.05, min_score - lift)
        # What fuzzy matches the variant sets may miss could add: initials, short tokens (their
        # typo neighbours are not indexed) and unknown tokens with no neighbour found (two typos
        # can hide from the deletion lookups).
        slack = 0.0
        for i, q in enumerate(qtokens):
            if len(q) == 1:
                slack += S.INITIAL_WEIGHT
            elif qfuzzy[i] > 0.0 and (len(q) < S.FUZZY_INDEX_MIN_LEN or not own[i]):
                slack += S.UNSEEN_FUZZY_SIM * qfuzzy[i] * qweights[i]
        # For the candidate bound, a query token weighs the least it can cost: a matched token
        # counts its listed partner's weight, which may be less than its own.
        bound_weights = [
            min(qweights[i], min(ix.weight[t] for t in v)) if v else qweights[i] for i, v in enumerate(own)
        ]
        nids = ix.candidates(variants, qweights, bound_weights, floor, slack, allowed, S.MAX_CANDIDATES)

        best: dict[int, tuple[float, int, S.Aligned]] = {}
        token_cls, name_entry, entries = ix.token_cls, ix.name_entry, ix.entries
        for nid in nids:
            tids = ix.tokens_of(nid)
            listed_person = entries[name_entry[nid]].entry_type == EntryType.INDIVIDUAL
            weight = ix.person_weight if listed_person else ix.weight
            aligned = S.align(
                qtokens,
                qweights,
                qlegal,
                [tokens[t] for t in tids],
                [weight[t] for t in tids],
                [not listed_person and token_cls[t] == LEGAL for t in tids],
                sims,
                ix.evidence_needed,
                qfuzzy,
                S.NAME_MISS if listed_person else S.NAME_MISS_ENTITY,
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
