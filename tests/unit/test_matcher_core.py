"""The compiled matcher (`_matchcore`) against the pure-Python one: identical matches, scores and
explanations on the real lists, on generated queries, and for single token pairs.

Both run in this process: `matcher_core.use` switches the implementation, and each side screens
through its own ScreeningIndex (the per-token caches are per ScreeningIndex) over one NameIndex.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knownparty_service.domain.watchlists import matcher_core
from knownparty_service.domain.watchlists import scoring as S
from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, ListFormat, WatchlistEntry
from knownparty_service.domain.watchlists.screening import Match, ScreeningIndex, ScreeningQuery

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval" / "screening-dev.jsonl"
WATCHLISTS = SHARED / "data" / "watchlists"
CI = os.environ.get("CI", "").lower() == "true"
I, E = EntryType.INDIVIDUAL, EntryType.ENTITY

needs_c = pytest.mark.skipif(not matcher_core.AVAILABLE and not CI, reason="the _matchcore extension is not built")


def _require(*paths: Path) -> None:
    """Shared data this test needs: skipped (with the reason shown) locally, a failure under CI."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        if CI:
            pytest.fail(f"missing under CI: {missing}")
        pytest.skip(f"shared data not found: {missing}")


def _ensure_c() -> None:
    if not matcher_core.AVAILABLE:
        pytest.fail("the _matchcore extension is not built")


class Both:
    """One NameIndex screened by each implementation through its own ScreeningIndex."""

    def __init__(self, index: ScreeningIndex) -> None:
        self.c = ScreeningIndex(index._ix)
        self.py = ScreeningIndex(index._ix)

    def screen(self, query: ScreeningQuery, **kwargs) -> tuple[list[Match], list[Match]]:
        try:
            matcher_core.use("c")
            got_c = self.c.screen(query, **kwargs)
            matcher_core.use("python")
            got_py = self.py.screen(query, **kwargs)
        finally:
            matcher_core.use("c")
        return got_c, got_py


@pytest.fixture(autouse=True)
def _restore_implementation():
    before = matcher_core.IMPLEMENTATION
    yield
    matcher_core.IMPLEMENTATION = before


# --- which implementation runs ----------------------------------------------------------------


def test_the_c_matcher_is_in_use_under_ci():
    if not CI:
        pytest.skip("checked under CI=true (locally the Python fallback is allowed)")
    assert matcher_core.AVAILABLE and matcher_core.IMPLEMENTATION == "c"


@needs_c
def test_an_in_place_build_is_not_older_than_its_source():
    """`pip install -e .` builds the module next to its source: an edited .c must be rebuilt
    (`make test` does), or these tests would compare the Python code with an old build."""
    _ensure_c()
    from knownparty_service.domain.watchlists import _matchcore

    built = Path(_matchcore.__file__)
    source = built.parent / "_matchcore.c"
    if not source.exists() or built.parent != ROOT / "service" / "knownparty_service" / "domain" / "watchlists":
        pytest.skip("installed from a wheel, not built in place")
    assert built.stat().st_mtime >= source.stat().st_mtime, "rebuild it: pip install -e . (or make test)"


def test_the_environment_variable_selects_the_python_matcher():
    code = "from knownparty_service.domain.watchlists import matcher_core as m; print(m.IMPLEMENTATION)"
    env = {**os.environ, matcher_core.PURE_PYTHON_ENV: "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "python"
    env.pop(matcher_core.PURE_PYTHON_ENV)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("c" if matcher_core.AVAILABLE else "python")


def test_use_refuses_an_unknown_implementation():
    with pytest.raises(ValueError):
        matcher_core.use("rust")


# --- (a) every query of the dev set, real lists -------------------------------------------------


def _load_real_lists() -> list[tuple[str, str, WatchlistEntry]]:
    from knownparty_service.domain.watchlists.formats import parse_list

    sdn_dir = WATCHLISTS / "ofac-sdn"
    sdn_files = {
        role: (name, (sdn_dir / name).read_bytes())
        for role, name in (("sdn", "sdn.csv"), ("alt", "alt.csv"), ("add", "add.csv"), ("comments", "sdn_comments.csv"))
        if (sdn_dir / name).exists()
    }
    un_path = WATCHLISTS / "un" / "UN_consolidated.xml"
    sdn = parse_list(ListFormat.OFAC_SDN, sdn_files)
    un = parse_list(ListFormat.UN, {"un": (un_path.name, un_path.read_bytes())})
    return [("ofac-sdn", "dev", e) for e in sdn] + [("un", "dev", e) for e in un]


@pytest.fixture(scope="module")
def real() -> tuple[Both, list[dict], dict]:
    _require(EVAL, WATCHLISTS / "ofac-sdn" / "sdn.csv", WATCHLISTS / "un" / "UN_consolidated.xml")
    items = _load_real_lists()
    rows = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {(list_name, e.source_id): e for list_name, _, e in items}
    return Both(ScreeningIndex.build(items)), rows, by_id


def _fields(row: dict, by_id: dict, k: int) -> dict:
    """Supporting fields: the expected entry's own (they lift its score) or, for every other
    row, ones that agree with some listed parties and conflict with others."""
    entry = by_id.get(tuple(row["expect"])) if row["expect"] else None
    if entry is not None and k % 2:
        return {"countries": entry.countries[:2], "date_of_birth": (entry.dates_of_birth or ("",))[0]}
    return {"countries": ("IR", "RU")[: 1 + k % 2], "date_of_birth": ("1965", "1971-05", "")[k % 3]}


@needs_c
@pytest.mark.parametrize("min_score", [S.TUNED_ALERT_THRESHOLD, 0.5])
@pytest.mark.parametrize("variant", ["name", "fields", "list_filter"])
def test_every_dev_query_gives_identical_matches(real, min_score, variant):
    _ensure_c()
    both, rows, by_id = real
    differ = []
    matched = 0
    for k, row in enumerate(rows):
        fields = _fields(row, by_id, k) if variant == "fields" else {}
        entry_type = EntryType(row["type"]) if row["type"] else (E if k % 5 == 0 else None)
        query = ScreeningQuery(name=row["query"], entry_type=entry_type, **fields)
        lists = frozenset({"un"}) if variant == "list_filter" else None
        got_c, got_py = both.screen(query, min_score=min_score, limit=10, lists=lists)
        matched += bool(got_py)
        if got_c != got_py:
            differ.append(row["query"])
    assert not differ, f"{len(differ)} queries differ, first: {differ[:5]}"
    assert matched > (50 if variant == "list_filter" else 500)  # the comparison is not vacuous


# --- (b) generated queries on a small index ------------------------------------------------------

SMALL = [
    WatchlistEntry("1", E, "BANCO NACIONAL DE CUBA", aliases=("NATIONAL BANK OF CUBA",), weak_aliases=("BNC",)),
    WatchlistEntry("2", E, "HIRMAND SHIPPING COMPANY LIMITED", countries=("IR",)),
    WatchlistEntry("3", E, "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU LADOGA MENEDZHMENT"),
    WatchlistEntry("4", I, "AL-ASSAD, Maher", countries=("SY",), dates_of_birth=("1967-12-08",),
                   identifiers=(EntryIdentifier("Passport", "N-0012345", "SY"),)),
    WatchlistEntry("5", I, "HABBASH, George", weak_aliases=("Al-Hakim",)),
    WatchlistEntry("6", I, "PUTIN, Vladimir Vladimirovich", aliases=("Путин Владимир Владимирович",)),
    WatchlistEntry("7", I, "FAYSAL AHMAD BIN ALI AL-ZAHRANI", aliases=("فيصل احمد بن علي الزهراني",)),
    WatchlistEntry("8", I, "ZHANG, Taotao", aliases=("张涛涛",)),
    WatchlistEntry("9", E, "EMMA GROUP CORP"),
    WatchlistEntry("10", E, "MAGUS HOLDING II, CORP."),
    WatchlistEntry("11", I, "MOHAMMED, Ali Hassan", dates_of_birth=("1971",)),
    WatchlistEntry("12", I, "AL-MADANI, Mustafa Mohammed"),
    WatchlistEntry("13", I, "GARCIA MOLINA, Gener", countries=("CO", "VE")),
    WatchlistEntry("14", E, "KOKSOKHIMTRANS LTD", aliases=("KOKS OKHIM TRANS",)),
    WatchlistEntry("15", E, "BANK MASKAN"),
    WatchlistEntry("16", I, "ÉCOBU, Patrick"),
    WatchlistEntry("17", E, "SHIPPING INTERNATIONAL TRADING CO., LTD."),
    WatchlistEntry("18", I, "KIM, Jong Un", aliases=("김정은",)),
    WatchlistEntry("19", E, "TECHNOLOGY AND DEVELOPMENT GROUP"),
    WatchlistEntry("20", I, "THOMAS SA, Anna", weak_aliases=("Ana",)),
    WatchlistEntry("21", E, "SERCUBA LTD"),
    WatchlistEntry("22", I, "MOHAMED, Ali", aliases=("MUHAMMAD ALI",)),
    WatchlistEntry("23", E, "GLOBAL ENERGY IMPORT EXPORT GMBH"),
    WatchlistEntry("24", I, "O'NEILL-MACDONALD, Mary Jo"),
]
OTHER = [WatchlistEntry("U1", E, "HIRMAND SHIPPING CO LTD"), WatchlistEntry("U2", I, "AL ASSAD, Bashar")]
NAMES = [n for e in SMALL + OTHER for n in (e.primary_name, *e.aliases, *e.weak_aliases)]
LEGAL = ["LTD", "LLC", "CO", "CORP", "INC", "GMBH", "S.A.", "JSC", "OOO", "LIMITED", "COMPANY"]
SCRIPTS = ["Мухаммед Али", "محمد علي", "阿里", "김정은", "Ηρακλής", "हसन", "ÉCOBÜ Patrïck"]


@cache
def _small() -> Both:
    items = [("ofac-sdn", "3", e) for e in SMALL] + [("un", "7", e) for e in OTHER]
    # A background of common first names and legal forms, so weights vary as in real lists.
    first = ["Mohammed", "Ali", "Ahmed", "John", "Maria", "Hassan", "Omar", "George", "Anna", "Jose"]
    for k in range(300):
        surname = "".join(("ka", "lo", "mi", "ra", "su", "te", "vo", "ni")[(k * 7 + j * 3) % 8] for j in range(3))
        if k % 3:
            entry = WatchlistEntry(f"F{k}", I, f"{surname.upper()}, {first[k % 10]} {first[(k // 10) % 10]}")
        else:
            entry = WatchlistEntry(f"F{k}", E, f"{surname.upper()} TRADING {LEGAL[k % len(LEGAL)]}")
        items.append(("ofac-sdn", "3", entry))
    return Both(ScreeningIndex.build(items))


@st.composite
def mutated_names(draw) -> str:
    tokens = draw(st.sampled_from(NAMES)).replace(",", "").split()
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["typo", "glue", "split", "initial", "reorder", "legal", "drop", "script"]))
        k = draw(st.integers(0, max(len(tokens) - 1, 0)))
        if not tokens:
            break
        t = tokens[k]
        if op == "typo" and len(t) > 1:
            i = draw(st.integers(0, len(t) - 1))
            kind = draw(st.sampled_from(["sub", "del", "ins", "swap"]))
            ch = draw(st.sampled_from("aeiouhnrstmy"))
            if kind == "sub":
                t = t[:i] + ch + t[i + 1 :]
            elif kind == "del":
                t = t[:i] + t[i + 1 :]
            elif kind == "ins":
                t = t[:i] + ch + t[i:]
            elif i + 1 < len(t):
                t = t[:i] + t[i + 1] + t[i] + t[i + 2 :]
            tokens[k] = t
        elif op == "glue" and k + 1 < len(tokens):
            tokens[k : k + 2] = [tokens[k] + tokens[k + 1]]
        elif op == "split" and len(t) >= 4:
            i = draw(st.integers(1, len(t) - 1))
            tokens[k : k + 1] = [t[:i], t[i:]]
        elif op == "initial":
            tokens[k] = t[0] + draw(st.sampled_from(["", "."]))
        elif op == "reorder":
            tokens = draw(st.permutations(tokens))
        elif op == "legal":
            tokens.append(draw(st.sampled_from(LEGAL)))
        elif op == "drop" and len(tokens) > 1:
            del tokens[k]
        elif op == "script":
            tokens[k] = draw(st.sampled_from(SCRIPTS))
    return " ".join(tokens)


queries = st.builds(
    ScreeningQuery,
    name=st.one_of(mutated_names(), mutated_names(), st.text(max_size=30)),
    entry_type=st.sampled_from([None, I, E, EntryType.VESSEL] if hasattr(EntryType, "VESSEL") else [None, I, E]),
    countries=st.sampled_from([(), ("IR",), ("SY", "RU"), ("CO",)]),
    date_of_birth=st.sampled_from(["", "1967", "1971-05", "1990"]),
    identifiers=st.sampled_from([(), ("N0012345",), ("X1",)]),
)


@needs_c
@settings(max_examples=400, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(
    query=queries,
    min_score=st.sampled_from([0.0, 0.3, 0.5, S.TUNED_ALERT_THRESHOLD, 0.9]),
    limit=st.sampled_from([1, 3, 10]),
    lists=st.sampled_from([None, frozenset({"un"}), frozenset({"ofac-sdn", "un"}), frozenset({"none"})]),
)
def test_generated_queries_give_identical_matches(query, min_score, limit, lists):
    _ensure_c()
    got_c, got_py = _small().screen(query, min_score=min_score, limit=limit, lists=lists)
    assert got_c == got_py


@needs_c
def test_concurrent_screens_give_the_same_answers():
    """The C calls release the GIL: threads screening at once still get each their own answer."""
    _ensure_c()
    both = _small()
    names = NAMES * 4
    alone = [both.c.screen(ScreeningQuery(n), min_score=0.3, limit=5) for n in names]
    results: dict[int, list] = {}

    def work(offset: int) -> None:
        index = ScreeningIndex(both.c._ix)
        results[offset] = [index.screen(ScreeningQuery(n), min_score=0.3, limit=5) for n in names]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == alone for k in range(4))


@needs_c
def test_an_empty_index_and_empty_queries():
    _ensure_c()
    empty = Both(ScreeningIndex.build([]))
    for name in ("", "Ali", "LTD", "张"):
        assert empty.screen(ScreeningQuery(name), min_score=0.0, limit=5) == ([], [])
    small = _small()
    for name in ("", " ", ",", "-"):
        assert small.screen(ScreeningQuery(name), min_score=0.0, limit=5) == ([], [])


# --- (c) token similarity and typo lookups ---------------------------------------------------------

close_words = st.text(alphabet="abcdeé", min_size=0, max_size=12)
any_words = st.text(min_size=0, max_size=14)


@needs_c
@settings(max_examples=3000, deadline=None, derandomize=True, database=None)
@given(a=st.one_of(close_words, any_words), b=st.one_of(close_words, any_words), data=st.data())
def test_c_token_similarity_equals_python(a, b, data):
    _ensure_c()
    core = _small().c._ix.core
    if not a or not b:
        if a == b:
            assert core.token_similarity(a, b) == S.token_similarity(a, b)
        return  # Python fails on an empty token against an initial; tokens are never empty
    if data.draw(st.booleans()):  # a near miss of a: one or two edits
        b = a
        for _ in range(data.draw(st.integers(1, 2))):
            i = data.draw(st.integers(0, len(b)))
            b = b[:i] + data.draw(st.sampled_from(["", "x", "é", b[i:i + 1] * 2])) + b[i + 1 :]
        if not b:
            return
    assert core.token_similarity(a, b) == S.token_similarity(a, b)
    for factor in (1.0, S.KNOWN_TOKEN_FUZZY, 0.0):
        assert core.token_similarity(a, b, factor) == S._pair_similarity(a, b, None, factor)


@needs_c
def test_token_similarity_examples():
    _ensure_c()
    core = _small().c._ix.core
    pairs = [
        ("putin", "putin"), ("putin", "puttin"), ("putin", "turin"), ("mohammed", "muhamad"), ("m", "mohammed"),
        ("abcdefghijkl", "bacdefghijlk"), ("ab", "ba"), ("abc", "acb"), ("ca", "abc"), ("𝔘𝔫𝔦", "𝔘𝔫𝔦𝔠"),
        ("koksokhimtrans", "koksokhimtrns"), ("aaaa", "aaa"), ("abcd", "dcba"), ("şüleman", "suleman"),
    ]
    for a, b in pairs:
        assert core.token_similarity(a, b) == S.token_similarity(a, b), (a, b)
        assert core.token_similarity(b, a) == S.token_similarity(b, a), (b, a)


@needs_c
@settings(max_examples=500, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(token=st.one_of(mutated_names(), st.text(alphabet="aeimnorst", max_size=12)), known=st.booleans(),
       max_depth=st.sampled_from([1, 2]), factor=st.sampled_from([1.0, 0.8]))
def test_c_typo_lookups_equal_python(token, known, max_depth, factor):
    _ensure_c()
    ix = _small().c._ix
    token = token.lower().replace(" ", "")
    try:
        matcher_core.use("c")
        got_c = ix.fuzzy_partners(token, known, max_depth, factor, S.TYPO_MIN_SIM)
        matcher_core.use("python")
        got_py = ix.fuzzy_partners(token, known, max_depth, factor, S.TYPO_MIN_SIM)
    finally:
        matcher_core.use("c")
    assert got_c == got_py
    # ... and the C deletion map finds what the Python one does, verified or not.
    if len(token) >= 2:
        depth = ix._fuzzy_depth(token, known, max_depth)
        assert [t for t, _ in ix.core.fuzzy_partners(token, depth, 1.0, -1.0)] == sorted(
            set(ix.fuzzy_tokens(token, known, max_depth))
        )
