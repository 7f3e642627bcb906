"""Name normalisation for screening: one small function per rule, then `name_tokens` chaining them.

The same pipeline runs on listed names (at index build) and on queries, so whatever a rule does,
both sides agree. Order matters: NFKC first (compatibility forms), then transliteration to ASCII,
then the camel-case split (which needs the original case), then case folding and punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import OSA

# --- rule 1: Unicode compatibility normalisation -------------------------------------------------


def nfkc(text: str) -> str:
    """Full-width letters, ligatures, circled digits, ... to their plain forms ("ＡＢＣ ﬁ" -> "ABC fi")."""
    return unicodedata.normalize("NFKC", text)


# --- rule 2: transliteration ---------------------------------------------------------------------


def _is_han(cp: int) -> bool:
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FA1F


def _is_syllabic(cp: int) -> bool:
    """Han ideographs and Hangul syllable blocks: one character, one syllable."""
    return _is_han(cp) or 0xAC00 <= cp <= 0xD7AF


def transliterate(text: str) -> str:
    """Other scripts and accents to ASCII ("Владимир" -> "Vladimir", "GÖKTEN" -> "GOKTEN").

    Han and Hangul come out one syllable per token ("张涛涛" -> "Zhang Tao Tao", "김정은" -> "Gim Jeong
    Eun"); the scorer's compound matching joins syllables again against "ZHANG Taotao".
    """
    if text.isascii():
        return text
    parts: list[str] = []
    for ch in text:
        if _is_syllabic(ord(ch)):
            parts.append(" " + anyascii(ch) + " ")
        else:
            parts.append(ch)
    return anyascii("".join(parts))


def is_ideographic(text: str) -> bool:
    """Mostly Han characters: romanised syllables are exact, so edit distance on them means nothing
    ("peng" is not a typo of "deng")."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(_is_han(ord(ch)) for ch in letters) * 2 > len(letters)


# --- rule 3: joined tokens written in camel case -------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z]{2})|(?<=[A-Z]{3})(?=[A-Z][a-z]{2})")


def split_camel_case(text: str) -> str:
    """Splits tokens glued at a case change: "VladimirNikolaevich" -> "Vladimir Nikolaevich",
    "MURILLOJuan" -> "MURILLO Juan". The word before needs two lower-case (or three capital)
    letters and the new word two lower-case ones, so a stray capital from a typo ("StevTn",
    "SSSaba") stays put. All-caps or all-lower text is left alone."""
    if text.isupper() or text.islower():
        return text
    return _CAMEL.sub(" ", text)


# --- rule 4: case folding ------------------------------------------------------------------------


def fold_case(text: str) -> str:
    return text.casefold()


# --- rule 5: punctuation -------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02bb\u02bf\u02be\u00b4]")
_DOTS_IN_TOKEN = re.compile(r"(?<=\w)\.(?=\w)|(?<=\b\w)\.")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def split_punctuation(text: str) -> list[str]:
    """Folded ASCII text to tokens. Apostrophes join ("KHAZ'ALI" -> "khazali"), dots inside or after
    a letter join abbreviations ("s.a." -> "sa", "co." -> "co"), "&" reads as "and", and any other
    punctuation separates ("AL-ASSAD" -> "al", "assad")."""
    text = _APOSTROPHES.sub("", text)
    text = _DOTS_IN_TOKEN.sub("", text)
    text = text.replace("&", " and ")
    return [t for t in _NON_WORD.split(text) if t]


# --- rule 6: honorifics --------------------------------------------------------------------------

HONORIFICS = frozenset(
    """
    mr mrs ms miss mister madam madame mme mlle dr prof professor sir
    rev reverend hon excellency
    sheikh sheik shaikh shaykh shaykhah sheikha haji hajji hadji hajj alhaj alhaji hajjah
    mullah mulla maulana mawlana maulvi mawlawi moulvi mawlawy qari mufti ayatollah hojatoleslam
    gen col colonel maj capt lt lieutenant sgt sergeant cmdr adm brig brigadier
    """.split()
)


def strip_honorifics(tokens: list[str]) -> list[str]:
    """Drops the titles in front of a name ("Dr Ayman ..." -> "Ayman ...", "Sheikh Hajji X" -> "X");
    a title inside the name is kept (it may be part of it), and a name is never emptied."""
    i = 0
    while i < len(tokens) - 1 and tokens[i] in HONORIFICS:
        i += 1
    return tokens[i:]


# --- rule 7: legal forms -------------------------------------------------------------------------

# Canonical form -> the token sequences (after rules 1-5) that mean it. Compact on purpose: the
# canonical forms weigh very little in scoring, so a missing variant costs little.
_LEGAL_FORM_VARIANTS: dict[str, tuple[str, ...]] = {
    "ltd": ("ltd", "limited", "ltda", "limitada", "ltee"),
    "co": ("co", "company", "cia", "compania", "companhia", "compagnie", "cie", "comp", "kumpania"),
    "corp": ("corp", "corporation", "corpn", "korporatsiya", "corporacion", "corporacao"),
    "inc": ("inc", "incorporated"),
    "llc": (
        "llc", "limited liability company", "limited liability co", "ooo", "fzllc", "fz llc",
        "obshchestvo s ogranichennoi otvetstvennostyu", "obshchestvo s ogranichennoy otvetstvennostyu",
        "obshchestvo s ogranichennoy otvetstvennostiu", "obshchestvo s ogranichennoj otvetstvennostju",
    ),
    "jsc": (
        "jsc", "joint stock company", "joint stock co", "ao", "oao", "zao", "pao", "ojsc", "cjsc", "pjsc",
        "aktsionernoe obshchestvo", "aktsionernoye obshchestvo", "open joint stock company",
        "closed joint stock company", "public joint stock company", "otkrytoe aktsionernoe obshchestvo",
        "zakrytoe aktsionernoe obshchestvo", "publichnoe aktsionernoe obshchestvo",
    ),
    "gmbh": ("gmbh", "gesellschaft mit beschrankter haftung", "ges m b h", "gesmbh"),
    "ag": ("ag", "aktiengesellschaft"),
    "sa": ("sa", "sociedad anonima", "societe anonyme", "sociedade anonima", "societa anonima"),
    "sarl": ("sarl", "societe a responsabilite limitee"),
    "sas": ("sas", "societe par actions simplifiee"),
    "srl": ("srl", "societa a responsabilita limitata", "sociedad de responsabilidad limitada"),
    "spa": ("spa", "societa per azioni"),
    "cv": ("cv", "capital variable"),
    "ca": ("ca", "compania anonima"),
    "plc": ("plc", "public limited company"),
    "pvt": ("pvt", "private", "pte", "pty"),
    "bv": ("bv", "besloten vennootschap"),
    "nv": ("nv", "naamloze vennootschap"),
    "llp": ("llp", "limited liability partnership"),
    "lp": ("lp", "limited partnership"),
    "kg": ("kg", "kommanditgesellschaft"),
    "doo": ("doo", "drustvo s ogranicenom odgovornoscu"),
    "sro": ("sro", "spol s r o"),
    "ood": ("ood", "eood"),
    "fze": ("fze", "fzco", "fzc", "fze llc"),
    "sdn bhd": ("sdn bhd", "sendirian berhad"),
    "bhd": ("bhd", "berhad"),
    "kk": ("kk", "kabushiki kaisha", "kabushikigaisha"),
    "oy": ("oy", "oyj", "osakeyhtio"),
    "ab": ("ab", "aktiebolag"),
    "as": ("as", "asa", "aksjeselskap"),
    "kft": ("kft", "zrt", "nyrt"),
    "sal": ("sal", "sal offshore"),
    "co ltd": ("coltd",),
}

LEGAL_FORMS: frozenset[str] = frozenset(
    part for canonical in _LEGAL_FORM_VARIANTS for part in canonical.split()
)
_LEGAL_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {}
for _canonical, _variants in _LEGAL_FORM_VARIANTS.items():
    for _variant in _variants:
        _LEGAL_PHRASES[tuple(_variant.split())] = tuple(_canonical.split())
_MAX_PHRASE = max(len(k) for k in _LEGAL_PHRASES)

# Words that only ever say "this is a company" when they stand in a company name: weighted like
# legal forms, so "JOINT COMPANY X" still finds "JOINT STOCK COMPANY X".
ORG_FORM_WORDS = frozenset({"joint", "stock", "liability", "public", "closed", "open", "holding", "holdings",
                            "group", "sociedad", "societe", "obshchestvo", "aktsionernoe", "partnership"})


# Long legal-form words: recognised with a typo ("COMPNAY"), and split off when glued to the word
# before them ("TRADINGLIMITED").
_LONG_LEGAL_WORDS = {"company": "co", "limited": "ltd", "corporation": "corp", "incorporated": "inc",
                     "limitada": "ltd", "compania": "co", "gmbh": "gmbh"}
_GLUED_MIN_PREFIX = 3


@lru_cache(maxsize=65536)
def legal_form_token(token: str) -> tuple[str, ...]:
    """One token that is a long legal-form word with a typo, or glued to a word before it:
    "compnay" -> ("co",), "tradinglimited" -> ("trading", "ltd"); any other token -> (token,)."""
    if len(token) < 4 or token in _LONG_LEGAL_WORDS:
        return (token,)
    for word, canonical in _LONG_LEGAL_WORDS.items():
        if len(token) >= len(word) + _GLUED_MIN_PREFIX and token.endswith(word):
            return (token[: -len(word)], canonical)
        if len(word) >= 7 and abs(len(token) - len(word)) <= 2:
            budget = 1 if len(word) < 9 else 2
            if OSA.distance(token, word, score_cutoff=budget) <= budget:
                return (canonical,)
    return (token,)


# Words that describe what a company does rather than which company it is: they weigh at most
# GENERIC_WORD_WEIGHT, so "IMPORT EXPORT COMPANY" alone does not find "SAD IMPORT EXPORT COMPANY".
GENERIC_ORG_WORDS = frozenset(
    """
    import export imports exports trading trade traders commercial commerce general international intl
    global world national industries industry industrial enterprise enterprises services service
    investment investments development management technology technologies tech engineering
    construction shipping logistics transport transportation energy oil gas petroleum petrochemical
    chemical chemicals bank exchange finance financial insurance foundation organization
    organisation association center centre institute network brothers sons partners solutions systems
    products supplies supply equipment manufacturing factory electronics electronic electric marine
    maritime airlines airline aviation travel tours consulting media medical pharmaceutical pharma
    food foods agro agricultural trust capital resources mining metals steel textile textiles
    """.split()
)


def canonical_legal_forms(tokens: list[str]) -> list[str]:
    """Legal-form phrases to one canonical spelling, longest phrase first: "limited" -> "ltd",
    "joint stock company" -> "jsc", "ooo" -> "llc", "company limited" -> "co ltd"; long legal-form
    words also when misspelt or glued (see `legal_form_token`)."""
    if len(tokens) > 0:
        expanded: list[str] = []
        for t in tokens:
            expanded.extend(legal_form_token(t))
        tokens = expanded
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        for size in range(min(_MAX_PHRASE, n - i), 0, -1):
            canonical = _LEGAL_PHRASES.get(tuple(tokens[i : i + size]))
            if canonical is not None:
                out.extend(canonical)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


# --- rule 8: initials ----------------------------------------------------------------------------


def is_initial(token: str) -> bool:
    """A lone letter ("M." after punctuation is "m"): matches any token with that first letter."""
    return len(token) == 1 and token.isalpha()


# --- stopwords (weighted low in scoring, never removed) ------------------------------------------

STOPWORDS = frozenset(
    """and of the for in on at to by de del della dei des du la le les el los las lo y e et und da do dos das
    di van von der den ter""".split()
)


# --- the pipeline --------------------------------------------------------------------------------


def name_tokens(text: str) -> list[str]:
    """A name as the matcher sees it: normalised, transliterated, folded, tokenised, titles dropped,
    legal forms canonical. "ООО «Ромашка»" -> ["llc", "romashka"]; "Dr. GARCÍA, José" -> ["garcia", "jose"]."""
    text = split_camel_case(transliterate(nfkc(text)))
    tokens = split_punctuation(fold_case(text))
    return canonical_legal_forms(strip_honorifics(tokens))


def all_tokens(names: Iterable[str]) -> list[list[str]]:
    return [name_tokens(n) for n in names]
