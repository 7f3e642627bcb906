"""The screening index on a small built list: what must alert, what must not, and why."""

from __future__ import annotations

import random

import pytest

from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, WatchlistEntry
from knownparty_service.domain.watchlists.scoring import TUNED_ALERT_THRESHOLD, WEAK_ALIAS_FACTOR
from knownparty_service.domain.watchlists.screening import Match, ScreeningIndex, ScreeningQuery

ALERT = TUNED_ALERT_THRESHOLD
I, E = EntryType.INDIVIDUAL, EntryType.ENTITY

LISTED = [
    WatchlistEntry("1", E, "BANCO NACIONAL DE CUBA", aliases=("NATIONAL BANK OF CUBA",), weak_aliases=("BNC",)),
    WatchlistEntry("2", E, "HIRMAND SHIPPING COMPANY LIMITED"),
    WatchlistEntry("3", E, "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU LADOGA MENEDZHMENT"),
    WatchlistEntry("4", I, "AL-ASSAD, Maher", countries=("SY",), dates_of_birth=("1967-12-08",),
                   identifiers=(EntryIdentifier("Passport", "N-0012345", "SY"),)),
    WatchlistEntry("5", I, "HABBASH, George"),
    WatchlistEntry("6", I, "PUTIN, Vladimir Vladimirovich"),
    WatchlistEntry("7", I, "FAYSAL AHMAD BIN ALI AL-ZAHRANI", aliases=("فيصل احمد بن علي الزهراني",)),
    WatchlistEntry("8", I, "ZHANG, Taotao"),
    WatchlistEntry("9", E, "EMMA GROUP CORP"),
    WatchlistEntry("10", E, "MAGUS HOLDING II, CORP."),
    WatchlistEntry("11", I, "MOHAMMED, Ali Hassan"),
    WatchlistEntry("12", I, "AL-MADANI, Mustafa Mohammed"),
    WatchlistEntry("13", I, "GARCIA MOLINA, Gener"),
    WatchlistEntry("14", E, "KOKSOKHIMTRANS LTD"),
    WatchlistEntry("15", E, "BANK MASKAN"),
    WatchlistEntry("16", I, "ÉCOBU, Patrick"),
]
OTHER_LIST = [WatchlistEntry("U1", E, "HIRMAND SHIPPING CO LTD")]

FIRST = ["Mohammed", "Ali", "Ahmed", "John", "Maria", "Hassan", "Omar", "George", "Anna", "Jose"]


def _filler(n: int) -> list[WatchlistEntry]:
    """Deterministic background population, so common first names and legal forms are common."""
    rng = random.Random(7)
    syllables = "ka lo mi ra su te vo ni ba de fu go ha ji ke lu ma no pe ri sa to ve zu".split()
    out = []
    for k in range(n):
        surname = "".join(rng.choice(syllables) for _ in range(3)).upper()
        if k % 3:
            out.append(WatchlistEntry(f"F{k}", I, f"{surname}, {rng.choice(FIRST)} {rng.choice(FIRST)}"))
        else:
            out.append(WatchlistEntry(f"F{k}", E, f"{surname} TRADING {rng.choice(['LTD', 'CORP', 'CO', 'LLC', 'S.A.'])}"))
    return out


@pytest.fixture(scope="module")
def index() -> ScreeningIndex:
    items = [("ofac-sdn", "3", e) for e in LISTED + _filler(600)] + [("un", "7", e) for e in OTHER_LIST]
    return ScreeningIndex.build(items)


def screen(index: ScreeningIndex, name: str, min_score: float = ALERT, **fields) -> list[Match]:
    return index.screen(ScreeningQuery(name, **fields), min_score=min_score, limit=10)


def top_id(matches: list[Match]) -> str | None:
    return matches[0].entry.source_id if matches else None


# --- what must alert -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "source_id"),
    [
        ("BANCO NACIONAL DE CUBA", "1"),  # exact
        ("banco nacional de cuba", "1"),  # case
        ("BANCO NACIONAL DE CUVA", "1"),  # one typo
        ("BANKO NACINAL DE CUBA", "1"),  # two typos in two tokens
        ("HIRMAND SHIPING COMPANY LIMITED", "2"),  # typo
        ("KOKSOHKIMTRANS LTD", "14"),  # transposition in a long token
        ("Maher AL-ASSAD", "4"),  # reordered
        ("ASSAD, Maher al", "4"),  # "SURNAME, Given", particle moved
        ("AL-ASSADMaher", "4"),  # joined tokens, camel case
        ("ALASSAD MAHER", "4"),  # joined particle
        ("BANKMASKAN", "15"),  # joined all caps
        ("Gener GARCIA MOLINA", "13"),  # last-first
        ("Gener GARCIA", "13"),  # dropped second surname
        ("ECOBU, Patrick", "16"),  # accent dropped
        ("Écobu Patrick", "16"),  # accent kept
        ("ALMADANI Mustafa M.", "12"),  # initial for a full middle name
    ],
)
def test_variations_alert(index, query, source_id):
    matches = screen(index, query)
    assert top_id(matches) == source_id, [(m.matched_name, round(m.score, 3)) for m in matches]


@pytest.mark.parametrize(
    ("query", "source_id"),
    [
        ("HIRMAND SHIPPING CO LTD", "2"),
        ("HIRMAND SHIPPING COMPANY LTD", "2"),
        ("HIRMAND SHIPPING CO., LIMITED", "2"),
        ("OOO LADOGA MENEDZHMENT", "3"),  # OOO = obshchestvo s ogranichennoi otvetstvennostyu
        ("LADOGA MENEDZHMENT LLC", "3"),
        ("ООО ЛАДОГА МЕНЕДЖМЕНТ", "3"),  # Cyrillic, legal form included
    ],
)
def test_legal_form_variants_alert(index, query, source_id):
    matches = screen(index, query)
    assert source_id in {m.entry.source_id for m in matches if m.list_name == "ofac-sdn"}


def test_transliteration_cyrillic(index):
    assert top_id(screen(index, "Владимир Путин")) == "6"


def test_transliteration_arabic_alias(index):
    matches = screen(index, "فيصل احمد بن علي الزهراني")
    assert top_id(matches) == "7"
    assert matches[0].score == pytest.approx(1.0)


def test_transliteration_cjk_joins_syllables(index):
    matches = screen(index, "张涛涛")
    assert top_id(matches) == "8"
    assert matches[0].matched_name == "ZHANG, Taotao"


# --- what must not alert -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "CORP",  # a legal form alone
        "LIMITED",
        "CO LTD",
        "emma daniels",  # one common-ish token shared with "EMMA GROUP CORP"
        "George Bush",  # "George" shared with "HABBASH, George"; Bush is not Habbash
        "Mohammed",  # a common first name alone
        "Ali",
        "Hassan",
        "Maria Jose",  # two common first names
        "Trading Company",  # generic company words
    ],
)
def test_does_not_alert(index, query):
    matches = screen(index, query)
    assert matches == [], [(m.matched_name, round(m.score, 3)) for m in matches]


def test_george_bush_scores_far_below_george_habbash(index):
    bush = [m for m in screen(index, "George Bush", min_score=0.0) if m.entry.source_id == "5"]
    habbash = [m for m in screen(index, "George Habbash", min_score=0.0) if m.entry.source_id == "5"]
    assert habbash and habbash[0].score >= ALERT
    assert not bush or bush[0].score < ALERT - 0.2


def test_ideographic_syllables_need_exact_matches(index):
    # "peng tao tao" is not a typo of "zhang tao tao": romanised Han syllables do not match fuzzily.
    assert screen(index, "彭涛涛") == []


# --- list filter, limits, explanation ------------------------------------------------------------


def test_list_filter(index):
    both = {m.list_name for m in screen(index, "HIRMAND SHIPPING COMPANY LIMITED")}
    assert both == {"ofac-sdn", "un"}
    only_un = index.screen(
        ScreeningQuery("HIRMAND SHIPPING COMPANY LIMITED"), min_score=ALERT, limit=10, lists=frozenset({"un"})
    )
    assert [m.list_name for m in only_un] == ["un"]
    assert only_un[0].list_version == "7"
    assert index.screen(ScreeningQuery("HIRMAND SHIPPING"), min_score=0.0, limit=10, lists=frozenset({"nope"})) == []


def test_limit_and_order(index):
    matches = index.screen(ScreeningQuery("HIRMAND SHIPPING COMPANY LIMITED"), min_score=0.0, limit=1)
    assert len(matches) == 1
    many = index.screen(ScreeningQuery("Mohammed Ali"), min_score=0.0, limit=5)
    assert [m.score for m in many] == sorted((m.score for m in many), reverse=True)


def test_empty_query(index):
    assert screen(index, "  ,. ", min_score=0.0) == []


def test_explanation_pairs_tokens(index):
    match = screen(index, "Maher AL-ASADD")[0]
    pairs = {(p.query_token, p.matched_token): p for p in match.explanation.token_pairs}
    assert pairs[("maher", "maher")].similarity == 1.0
    typo = pairs[("asadd", "assad")]
    assert 0.6 < typo.similarity < 1.0
    assert sum(p.weight for p in match.explanation.token_pairs) == pytest.approx(1.0)
    # The rare surname weighs more than the particle "al".
    assert typo.weight > pairs[("al", "al")].weight
    assert match.explanation.adjustments == ()


def test_explanation_shows_unmatched_tokens(index):
    match = screen(index, "Gener GARCIA", min_score=0.0)[0]
    unpaired = [p for p in match.explanation.token_pairs if not p.query_token]
    assert [p.matched_token for p in unpaired] == ["molina"]
    assert unpaired[0].similarity == 0.0


def test_weak_alias_scores_lower_and_says_so(index):
    strong = screen(index, "NATIONAL BANK OF CUBA", min_score=0.0)[0]
    assert strong.matched_name == "NATIONAL BANK OF CUBA"
    weak = [m for m in screen(index, "BNC", min_score=0.0) if m.entry.source_id == "1"]
    assert weak[0].matched_name == "BNC"
    assert weak[0].score == pytest.approx(WEAK_ALIAS_FACTOR)
    assert weak[0].explanation.adjustments[0].field == "weak_alias"
    assert weak[0].explanation.adjustments[0].delta < 0


# --- supporting fields move the score ------------------------------------------------------------


def _score(index, name, **fields) -> tuple[float, dict[str, float]]:
    match = next(m for m in screen(index, name, min_score=0.0, **fields) if m.entry.source_id == "4")
    return match.score, {a.field: a.delta for a in match.explanation.adjustments}


def test_type_mismatch_lowers_score(index):
    base, _ = _score(index, "Maher AL ASAD")
    entity, adj = _score(index, "Maher AL ASAD", entry_type=EntryType.ENTITY)
    person, adj_person = _score(index, "Maher AL ASAD", entry_type=EntryType.INDIVIDUAL)
    assert entity < base and adj["type"] < 0
    assert person == pytest.approx(base) and "type" not in adj_person


def test_country_overlap_and_conflict(index):
    base, _ = _score(index, "Maher AL ASAD")
    same, adj = _score(index, "Maher AL ASAD", countries=("SY",))
    other, adj2 = _score(index, "Maher AL ASAD", countries=("FR",))
    assert same > base and adj["country"] > 0
    assert other < base and adj2["country"] < 0


def test_date_of_birth_match_and_conflict(index):
    base, _ = _score(index, "Maher AL ASAD")
    same, adj = _score(index, "Maher AL ASAD", date_of_birth="1967")
    exact, _ = _score(index, "Maher AL ASAD", date_of_birth="1967-12-08")
    other, adj2 = _score(index, "Maher AL ASAD", date_of_birth="1990-01-01")
    near, adj3 = _score(index, "Maher AL ASAD", date_of_birth="1968")
    assert same > base and exact == pytest.approx(same) and adj["date_of_birth"] > 0
    assert other < base and adj2["date_of_birth"] < 0
    assert near == pytest.approx(base) and "date_of_birth" not in adj3  # within a year: unknown


def test_identifier_match_lifts_strongly(index):
    base, _ = _score(index, "Maher AL ASAD")
    hit, adj = _score(index, "Maher AL ASAD", identifiers=("n0012345",))
    miss, adj2 = _score(index, "Maher AL ASAD", identifiers=("X999",))
    assert hit > base and adj["identifier"] >= 0.2
    assert miss == pytest.approx(base) and "identifier" not in adj2


def test_identifier_lifts_a_weak_name_match_over_the_threshold(index):
    weak = [m for m in screen(index, "M. ASSAD", min_score=0.0) if m.entry.source_id == "4"]
    assert weak and weak[0].score < ALERT
    lifted = screen(index, "M. ASSAD", identifiers=("N-0012345",))
    assert top_id(lifted) == "4"


def test_align_bound_never_prunes_a_name_that_reaches_the_floor() -> None:
    """`align` with a floor skips the full alignment only when its bound proves the score is under
    the floor: random token lists (typos, initials, glued and split spellings, legal forms)."""
    from knownparty_service.domain.watchlists import scoring as S

    rng = random.Random(5)
    words = ["bank", "maskan", "bankmaskan", "mohammed", "mohamed", "ali", "al", "hassan", "hasan", "m", "a",
             "ltd", "co", "trading", "tradingco", "putin", "vladimir", "vladimirovich", "zhang", "taotao", "tao"]
    pruned = 0
    for _ in range(3000):
        q = rng.sample(words, rng.randint(1, 4))
        n = rng.sample(words, rng.randint(1, 4))
        qw = [rng.uniform(0.3, 9.0) for _ in q]
        nw = [rng.uniform(0.3, 9.0) for _ in n]
        ql = [t in ("ltd", "co") for t in q]
        nl = [t in ("ltd", "co") for t in n]
        args = (q, qw, ql, n, nw, nl, [{} for _ in q], rng.uniform(0.0, 6.0), [1.0] * len(q),
                rng.choice([S.NAME_MISS, S.NAME_MISS_ENTITY]), rng.random() < 0.9)
        full = S.align(*args)
        for floor in (0.3, 0.6, 0.75, 0.9):
            quick = S.align(*args, floor=floor, explain=False, joined={})
            if quick is None:
                pruned += 1
                assert full.score < floor, (q, n, floor, full.score)
            else:
                assert quick.score == full.score
    assert pruned > 1000  # the bound does prune


def test_per_token_caches_do_not_change_answers(index: ScreeningIndex) -> None:
    """The same queries on a fresh index and on one whose caches are warm (in another order, with
    other types) give the same matches, scores and explanations."""
    queries = ["Banco Nacional de Cuba", "BANK MASKAN", "bankmaskan", "Vladimir Putin", "M. Hassan Ali",
               "Mohammed Ali", "Hirmand Shipping Co", "Zhang Tao Tao", "Maher Al Assad", "Ladoga Menedzhment"]

    def run(ix: ScreeningIndex, order: list[str]) -> dict:
        out = {}
        for q in order:
            for t in (None, I, E):
                for floor in (ALERT, 0.4):
                    out[q, t, floor] = [
                        (m.entry.source_id, m.matched_name, m.score, m.explanation)
                        for m in ix.screen(ScreeningQuery(q, entry_type=t), min_score=floor, limit=10)
                    ]
        return out

    fresh = ScreeningIndex(index._ix)
    warm = ScreeningIndex(index._ix)
    run(warm, list(reversed(queries)) * 2)
    assert run(warm, queries) == run(fresh, queries)
