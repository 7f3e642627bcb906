"""Which implementation runs the screening hot loops: the compiled extension `_matchcore` ("c") or
the pure-Python code in index.py / scoring.py ("python"). Both give identical results
(tests/unit/test_matcher_core.py checks it); C is about 3x faster a query and releases the GIL.

The extension is used when it imports, unless KNOWNPARTY_PURE_PYTHON_MATCHER=1 (read once, here).
`use` switches at run time (the tests compare both in one process); an index built while the
extension is importable carries its C core either way.
"""

from __future__ import annotations

import os

from knownparty_service.domain.watchlists import scoring as S

PURE_PYTHON_ENV = "KNOWNPARTY_PURE_PYTHON_MATCHER"

_ext = None
if os.environ.get(PURE_PYTHON_ENV, "") != "1":
    try:
        from knownparty_service.domain.watchlists import _matchcore as _ext
    except ImportError:  # not built (no compiler at install time): the Python code runs instead
        _ext = None

AVAILABLE = _ext is not None
IMPLEMENTATION = "c" if AVAILABLE else "python"


def use(implementation: str) -> None:
    """Switch implementation for this process ("c" needs the extension)."""
    global IMPLEMENTATION
    if implementation not in ("c", "python"):
        raise ValueError(implementation)
    if implementation == "c" and not AVAILABLE:
        raise RuntimeError("the _matchcore extension is not available")
    IMPLEMENTATION = implementation


def params(legal_class: int, weak_alias_kind: int) -> dict[str, float | int]:
    """The tuned constants the C code uses, read from scoring.py (the one place they are set)."""
    names = (
        "FUZZY_MIN_LEN FUZZY_INDEX_MIN_LEN FUZZY_TWO_EDITS_LEN FUZZY_THREE_EDITS_LEN FIRST_LETTER_FREE_LEN COMPOUND_MIN_LEN "
        "ALWAYS_WALK_POSTINGS MAX_POSTINGS_WALKED TYPO_COST TYPO_MIN_SIM INITIAL_SIM INITIAL_WEIGHT "
        "LEGAL_CROSS_SIM COMPOUND_MIN_SIM QUERY_MISS NAME_MISS NAME_MISS_ENTITY EVIDENCE_DISCOUNT "
        "WHOLE_NAME_SLACK WHOLE_NAME_SINGLE_SHARE LEGAL_FORM_WEIGHT WEAK_ALIAS_FACTOR"
    ).split()
    out: dict[str, float | int] = {name: getattr(S, name) for name in names}
    out["LEGAL"] = legal_class
    out["WEAK_ALIAS"] = weak_alias_kind
    return out


def make_core(ix):
    """The C view of a built NameIndex (None without the extension). It holds buffer views of the
    index's arrays: they cannot be resized afterwards, which the index never does."""
    if _ext is None:
        return None
    from knownparty_service.domain.watchlists.index import LEGAL, WEAK_ALIAS

    return _ext.Core(
        ix.tokens,
        ix.weight,
        ix.person_weight,
        ix.token_cls,
        ix.post_offsets,
        ix.post_flat,
        ix.name_offsets,
        ix.name_tokens,
        ix.name_entry,
        ix.name_kind,
        ix.name_weight,
        ix.entry_list,
        ix.entry_person,
        params(LEGAL, WEAK_ALIAS),
    )
