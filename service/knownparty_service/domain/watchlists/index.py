"""The in-memory name index: token postings, a deletion-neighbourhood map for typos, and the
candidate search that avoids scanning every listed name.

Layout (compact on purpose, for a million names):
- entries: one row per listed party; `entry_list` (array of small ints) says which list it is from;
- names: every primary name and alias, as a slice of one flat array of token ids (`name_tokens`,
  `name_offsets`), with its entry (`name_entry`) and kind (`name_kind`: primary, alias, weak alias);
- tokens: interned strings with an id (`vocab`), an entry-level document frequency (`df`), a weight
  (`weight`, IDF or the low weight of a legal form / stopword / title), and postings: the name ids
  of token t are `post_flat[post_offsets[t]:post_offsets[t + 1]]` (one flat array, no object a token);
- typos: every token of length >= FUZZY_MIN_LEN is also filed under each of its one-character
  deletions (SymSpell style); a query token looks up itself and its own deletions up to two, so
  substitutions, transpositions, and one or two insertions or deletions are found by lookups only.

With the compiled extension (see matcher_core.py), `core` is a C view of these arrays (no copy) that
runs `candidates` and the score loop of `ScreeningIndex.screen` without the GIL.
"""

from __future__ import annotations

import heapq
import math
import sys
from array import array
from collections.abc import Iterable, Iterator

from knownparty_service.domain.watchlists import matcher_core
from knownparty_service.domain.watchlists.entries import EntryType, WatchlistEntry
from knownparty_service.domain.watchlists.normalize import (
    GENERIC_ORG_WORDS,
    HONORIFICS,
    LEGAL_FORMS,
    ORG_FORM_WORDS,
    STOPWORDS,
    name_tokens,
)
from knownparty_service.domain.watchlists import scoring as S

PRIMARY, ALIAS, WEAK_ALIAS = 0, 1, 2

# Token classes (array of small ints per token id).
PLAIN, LEGAL, STOP, TITLE, INITIAL, GENERIC = 0, 1, 2, 3, 4, 5


def token_class(token: str) -> int:
    if len(token) == 1 and token.isalpha():
        return INITIAL
    if token in LEGAL_FORMS or token in ORG_FORM_WORDS:
        return LEGAL
    if token in STOPWORDS:
        return STOP
    if token in HONORIFICS:
        return TITLE
    if token in GENERIC_ORG_WORDS:
        return GENERIC
    return PLAIN


def class_weight(cls: int, idf: float, person: bool = False) -> float:
    """A token's weight from its IDF and class. In a person's name ("Thomas SA", "Ana AB") legal
    forms and company words are just name parts and weigh their IDF."""
    if person and cls in (LEGAL, GENERIC):
        return idf
    if cls == LEGAL:
        return min(idf, S.LEGAL_FORM_WEIGHT)
    if cls == STOP:
        return min(idf, S.STOPWORD_WEIGHT)
    if cls == TITLE:
        return min(idf, S.TITLE_WEIGHT)
    if cls == INITIAL:
        return min(idf, S.INITIAL_WEIGHT)
    if cls == GENERIC:
        return min(idf, S.GENERIC_WORD_WEIGHT)
    return idf


def deletions(token: str, depth: int) -> set[str]:
    """All strings made by deleting 1..depth characters of token."""
    out: set[str] = set()
    frontier = {token}
    for _ in range(depth):
        nxt: set[str] = set()
        for t in frontier:
            for i in range(len(t)):
                nxt.add(t[:i] + t[i + 1 :])
        out |= nxt
        frontier = nxt
    return out


class NameIndex:
    """Token index over listed names. Read-only after `build`, so concurrent queries are safe."""

    def __init__(self) -> None:
        self.list_names: list[str] = []
        self.list_versions: list[str] = []
        self.entries: list[WatchlistEntry] = []
        self.entry_list = array("H")
        self.entry_person = array("B")  # 1 for an individual (their names weigh tokens as person names)
        self.name_entry = array("i")
        self.name_kind = array("b")
        self.name_text: list[str] = []
        self.name_offsets = array("i", [0])
        self.name_tokens = array("i")
        self.name_weight = array("f")
        self.vocab: dict[str, int] = {}
        self.tokens: list[str] = []
        self.df = array("i")
        self.token_cls = array("b")
        self.weight = array("d")
        self.person_weight = array("d")
        self.post_offsets = array("q", [0])
        self.post_flat = array("i")
        self._deletes: dict[str, int | list[int]] | None = None  # see `deletes`
        self.unknown_weight = 1.0
        self.evidence_needed = 1.0
        self.core = None  # the C view (matcher_core.make_core), when the extension is built

    # --- build -----------------------------------------------------------------------------------

    @classmethod
    def build(cls, items: Iterable[tuple[str, str, WatchlistEntry]]) -> NameIndex:
        self = cls()
        lists: dict[tuple[str, str], int] = {}
        vocab = self.vocab
        tokens = self.tokens
        df: list[int] = []
        postings: list[list[int]] = []
        cache: dict[str, tuple[int, ...]] = {}  # raw name -> token ids (repeated names are common)
        intern = sys.intern

        def tids_of(text: str) -> tuple[int, ...]:
            hit = cache.get(text)
            if hit is not None:
                return hit
            ids = []
            for t in name_tokens(text):
                tid = vocab.get(t)
                if tid is None:
                    tid = vocab[intern(t)] = len(tokens)
                    tokens.append(t)
                    df.append(0)
                    postings.append([])
                ids.append(tid)
            out = tuple(ids)
            if len(cache) < 2_000_000:
                cache[text] = out
            return out

        name_entry, name_kind, name_text = self.name_entry, self.name_kind, self.name_text
        name_offsets, flat = self.name_offsets, self.name_tokens
        for list_name, list_version, entry in items:
            key = (list_name, list_version)
            lid = lists.get(key)
            if lid is None:
                lid = lists[key] = len(self.list_names)
                self.list_names.append(list_name)
                self.list_versions.append(list_version)
            eid = len(self.entries)
            self.entries.append(entry)
            self.entry_list.append(lid)
            self.entry_person.append(entry.entry_type == EntryType.INDIVIDUAL)
            seen: set[tuple[int, ...]] = set()
            entry_tokens: set[int] = set()
            for kind, names in ((PRIMARY, (entry.primary_name,)), (ALIAS, entry.aliases), (WEAK_ALIAS, entry.weak_aliases)):
                for text in names:
                    ids = tids_of(text)
                    if not ids or ids in seen:
                        continue
                    seen.add(ids)
                    nid = len(name_text)
                    name_text.append(text)
                    name_entry.append(eid)
                    name_kind.append(kind)
                    flat.extend(ids)
                    name_offsets.append(len(flat))
                    for tid in set(ids):
                        postings[tid].append(nid)
                    entry_tokens.update(ids)
            for tid in entry_tokens:
                df[tid] += 1
        cache.clear()

        n_entries = max(len(self.entries), 1)
        self.df = array("i", df)
        post_offsets, post_flat = self.post_offsets, self.post_flat
        for p in postings:
            post_flat.extend(p)
            post_offsets.append(len(post_flat))
        postings.clear()
        self.token_cls = array("b", (token_class(t) for t in tokens))
        self.weight = array(
            "d", (class_weight(c, math.log(1.0 + n_entries / d)) for c, d in zip(self.token_cls, self.df))
        )
        self.person_weight = array(
            "d", (class_weight(c, math.log(1.0 + n_entries / d), True) for c, d in zip(self.token_cls, self.df))
        )
        weight, offsets = self.weight, self.name_offsets
        self.name_weight = array(
            "f", (sum(weight[t] for t in flat[offsets[n] : offsets[n + 1]]) for n in range(len(name_text)))
        )
        # A query token the lists never use is as rare as a token used once.
        self.unknown_weight = math.log(1.0 + n_entries)
        self.evidence_needed = S.EVIDENCE_FRACTION * math.log(1.0 + n_entries)
        self.core = matcher_core.make_core(self)
        if self.core is None:
            self._deletes = self._build_deletes()
        return self

    @property
    def compiled(self):
        """The C core when it is built and switched on (matcher_core.IMPLEMENTATION), else None."""
        return self.core if matcher_core.IMPLEMENTATION == "c" else None

    @property
    def deletes(self) -> dict[str, int | list[int]]:
        """The deletion neighbourhood map {one-deletion string: token id or ids} of the Python
        lookups. The C core keeps its own compact one, so with it this is built only if the Python
        code is switched on (two threads may both build it: the same dict, only time lost)."""
        deletes = self._deletes
        if deletes is None:
            deletes = self._deletes = self._build_deletes()
        return deletes

    def _build_deletes(self) -> dict[str, int | list[int]]:
        deletes: dict[str, int | list[int]] = {}
        for tid, t in enumerate(self.tokens):
            if len(t) < S.FUZZY_INDEX_MIN_LEN:
                continue
            for d in deletions(t, 1):
                prev = deletes.get(d)
                if prev is None:
                    deletes[d] = tid
                elif isinstance(prev, int):
                    deletes[d] = [prev, tid]
                else:
                    prev.append(tid)
        return deletes

    # --- lookups ---------------------------------------------------------------------------------

    @property
    def name_count(self) -> int:
        return len(self.name_text)

    def tokens_of(self, nid: int) -> array:
        return self.name_tokens[self.name_offsets[nid] : self.name_offsets[nid + 1]]

    def query_weight(self, token: str, person: bool = False) -> float:
        tid = self.vocab.get(token)
        if tid is not None:
            return (self.person_weight if person else self.weight)[tid]
        return class_weight(token_class(token), self.unknown_weight, person)

    @staticmethod
    def _fuzzy_depth(token: str, known: bool, max_depth: int) -> int:
        if len(token) < S.FUZZY_MIN_LEN:
            return 0
        return 2 if len(token) >= S.FUZZY_TWO_EDITS_LEN and not known and max_depth >= 2 else 1

    def fuzzy_tokens(self, token: str, known: bool = False, max_depth: int = 2) -> Iterator[int]:
        """Ids of vocabulary tokens that may be within the typo budget of `token` (unverified).
        A `known` token (itself listed) looks for one-edit spellings only: two-edit neighbours of
        a real name are other names. `max_depth` 1 looks for one-edit spellings only too."""
        vocab, deletes = self.vocab, self.deletes
        keys = {token}
        depth = self._fuzzy_depth(token, known, max_depth)
        if depth:
            keys |= deletions(token, depth)
        for k in keys:
            tid = vocab.get(k)
            if tid is not None:
                yield tid
            hit = deletes.get(k)
            if hit is not None:
                if isinstance(hit, int):
                    yield hit
                else:
                    yield from hit

    def fuzzy_partners(
        self, token: str, known: bool, max_depth: int, factor: float, min_sim: float
    ) -> list[tuple[int, float]]:
        """[(id, token_similarity * factor)] of the `fuzzy_tokens` of `token` where that is at least
        `min_sim`, by id (a fixed order: the set the lookups yield has none). In C when in use."""
        depth = self._fuzzy_depth(token, known, max_depth)
        core = self.compiled
        if core is not None:
            return core.fuzzy_partners(token, depth, factor, min_sim)
        tokens = self.tokens
        out = []
        for tid in sorted(set(self.fuzzy_tokens(token, known, max_depth))):
            s = S.token_similarity(token, tokens[tid]) * factor
            if s >= min_sim:
                out.append((tid, s))
        return out

    def split_tokens(self, token: str) -> list[int]:
        """A query token that is two listed tokens glued ("bankmaskan" -> "bank", "maskan"): for
        every split where both parts are known, the id of the part with fewer postings (enough
        to find the names; `align` scores the glued pair)."""
        out: list[int] = []
        vocab, off = self.vocab, self.post_offsets
        if len(token) < 2 * S.SPLIT_MIN_PART:
            return out
        for k in range(S.SPLIT_MIN_PART, len(token) - S.SPLIT_MIN_PART + 1):
            a = vocab.get(token[:k])
            if a is None:
                continue
            b = vocab.get(token[k:])
            if b is not None:
                out.append(a if off[a + 1] - off[a] <= off[b + 1] - off[b] else b)
        return out

    def candidates(
        self,
        variants: list[dict[int, float]],
        qweights: list[float],
        bound_weights: list[float],
        floor: float,
        slack: float,
        allowed_lists: set[int] | None,
        limit: int,
    ) -> list[int]:
        """Name ids worth scoring in full, best first.

        `variants[i]` maps the token ids that may match query token i to their similarity.
        Postings are walked rarest first; once the query weight left unwalked is too small for a
        name matching only those tokens to reach `floor`, the long postings of common tokens (a
        first name, a legal form) are skipped. Each name found gets an optimistic score bound from
        the weight it matched, the weight left unwalked and `slack` (what fuzzy matches the
        variant sets may have missed could add); names whose bound is under `floor` are dropped.
        `bound_weights` are the query weights for that bound: the least each token can cost.
        The C core does the same (identical results) when it is in use.
        """
        core = self.compiled
        if core is not None:
            return core.candidates(variants, qweights, bound_weights, floor, slack, allowed_lists, limit)
        off, weight = self.post_offsets, self.weight
        flat = memoryview(self.post_flat)
        sizes = [sum(off[t + 1] - off[t] for t in v) for v in variants]
        order = sorted(range(len(variants)), key=sizes.__getitem__)
        total = sum(qweights) or 1.0
        qmiss = S.QUERY_MISS
        need_fraction = floor * qmiss / (1.0 - floor + floor * qmiss) if floor < 1.0 else 1.0
        remaining = total
        acc: dict[int, float] = {}
        walked = 0
        unwalked = len(order)
        for i in order:
            # Short postings are always walked (fuzzy variant sets are not complete, so the bound
            # is only trusted to skip the long postings of common tokens).
            if acc and sizes[i] > S.ALWAYS_WALK_POSTINGS and remaining + slack < need_fraction * total:
                break
            unwalked -= 1
            remaining -= qweights[i]
            for tid, sim in variants[i].items():
                p = flat[off[tid] : off[tid + 1]]
                if walked > S.MAX_POSTINGS_WALKED and acc:
                    break
                walked += len(p)
                contribution = weight[tid] * sim
                get = acc.get
                for nid in p:
                    acc[nid] = get(nid, 0.0) + contribution
        if not acc:
            return []
        ne, el, nw = self.name_entry, self.entry_list, self.name_weight
        # Optimistic: the unwalked tokens all match, at their cheapest.
        total = sum(bound_weights) or 1.0
        extra = sum(bound_weights[i] for i in order[len(order) - unwalked :]) if unwalked else 0.0
        extra += slack
        nmiss = S.NAME_MISS_ENTITY
        scored: list[tuple[float, int]] = []
        # A name whose matched weight leaves m under need_fraction * total has a bound under floor
        # whatever its own weight: skip those without working the bound out.
        least = need_fraction * total - extra - 1e-9
        for nid, a in [item for item in acc.items() if item[1] >= least]:
            m = a + extra
            bound = m / (m + (qmiss * (total - m) if total > m else 0.0) + (nmiss * (nw[nid] - m) if nw[nid] > m else 0.0))
            if bound >= floor and (allowed_lists is None or el[ne[nid]] in allowed_lists):
                scored.append((bound + a * 1e-6, nid))
        if len(scored) > limit:
            scored = heapq.nlargest(limit, scored)
        else:
            scored.sort(reverse=True)
        return [nid for _, nid in scored]
