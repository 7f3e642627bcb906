"""Scoring a listed name against a query: IDF-weighted token alignment, then supporting fields.

score = matched / (paired weight + unmatched query weight * QUERY_MISS + unmatched name weight *
NAME_MISS + missing evidence), where matched = sum(similarity * weight) over aligned token pairs
and missing evidence pads names matched only on common tokens; a weak alias is scaled by
WEAK_ALIAS_FACTOR; then field adjustments (type, country, date of birth, identifier) are added and
the result is clamped to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA

# --- tuned constants (one-line reason each) ------------------------------------------------------

TUNED_ALERT_THRESHOLD = 0.75  # the alert threshold these constants were tuned for (the policy file holds the one in force)

FUZZY_MIN_LEN = 3  # shorter tokens only match exactly; the typo budget goes by the longer token of a pair
FUZZY_INDEX_MIN_LEN = 4  # listed tokens this long are filed under their deletions (shorter ones collide too much)
FUZZY_TWO_EDITS_LEN = 5  # from this length a token may carry two typos
FUZZY_THREE_EDITS_LEN = 11  # and from this length three
FIRST_LETTER_FREE_LEN = 7  # two edits in a shorter token must keep its first letter ("putin" is not "turin")
TYPO_COST = 0.75  # share of a token's similarity one edit per character costs: typos are likely, not proof
KNOWN_TOKEN_FUZZY = 0.8  # a short query token that is itself a listed token is a different name, not a typo
KNOWN_TOKEN_MAX_LEN = 5  # ... for short tokens only ("peng" is not "deng"); long variants stay typos
SPLIT_MIN_PART = 2  # a glued query token is looked up as two known parts of at least this length
COMPOUND_MIN_LEN = 4  # only tokens this long are tried against glued neighbours
COMPOUND_MIN_SIM = 0.85  # glued/split spellings may carry about one typo, no more: "muhammad" is not "al hammad"
MAX_POSTINGS_WALKED = 400_000  # bound on postings read per query, for the latency budget
ALWAYS_WALK_POSTINGS = 1000  # a query token with no more postings than this is always walked
UNSEEN_FUZZY_SIM = 0.8  # the most a fuzzy match the typo index cannot see is assumed to be worth
MAX_CANDIDATES = 60  # names rescored in full per query, picked by the rough posting score

INITIAL_SIM = 0.8  # "M" for "Mohammed" is likely, not certain
INITIAL_WEIGHT = 1.5  # an initial carries about log(26) of evidence, much less than a full token
LEGAL_FORM_WEIGHT = 0.3  # "LTD", "CORP", "OOO" say almost nothing about who the party is
STOPWORD_WEIGHT = 0.5  # "of", "the", "de" likewise
GENERIC_WORD_WEIGHT = 2.5  # "import", "trading", "international": what a company does, not which one
TITLE_WEIGHT = 0.3  # titles left inside a name ("Sheikh") likewise
LEGAL_CROSS_SIM = 0.6  # "LTD" against "LLC": both legal forms, not the same one

QUERY_MISS = 0.6  # an unmatched query token (a name the listed party does not have) is evidence against
NAME_MISS = 0.3  # an unmatched listed token counts less: queries often drop middle names
NAME_MISS_ENTITY = 0.15  # and less again in company names, often cited without descriptors ("RAYBEAM CO")
EVIDENCE_FRACTION = 0.75  # matched evidence below this share of log(N) is padded: one common token never alerts
EVIDENCE_DISCOUNT = 0.5  # matched tokens after the strongest add this share of their weight to the evidence
WHOLE_NAME_SLACK = 1.0  # left-over weight (legal forms, stopwords) that still counts as matching a whole name
WHOLE_NAME_SINGLE_SHARE = 0.8  # a whole one-word listed name needs this share of the evidence (a common first name still does not pass)
TYPO_MIN_SIM = 0.6  # fuzzy token pairs below this similarity are no match at all

TYPE_MISMATCH = -0.2  # an individual is not a company: a strong hint against
TYPE_MISMATCH_SOFT = -0.05  # entity vs vessel/aircraft: lists blur these
COUNTRY_MATCH = 0.03  # a shared country is weak evidence for (many parties share a country)
COUNTRY_CONFLICT = -0.05  # no shared country: weak evidence against (lists are incomplete)
DOB_MATCH = 0.06  # same date (as precise as both sides go) is good evidence for
DOB_CONFLICT = -0.12  # a different year of birth is good evidence against
DOB_YEAR_TOLERANCE = 1  # lists often give approximate years ("circa 1971")
IDENTIFIER_MATCH = 0.25  # the same passport / registration number is near-proof
WEAK_ALIAS_FACTOR = 0.92  # weak aliases (OFAC weak a.k.a., UN "Low") are scored lower


# --- explanation types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    query_token: str  # "" for a listed token no query token was paired with
    matched_token: str  # "" for a query token left unpaired
    similarity: float
    weight: float  # the pair's share of all the weight in play (rare tokens weigh more)


@dataclass(frozen=True)
class Adjustment:
    field: str  # "type", "country", "date_of_birth", "identifier", "weak_alias"
    delta: float
    reason: str


@dataclass(frozen=True)
class Explanation:
    token_pairs: tuple[TokenPair, ...]
    adjustments: tuple[Adjustment, ...]


# --- token similarity ----------------------------------------------------------------------------


def max_edits(length: int) -> int:
    """Typo budget for a pair of tokens whose longer side has this length."""
    if length < FUZZY_MIN_LEN:
        return 0
    if length < FUZZY_TWO_EDITS_LEN:
        return 1
    if length < FUZZY_THREE_EDITS_LEN:
        return 2
    return 3


_MAX_EDITS = tuple(max_edits(n) for n in range(FUZZY_THREE_EDITS_LEN + 1))


def _length_fits(a: int, b: int) -> bool:
    """Whether tokens of these lengths may be within the typo budget of the longer one."""
    longer = a if a > b else b
    budget = _MAX_EDITS[longer] if longer <= FUZZY_THREE_EDITS_LEN else 3
    return -budget <= a - b <= budget


def _joined_similarity(a: str, b: str, cache: dict[tuple[str, str], float] | None) -> float:
    """token_similarity of a glued spelling, remembered in `cache` (keyed by both strings)."""
    if cache is None:
        return token_similarity(a, b)
    key = (a, b)
    s = cache.get(key)
    if s is None:
        s = cache[key] = token_similarity(a, b)
    return s


def token_similarity(a: str, b: str) -> float:
    """1 for equal tokens; INITIAL_SIM for an initial and a token with that first letter; else
    1 - TYPO_COST * edits / longer length when the (optimal string alignment: a transposition
    counts once) edit distance is within the shorter token's typo budget; else 0."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if la == 1 or lb == 1:
        return INITIAL_SIM if a[0] == b[0] else 0.0
    budget = max_edits(max(la, lb))
    if budget == 0 or abs(la - lb) > budget:
        return 0.0
    d = OSA.distance(a, b, score_cutoff=budget)
    if d > budget or (d > 1 and a[0] != b[0] and max(la, lb) < FIRST_LETTER_FREE_LEN):
        return 0.0
    sim = 1.0 - TYPO_COST * d / max(la, lb)
    return sim if sim >= TYPO_MIN_SIM else 0.0


# --- alignment -----------------------------------------------------------------------------------


@dataclass
class Aligned:
    score: float
    pairs: list[tuple[str, str, float, float]]  # (query token, name token, similarity, weight share)
    matched: float


def _cand_order(c: tuple[float, float, int, int, int, int]) -> tuple:
    """Most similar first, then heaviest, then in reading order (first with first)."""
    return (-c[0], -c[1], c[2], c[4])


def _pair_similarity(q: str, t: str, cache: dict[str, float] | None, factor: float) -> float:
    s = cache.get(t) if cache is not None else None
    if s is None:
        s = token_similarity(q, t)
        if s < 1.0 and len(t) > 1 and len(q) > 1:
            s *= factor
            if s < TYPO_MIN_SIM:
                s = 0.0
        if cache is not None:
            cache[t] = s
    return s


def align(
    qtokens: list[str],
    qweights: list[float],
    qlegal: list[bool],
    ntokens: list[str],
    nweights: list[float],
    nlegal: list[bool],
    sims: list[dict[str, float]] | None = None,
    evidence_needed: float = 0.0,
    qfuzzy: list[float] | None = None,
    name_miss: float = NAME_MISS,
    fuzzy: bool = True,
    floor: float = 0.0,
    explain: bool = True,
    joined: dict[tuple[str, str], float] | None = None,
    plan: tuple[list, list] | None = None,
) -> Aligned | None:
    """Pairs query tokens with name tokens one to one: exact pairs first, then the rest most
    similar first (heavier first among equals). Among the tokens left after the exact pairs,
    glued and split spellings compete too: one query token against 2-3 consecutive name tokens
    ("bankmaskan" ~ "bank maskan") and 2-3 consecutive query tokens against one name token, if at
    most about one edit apart. With `fuzzy` false (romanised ideographs) they must match exactly.
    Returns the score before field adjustments and (with `explain`) the explanation's token pairs.

    With `floor` > 0, returns None as soon as a cheap upper bound (see `_score_bound_below`)
    proves the score is under `floor`; a name that could reach it is aligned in full. `joined`
    remembers the similarities of glued spellings across calls; `plan` is `glue_plan` of the
    query, when the caller aligns one query against many names."""
    nq, nn = len(qtokens), len(ntokens)
    min_joined = COMPOUND_MIN_SIM if fuzzy else 1.0
    cand: list[tuple[float, float, int, int, int, int]] = []  # (s, weight, q from, q to, n from, n to)
    for i in range(nq):
        q = qtokens[i]
        cache = sims[i] if sims is not None else None
        factor = qfuzzy[i] if qfuzzy is not None else 1.0
        qw = qweights[i]
        ql = qlegal[i]
        for j in range(nn):
            t = ntokens[j]
            s = cache.get(t) if cache is not None else None
            if s is None:
                s = _pair_similarity(q, t, cache, factor)
            if s == 0.0 and ql and nlegal[j]:
                s = LEGAL_CROSS_SIM
            if s > 0.0:
                # A fuzzy pair weighs what the rarer-looking side is worth at most: a common query
                # token ("mohammed") does not become rare evidence by nearly matching a rare
                # spelling ("mohammeds"). A typo (unknown query token) takes the listed weight.
                nw = nweights[j]
                w = nw if s == 1.0 or nw <= qw else qw
                cand.append((s, w, i, i + 1, j, j + 1))
    if floor > 0.0 and _score_bound_below(
        floor, cand, qtokens, qweights, qlegal, ntokens, nweights, nlegal, name_miss, min_joined, joined, plan
    ):
        return None
    qused = [False] * nq
    nused = [False] * nn
    # A pair: [q from, q to, n from, n to, similarity, numerator weight, denominator weight]
    pairs: list[list] = []

    def take(cands) -> None:
        for s, w, qa, qb, na, nb in cands:
            if any(qused[qa:qb]) or any(nused[na:nb]):
                continue
            for x in range(qa, qb):
                qused[x] = True
            for x in range(na, nb):
                nused[x] = True
            den = w
            if qb - qa == 1 and nb - na == 1 and (len(qtokens[qa]) == 1) != (len(ntokens[na]) == 1):
                # An initial against a full token: it proves only the first letter. The rest of the
                # full token's weight counts as if that token were unmatched.
                full_q = len(ntokens[na]) == 1
                full = qweights[qa] if full_q else nweights[na]
                w = min(full, INITIAL_WEIGHT)
                den = w + (QUERY_MISS if full_q else name_miss) * (full - w)
            pairs.append([qa, qb, na, nb, s, w, den])

    # Exact pairs first, then glued/split spellings among what is left, competing with the fuzzy pairs.
    cand.sort(key=_cand_order)
    take(c for c in cand if c[0] == 1.0)
    if (nq > 1 or nn > 1) and not all(qused) and not all(nused):
        for i in range(nq):
            lq = len(qtokens[i])
            if lq < COMPOUND_MIN_LEN or qlegal[i] or qused[i]:
                continue
            for j in range(nn - 1):
                if nused[j]:
                    continue
                length = len(ntokens[j])
                for k in range(j + 1, min(j + 3, nn)):
                    if nused[k]:
                        break
                    length += len(ntokens[k])
                    if _length_fits(length, lq):
                        s = _joined_similarity(qtokens[i], "".join(ntokens[j : k + 1]), joined)
                        if s >= min_joined:
                            cand.append((s, sum(nweights[j : k + 1]), i, i + 1, j, k + 1))
        for j in range(nn):
            ln = len(ntokens[j])
            if ln < COMPOUND_MIN_LEN or nlegal[j] or nused[j]:
                continue
            for i in range(nq - 1):
                if qused[i]:
                    continue
                length = len(qtokens[i])
                for k in range(i + 1, min(i + 3, nq)):
                    if qused[k]:
                        break
                    length += len(qtokens[k])
                    if _length_fits(length, ln):
                        s = _joined_similarity("".join(qtokens[i : k + 1]), ntokens[j], joined)
                        if s >= min_joined:
                            cand.append((s, nweights[j], i, k + 1, j, j + 1))
        cand.sort(key=_cand_order)
    take(cand)

    q_left = sum(qweights[i] for i in range(nq) if not qused[i])
    n_left = sum(nweights[j] for j in range(nn) if not nused[j])
    num = sum(p[4] * p[5] for p in pairs)
    paired = sum(p[6] for p in pairs)
    den = paired + QUERY_MISS * q_left + name_miss * n_left
    # Evidence: the strongest matched token counts fully, the others at a discount (tokens of one
    # name are correlated: "international" and "trading" often come together).
    contributions = sorted((p[4] * p[5] for p in pairs), reverse=True)
    evidence = contributions[0] + EVIDENCE_DISCOUNT * sum(contributions[1:]) if contributions else 0.0
    # ... unless the query is the whole listed name, in two tokens or more: a listed name made of
    # common words ("TECHNOLOGY AND DEVELOPMENT GROUP") is still that listed name.
    # A single-word listed name matched whole needs less ("SERCUBA LTD" is that company).
    left_over = q_left + n_left
    substantive = sum(1 for p in pairs if p[5] > LEGAL_FORM_WEIGHT)
    if left_over <= WHOLE_NAME_SLACK and substantive >= 2:
        evidence_needed = 0.0
    elif left_over <= WHOLE_NAME_SLACK and substantive == 1:
        evidence_needed *= WHOLE_NAME_SINGLE_SHARE
    den += max(0.0, evidence_needed - evidence)
    score = num / den if den > 0 else 0.0
    out: list[tuple[str, str, float, float]] = []
    if not explain:
        return Aligned(score, out, num)
    total = paired + q_left + n_left
    total = total or 1.0
    for qa, qb, na, nb, s, w, d in sorted(pairs):
        out.append((" ".join(qtokens[qa:qb]), " ".join(ntokens[na:nb]), s, d / total))
    for i in range(nq):
        if not qused[i]:
            out.append((qtokens[i], "", 0.0, qweights[i] / total))
    for j in range(nn):
        if not nused[j]:
            out.append(("", ntokens[j], 0.0, nweights[j] / total))
    return Aligned(score, out, num)


def glue_plan(qtokens: list[str], qweights: list[float], qlegal: list[bool]) -> tuple[list, list]:
    """What a query offers glued/split spellings, worked out once per query for `align`'s bound:
    the query tokens that may stand for 2-3 listed tokens [(index, length, weight)] and the runs
    of 2-3 query tokens that may stand for one listed token [(from, to, length, weight)]."""
    nq = len(qtokens)
    singles = [(i, len(qtokens[i]), qweights[i]) for i in range(nq) if len(qtokens[i]) >= COMPOUND_MIN_LEN and not qlegal[i]]
    runs = []
    for i in range(nq - 1):
        length = len(qtokens[i])
        wsum = qweights[i]
        for k in range(i + 1, min(i + 3, nq)):
            length += len(qtokens[k])
            wsum += qweights[k]
            runs.append((i, k + 1, length, wsum))
    return singles, runs


def _score_bound_below(
    floor: float,
    cand: list[tuple[float, float, int, int, int, int]],
    qtokens: list[str],
    qweights: list[float],
    qlegal: list[bool],
    ntokens: list[str],
    nweights: list[float],
    nlegal: list[bool],
    name_miss: float,
    min_joined: float,
    joined: dict[tuple[str, str], float] | None,
    plan: tuple[list, list] | None,
) -> bool:
    """Whether no pairing of these tokens can score `floor` or more (then `align` need not run).

    score >= X means num - X * den >= 0. With every token unpaired that is -X * (QUERY_MISS *
    query weight + name_miss * name weight); each pair then adds its own gain (s * w - X * d, plus
    the miss penalties of the tokens it takes). Pairs share no query token, so the sum of gains is
    at most the sum over query tokens of the best gain each could take part in (likewise over
    name tokens); a glued/split spelling counts at its own similarity (worked out only when it
    could raise a gain), and the evidence padding (never negative) is left out. If that
    optimistic total is still negative, the score is below X.
    """
    x = floor
    xq = x * QUERY_MISS
    xn = x * name_miss
    nq, nn = len(qtokens), len(ntokens)
    qgain = [0.0] * nq
    ngain = [0.0] * nn
    for s, w, i, _, j, _ in cand:
        q1 = len(qtokens[i]) == 1
        n1 = len(ntokens[j]) == 1
        if q1 != n1:
            full = qweights[i] if n1 else nweights[j]
            w = min(full, INITIAL_WEIGHT)
            d = w + (QUERY_MISS if n1 else name_miss) * (full - w)
        else:
            d = w
        g = s * w - x * d + xq * qweights[i] + xn * nweights[j]
        if g > qgain[i]:
            qgain[i] = g
        if g > ngain[j]:
            ngain[j] = g
    base = xq * sum(qweights) + xn * sum(nweights)
    limit = base - 1e-9 * (1.0 + base)
    if min(sum(qgain), sum(ngain)) >= limit:
        return False  # glued/split spellings could only add to the gains
    if nq == 1 and nn == 1:
        return True
    # Glued/split spellings: a pair's gain at similarity 1 first; only one that would raise a
    # token's best gain has its similarity worked out (and counts only if align would take it).
    singles, runs = plan if plan is not None else glue_plan(qtokens, qweights, qlegal)
    c = 1.0 - x + xn
    me = _MAX_EDITS
    top = FUZZY_THREE_EDITS_LEN
    if singles and nn > 1:
        for j in range(nn - 1):
            length = len(ntokens[j])
            wsum = nweights[j]
            for k in range(j + 1, min(j + 3, nn)):
                length += len(ntokens[k])
                wsum += nweights[k]
                for i, lq, qw in singles:
                    diff = length - lq
                    if diff > 3 or diff < -3:
                        continue
                    budget = me[length if length > lq else lq] if length <= top and lq <= top else 3
                    if diff > budget or -diff > budget:
                        continue
                    g = c * wsum + xq * qw
                    share = g / (k + 1 - j)
                    if g <= qgain[i] and all(share <= ngain[y] for y in range(j, k + 1)):
                        continue
                    s = _joined_similarity(qtokens[i], "".join(ntokens[j : k + 1]), joined)
                    if s < min_joined:
                        continue
                    g = (s - x + xn) * wsum + xq * qw
                    share = g / (k + 1 - j)
                    if g > qgain[i]:
                        qgain[i] = g
                    for y in range(j, k + 1):
                        if share > ngain[y]:
                            ngain[y] = share
    if runs:
        for j in range(nn):
            ln = len(ntokens[j])
            if ln < COMPOUND_MIN_LEN or nlegal[j]:
                continue
            nw = nweights[j]
            for i, k, length, wsum in runs:
                diff = length - ln
                if diff > 3 or diff < -3:
                    continue
                budget = me[length if length > ln else ln] if length <= top and ln <= top else 3
                if diff > budget or -diff > budget:
                    continue
                g = c * nw + xq * wsum
                share = g / (k - i)
                if g <= ngain[j] and all(share <= qgain[y] for y in range(i, k)):
                    continue
                s = _joined_similarity("".join(qtokens[i:k]), ntokens[j], joined)
                if s < min_joined:
                    continue
                g = (s - x + xn) * nw + xq * wsum
                share = g / (k - i)
                if g > ngain[j]:
                    ngain[j] = g
                for y in range(i, k):
                    if share > qgain[y]:
                        qgain[y] = share
    return min(sum(qgain), sum(ngain)) < limit


# --- supporting fields ---------------------------------------------------------------------------


def _norm_id(value: str) -> str:
    return "".join(ch for ch in value.casefold() if ch.isalnum())


def _dob_compare(query: str, listed: tuple[str, ...]) -> int:
    """+1 when a listed date agrees with the query as far as both are precise, -1 when every listed
    date's year is off by more than the tolerance, 0 when unknown."""
    if not query or not listed:
        return 0
    usable = [d for d in listed if len(d) >= 4 and d[:4].isdigit()]
    if not usable or not query[:4].isdigit():
        return 0
    qy = int(query[:4])
    for d in usable:
        n = min(len(d), len(query))
        if d[:n] == query[:n]:
            return 1
    if all(abs(int(d[:4]) - qy) > DOB_YEAR_TOLERANCE for d in usable):
        return -1
    return 0


def field_adjustments(query, entry) -> list[Adjustment]:
    """How the query's supporting fields move the score of a listed entry."""
    out: list[Adjustment] = []
    if query.entry_type is not None and query.entry_type != entry.entry_type:
        individual = "individual"
        if individual in (query.entry_type, entry.entry_type):
            out.append(Adjustment("type", TYPE_MISMATCH, f"query is {query.entry_type}, listed party is {entry.entry_type}"))
        else:
            out.append(Adjustment("type", TYPE_MISMATCH_SOFT, f"query is {query.entry_type}, listed party is {entry.entry_type}"))
    if query.countries and entry.countries:
        shared = set(c.upper() for c in query.countries) & set(c.upper() for c in entry.countries)
        if shared:
            out.append(Adjustment("country", COUNTRY_MATCH, f"shared country {', '.join(sorted(shared))}"))
        else:
            out.append(Adjustment("country", COUNTRY_CONFLICT, "no country in common"))
    dob = _dob_compare(query.date_of_birth, entry.dates_of_birth)
    if dob > 0:
        out.append(Adjustment("date_of_birth", DOB_MATCH, f"date of birth {query.date_of_birth} agrees"))
    elif dob < 0:
        out.append(Adjustment("date_of_birth", DOB_CONFLICT, f"date of birth {query.date_of_birth} differs"))
    if query.identifiers and entry.identifiers:
        listed = {_norm_id(i.value): i for i in entry.identifiers if _norm_id(i.value)}
        for q in query.identifiers:
            hit = listed.get(_norm_id(q))
            if hit is not None:
                out.append(Adjustment("identifier", IDENTIFIER_MATCH, f"{hit.type or 'identifier'} {hit.value} matches"))
                break
    return out
