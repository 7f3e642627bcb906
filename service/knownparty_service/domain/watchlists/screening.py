"""Screening API: build an index over list entries, screen a query, get scored, explained matches.

    index = ScreeningIndex.build((list_name, list_version, entry) for ...)
    matches = index.screen(ScreeningQuery("Vladimir Putin"), min_score=0.85, limit=10)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from knownparty_service.domain.watchlists import scoring as S
from knownparty_service.domain.watchlists.entries import EntryType, WatchlistEntry
from knownparty_service.domain.watchlists.index import LEGAL, WEAK_ALIAS, NameIndex, token_class
from knownparty_service.domain.watchlists.normalize import is_ideographic, name_tokens
from knownparty_service.domain.watchlists.scoring import Adjustment, Explanation, TokenPair

_CACHE_SIZE = 50_000  # entries per per-token cache
# The shortest glued spelling two edits may leave at COMPOUND_MIN_SIM (1 - TYPO_COST * 2 / length).
_TWO_EDITS_JOINED_LEN = math.ceil(2 * S.TYPO_COST / (1.0 - S.COMPOUND_MIN_SIM) - 1e-9)

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
        # Per-token work cached across queries: names repeat their tokens ("mohammed", "trading").
        # Plain dicts, cleared when full: a lost or doubled entry between threads costs only time.
        self._name_cache: dict[str, tuple[str, ...]] = {}
        self._token_cache: dict[tuple[str, bool, bool], tuple] = {}
        self._joined_cache: dict[tuple[str, str, bool], dict[int, float]] = {}
        self._joined_sims: dict[tuple[str, str], float] = {}  # glued spellings, see `scoring.align`
        self._name_parts: dict[int, tuple] = {}  # listed names as `align` takes them

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
        qtokens = self._query_tokens(query.name)
        if not qtokens or limit <= 0:
            return []
        allowed = None
        if lists is not None:
            allowed = {i for i, name in enumerate(ix.list_names) if name in lists}
            if not allowed:
                return []
        person = query.entry_type == EntryType.INDIVIDUAL
        fuzzy = not is_ideographic(query.name)
        weights = ix.person_weight if person else ix.weight
        n = len(qtokens)
        qweights: list[float] = []
        qlegal: list[bool] = []
        qfuzzy: list[float] = []
        sims: list[dict[str, float]] = []
        own: list[dict[int, float]] = []  # each token's own exact and fuzzy partners
        variants: list[dict[int, float]] = []
        for q in qtokens:
            legal = not person and token_class(q) == LEGAL
            info = self._token_info(q, legal, fuzzy)
            exact, closest, factor, found, split, shared_sims = info
            if closest is not None:
                # A token the lists never use, near one they do, is most likely that one misspelt:
                # it weighs what its closest known spelling weighs ("stork" ~ "stock").
                qweights.append(weights[closest])
            else:
                qweights.append(ix.query_weight(q, person))
            qlegal.append(legal)
            qfuzzy.append(factor)
            sims.append(shared_sims)
            own.append(found)
            # Glued or split spellings: only to find candidates; `align` scores them as compounds.
            if split:
                found = dict(found)
                for tid in split:
                    found.setdefault(tid, 1.0)
            variants.append(found)
        for i in range(n - 1):
            if qlegal[i] or qlegal[i + 1]:
                continue
            a, b = qtokens[i], qtokens[i + 1]
            hits = self._joined_hits(a, b, fuzzy)
            if hits:
                for k in (i, i + 1):
                    if variants[k] is own[k]:
                        variants[k] = dict(own[k])
                    for tid, s in hits.items():
                        variants[k].setdefault(tid, s)
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
        ixw = ix.weight
        bound_weights = [
            min(qweights[i], min(ixw[t] for t in v)) if v else qweights[i] for i, v in enumerate(own)
        ]
        nids = ix.candidates(variants, qweights, bound_weights, floor, slack, allowed, S.MAX_CANDIDATES)

        # A name is kept when score (times the weak-alias factor) + lift reaches min_score; names
        # that provably cannot are not aligned in full.
        keep = min_score - lift - 1e-9
        keep_weak = keep / S.WEAK_ALIAS_FACTOR
        entries, name_kind = ix.entries, ix.name_kind
        evidence_needed = ix.evidence_needed
        joined = self._joined_sims
        if len(joined) >= _CACHE_SIZE:
            joined.clear()
        if len(self._name_parts) >= _CACHE_SIZE:
            self._name_parts.clear()
        core = ix.compiled
        if core is not None:
            # The same loop in C, without the GIL: [(entry id, best score, its name id)] in the
            # order the entries are first met, like `best` below.
            best = {
                eid: (score, nid)
                for eid, score, nid in core.score(
                    qtokens, qweights, qlegal, qfuzzy, fuzzy, evidence_needed, keep, keep_weak, nids
                )
            }
        else:
            best = self._best_per_entry(
                nids, qtokens, qweights, qlegal, qfuzzy, sims, fuzzy, evidence_needed, keep, keep_weak
            )

        kept: list[tuple[float, str, str, int, int, float, list[Adjustment]]] = []
        for eid, (score, nid) in best.items():
            if score + lift < min_score:
                continue
            entry = entries[eid]
            adjustments = S.field_adjustments(query, entry)
            if name_kind[nid] == WEAK_ALIAS:
                adjustments.insert(
                    0, Adjustment("weak_alias", score - score / S.WEAK_ALIAS_FACTOR, "matched a weak alias")
                )
            final = min(1.0, max(0.0, score + sum(a.delta for a in adjustments if a.field != "weak_alias")))
            if final < min_score:
                continue
            kept.append((-final, ix.list_names[ix.entry_list[eid]], entry.source_id, eid, nid, final, adjustments))
        kept.sort(key=lambda k: k[:3])
        results: list[Match] = []
        for _, list_name, _, eid, nid, final, adjustments in kept[:limit]:
            # The explanation is worked out only for the matches returned.
            ntokens, nweights, nlegal, name_miss, _, _ = self._parts_of(nid)
            aligned = S.align(
                qtokens, qweights, qlegal, ntokens, nweights, nlegal, sims, evidence_needed, qfuzzy, name_miss, fuzzy,
                joined=joined,
            )
            lid = ix.entry_list[eid]
            results.append(
                Match(
                    list_name=list_name,
                    list_version=ix.list_versions[lid],
                    entry=entries[eid],
                    matched_name=ix.name_text[nid],
                    score=final,
                    explanation=Explanation(
                        token_pairs=tuple(TokenPair(q, n, s, w) for q, n, s, w in aligned.pairs),
                        adjustments=tuple(adjustments),
                    ),
                )
            )
        return results

    def _best_per_entry(
        self,
        nids: list[int],
        qtokens: list[str],
        qweights: list[float],
        qlegal: list[bool],
        qfuzzy: list[float],
        sims: list[dict[str, float]],
        fuzzy: bool,
        evidence_needed: float,
        keep: float,
        keep_weak: float,
    ) -> dict[int, tuple[float, int]]:
        """The score loop (pure Python): each candidate name aligned with its floor, the best
        (score, name id) per entry, entries in the order first met. `_matchcore.Core.score` is the
        same in C."""
        best: dict[int, tuple[float, int]] = {}
        joined = self._joined_sims
        plan = S.glue_plan(qtokens, qweights, qlegal)
        name_parts = self._name_parts
        for nid in nids:
            parts = name_parts.get(nid)
            if parts is None:
                parts = self._parts_of(nid)
            ntokens, nweights, nlegal, name_miss, weak, eid = parts
            aligned = S.align(
                qtokens,
                qweights,
                qlegal,
                ntokens,
                nweights,
                nlegal,
                sims,
                evidence_needed,
                qfuzzy,
                name_miss,
                fuzzy,
                floor=keep_weak if weak else keep,
                explain=False,
                joined=joined,
                plan=plan,
            )
            if aligned is None:
                continue
            score = aligned.score
            if weak:
                score *= S.WEAK_ALIAS_FACTOR
            prev = best.get(eid)
            if prev is None or score > prev[0]:
                best[eid] = (score, nid)
        return best

    # --- per-token work, cached across queries (the index never changes) -------------------------

    def _parts_of(self, nid: int) -> tuple:
        """A listed name as `align` takes it: (tokens, weights, legal-form flags, name miss, weak
        alias?, entry id), remembered (names never change within an index)."""
        ix = self._ix
        tids = ix.tokens_of(nid)
        eid = ix.name_entry[nid]
        tokens = ix.tokens
        if ix.entries[eid].entry_type == EntryType.INDIVIDUAL:
            weight = ix.person_weight
            parts = ([tokens[t] for t in tids], [weight[t] for t in tids], [False] * len(tids), S.NAME_MISS)
        else:
            weight, token_cls = ix.weight, ix.token_cls
            parts = (
                [tokens[t] for t in tids],
                [weight[t] for t in tids],
                [token_cls[t] == LEGAL for t in tids],
                S.NAME_MISS_ENTITY,
            )
        parts += (ix.name_kind[nid] == WEAK_ALIAS, eid)
        self._name_parts[nid] = parts
        return parts

    def _query_tokens(self, name: str) -> list[str]:
        cache = self._name_cache
        hit = cache.get(name)
        if hit is None:
            hit = tuple(name_tokens(name))
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[name] = hit
        return list(hit)

    def _token_info(self, q: str, legal: bool, fuzzy: bool) -> tuple:
        """(exact id or None, closest id for a misspelt token or None, typo factor, own partners
        {id: similarity}, split-part ids, shared similarity cache {listed token: similarity})."""
        key = (q, legal, fuzzy)
        cache = self._token_cache
        hit = cache.get(key)
        if hit is not None:
            return hit
        ix = self._ix
        vocab, tokens = ix.vocab, ix.tokens
        factor = 1.0 if fuzzy else 0.0
        found: dict[int, float] = {}
        exact = None
        if len(q) > 1:
            exact = vocab.get(q)
            if exact is not None:
                found[exact] = 1.0
                if len(q) <= S.KNOWN_TOKEN_MAX_LEN:
                    factor = min(factor, S.KNOWN_TOKEN_FUZZY)
            if not legal and factor > 0.0:
                for tid, s in ix.fuzzy_partners(q, exact is not None, 2, factor, S.TYPO_MIN_SIM):
                    if tid not in found:
                        found[tid] = s
        closest = None
        if exact is None and found and len(q) >= S.FUZZY_INDEX_MIN_LEN:
            weight = ix.weight
            closest = max(found, key=lambda t: (found[t], -weight[t]))
        split = ix.split_tokens(q) if len(q) > 1 and not legal else []
        split = [tid for tid in split if tid not in found]
        shared_sims = {tokens[tid]: s for tid, s in found.items()}
        hit = (exact, closest, factor, found, split, shared_sims)
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = hit
        return hit

    def _joined_hits(self, a: str, b: str, fuzzy: bool) -> dict[int, float]:
        """Listed tokens two adjacent query tokens may be, written together ("bank maskan" ~ "bankmaskan")."""
        key = (a, b, fuzzy)
        cache = self._joined_cache
        hits = cache.get(key)
        if hits is not None:
            return hits
        ix = self._ix
        vocab = ix.vocab
        joined = a + b
        hits = {}
        tid = vocab.get(joined)
        if tid is not None:
            hits[tid] = 1.0
        if fuzzy and (vocab.get(a) is None or vocab.get(b) is None):
            # Only a listed token found through two deletions of the glued spelling is two edits
            # away; it can reach COMPOUND_MIN_SIM only when the spelling is long enough.
            depth = 2 if len(joined) >= _TWO_EDITS_JOINED_LEN else 1
            for tid, s in ix.fuzzy_partners(joined, False, depth, 1.0, S.COMPOUND_MIN_SIM):
                if tid not in hits:
                    hits[tid] = s
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = hits
        return hits
