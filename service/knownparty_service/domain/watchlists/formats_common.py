"""Helpers shared by the list-format parsers (internal: use `formats.parse_list`).

Pure Python: decoding, CSV iteration with line numbers, country names and codes to ISO alpha-2,
dates of birth to ISO 8601, the "is this name a company" guess, and derived ids.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterable, Iterator

import pycountry

from knownparty_service.domain.watchlists.entries import EntryType, ListParseError

OFAC_NULL = "-0-"


# --------------------------------------------------------------------------------------------
# Bytes to text, text to rows


_C1_CONTROLS = re.compile("[\x80-\x9f]")
_C1_TO_CP1252 = {
    code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0) if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def decode(file: str, raw: bytes, *, legacy: bool) -> str:
    """UTF-8 (a BOM is dropped); with `legacy`, fall back to cp1252 as OFAC's older files need.

    Trailing Ctrl-Z (0x1A, the DOS end-of-file mark some OFAC files carry) is dropped.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    end = len(raw)
    while end and raw[end - 1] in b"\x1a\r\n":
        end -= 1
    if end != len(raw):
        # Keep the last line break (if any), drop only the Ctrl-Z marks and the blank tail.
        raw = raw[:end] + b"\n" if end else b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        if legacy:
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError as error:
                raise ListParseError(
                    file, raw.count(b"\n", 0, error.start) + 1, "bad encoding: neither UTF-8 nor cp1252"
                ) from None
        raise ListParseError(
            file,
            raw.count(b"\n", 0, utf8_error.start) + 1,
            f"bad encoding: not UTF-8 (byte 0x{raw[utf8_error.start]:02x})",
        ) from None
    # C1 control characters in UTF-8 text are cp1252 punctuation that went through a bad conversion
    # upstream (CSL has "Gui\x92an" for "Gui’an"): give them back their meaning.
    if _C1_CONTROLS.search(text):
        text = text.translate(_C1_TO_CP1252)
    return text


def csv_rows(file: str, text: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Yield (line where the row starts, 1-based; fields) for each non-blank row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_end = 0
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield start, row
    except csv.Error as error:
        raise ListParseError(file, previous_end + 1, f"malformed CSV: {error}") from None


def split_multi(value: str, separator: str = ";") -> list[str]:
    """'a; b;; c ' -> ['a', 'b', 'c']."""
    if not value:
        return []
    return [item for item in map(str.strip, value.split(separator)) if item]


def clean_name(value: str) -> str:
    """Whitespace runs (including line breaks) to one space, ends trimmed."""
    return " ".join(value.split())


def uniq(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, order kept."""
    return tuple(dict.fromkeys(filter(None, values)))


def split_aliases(primary: str, aliases: Iterable[str], weak: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Aliases without the primary name and duplicates; an alias both strong and weak stays strong."""
    strong = tuple(alias for alias in uniq(aliases) if alias != primary)
    strong_set = set(strong)
    weak_only = tuple(alias for alias in uniq(weak) if alias != primary and alias not in strong_set)
    return strong, weak_only


def derived_id(*parts: str) -> str:
    """A stable id for lists without one: sha1 of the parts joined by '|', first 16 hex digits."""
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Countries

# Names found in the official files that pycountry does not resolve (checked by running over
# every file in shared/data/watchlists). "" = known not to be one country.
_COUNTRY_NAMES: dict[str, str] = {
    "russia": "RU",
    "burma": "MM",
    "turkey": "TR",
    "korea, north": "KP",
    "north korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "congo, democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "congo, republic of the": "CG",
    "iran (islamic republic of)": "IR",
    "the gambia": "GM",
    "gambia, the": "GM",
    "bahamas, the": "BS",
    "the bahamas": "BS",
    "north macedonia, the republic of": "MK",
    "macedonia, the former yugoslav republic of": "MK",
    "macedonia": "MK",
    "kosovo": "XK",
    "palestinian": "PS",
    "state of palestine": "PS",
    "west bank": "PS",
    "gaza": "PS",
    "crimea": "UA",
    "northern mali": "ML",
    "st. vincent and the grenadines": "VC",
    "st. kitts & nevis": "KN",
    "st. kitts and nevis": "KN",
    "macau": "MO",
    "cote d ivoire": "CI",
    "man, isle of": "IM",
    "brunei": "BN",
    "china, hong kong special administrative region": "HK",
    "cabo verde. previously cape verde": "CV",
    "netherlands antilles": "",
    "kafia kingi": "",
    "former soviet union": "",
    "possibly palestinian": "",
    "undetermined": "",
    "none identified": "",
}
# Non-ISO codes seen in code columns (BIS DPL "PRC") or commonly typed.
_COUNTRY_CODES: dict[str, str] = {"PRC": "CN", "UK": "GB", "XK": "XK"}

_name_cache: dict[str, str] = {}
_code_cache: dict[str, str] = {}


def country_from_name(name: str) -> str:
    """ISO alpha-2 for a country name as the lists write it ('Korea, North', 'Region: Crimea'); '' if unknown."""
    if not name:
        return ""
    cached = _name_cache.get(name)
    if cached is not None:
        return cached
    key = " ".join(name.split()).strip(" .").lower()
    if key.startswith("region: "):
        key = key[len("region: ") :]
    code = _COUNTRY_NAMES.get(key)
    if code is None:
        code = ""
        # Short strings are codes or junk, never names; pycountry would happily read "na" as Namibia.
        if len(key) > 3:
            try:
                code = pycountry.countries.lookup(key).alpha_2
            except LookupError:
                code = ""
    _name_cache[name] = code
    return code


def country_from_code(value: str) -> str:
    """ISO alpha-2 for an alpha-2 / alpha-3 code (any case, 'PRC' too); '' if it is not one."""
    if not value:
        return ""
    cached = _code_cache.get(value)
    if cached is not None:
        return cached
    key = value.strip().upper()
    code = _COUNTRY_CODES.get(key, "")
    if not code and key.isascii() and key.isalpha():
        if len(key) == 2:
            code = key if pycountry.countries.get(alpha_2=key) is not None else ""
        elif len(key) == 3:
            country = pycountry.countries.get(alpha_3=key)
            code = country.alpha_2 if country is not None else ""
    _code_cache[value] = code
    return code


def country_any(value: str) -> str:
    """A code if it is one, else a name."""
    return country_from_code(value) or country_from_name(value)


# --------------------------------------------------------------------------------------------
# Dates of birth

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_TEXT_DATE = re.compile(r"(?:(\d{1,2}) )?([A-Za-z]{3})[a-z]*\.? (\d{4})")
_YEAR_RANGE = re.compile(r"(\d{4})\s*[-/]\s*(\d{4})")
_APPROX = re.compile(r"^(?:circa|approximately|approx\.|about|c\.)\s+", re.IGNORECASE)


def _iso(year: int, month: int = 0, day: int = 0) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if not month:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if not day:
        return f"{year:04d}-{month:02d}"
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_date(text: str) -> str | None:
    """'1962', '1962-03', '1962-03-12', '12 Mar 1962', 'Mar 1962' -> ISO 8601 as precise as given.

    Zero month or day ('1962-00-00', as some lists write unknown parts) means "not given".
    """
    text = text.strip().rstrip(".")
    match = _ISO_DATE.fullmatch(text)
    if match:
        year, month, day = match.groups()
        month_number = int(month) if month else 0
        return _iso(int(year), month_number, int(day) if day and month_number else 0)
    match = _TEXT_DATE.fullmatch(text)
    if match:
        day, month, year = match.groups()
        month_number = _MONTHS.get(month.lower())
        if month_number is None:
            return None
        return _iso(int(year), month_number, int(day) if day else 0)
    return None


def dob_values(text: str) -> list[str]:
    """One list's date-of-birth text to ISO values: '12 Mar 1962' -> ['1962-03-12'],
    'circa 1962' -> ['1962'], '1962 to 1964' (or full dates) -> ['1962', '1964'] (the bounding years).
    Unreadable text gives []."""
    text = _APPROX.sub("", text.strip().rstrip("."))
    low, separator, high = text.partition(" to ")
    if not separator:
        match = _YEAR_RANGE.fullmatch(text)  # "1979-1982"
        if match:
            low, separator, high = match.group(1), " to ", match.group(2)
    if separator:
        first, last = iso_date(_APPROX.sub("", low)), iso_date(_APPROX.sub("", high))
        if first is None or last is None:
            return []
        return list(dict.fromkeys((first[:4], last[:4])))
    value = iso_date(text)
    return [value] if value else []


# --------------------------------------------------------------------------------------------
# Entry types

_ENTRY_TYPES = {entry_type.value: entry_type for entry_type in EntryType}


def entry_type_from(value: str) -> EntryType | None:
    """'Individual', 'ENTITY', ... -> EntryType; None if not one of the four."""
    return _ENTRY_TYPES.get(value.strip().lower())


# Legal forms, plus a few sector words that only companies carry in their names (BIS DPL names).
_COMPANY_WORDS = frozenset(
    """LTD LIMITED LLC INC INCORPORATED CORP CORPORATION CO COMPANY GMBH AG AB SA SL SAS SARL SRL BV
    NV PLC LLP PTE PVT JSC PJSC OOO OAO ZAO FZC FZE FZCO ANSTALT
    AIR AIRLINES AIRWAYS AVIATION TRADING TRADE INDUSTRIES INDUSTRIAL ENTERPRISE ENTERPRISES
    INTERNATIONAL GROUP TECHNOLOGY SYSTEMS ELECTRONICS ENGINEERING SERVICES COMPUTERS METALS
    MANUFACTURING SOLUTIONS""".split()
)
_NAME_TOKENS = re.compile(r"[\s,()/&]+")


def looks_like_company(name: str) -> bool:
    """Whether a name carries a legal-form (or company-only) word: 'ACME CO., LTD.' yes, 'JOHN SMITH' no."""
    upper = name.upper()
    if ".COM" in upper or ".NET" in upper:
        return True
    return any(token.replace(".", "") in _COMPANY_WORDS for token in _NAME_TOKENS.split(upper) if token)
