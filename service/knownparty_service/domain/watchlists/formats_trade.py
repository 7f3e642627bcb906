"""trade.gov Consolidated Screening List (CSV) and BIS Denied Persons List (TSV) (internal: use
`formats.parse_list`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, ListParseError, WatchlistEntry
from knownparty_service.domain.watchlists.formats_common import (
    clean_name,
    country_any,
    country_from_code,
    csv_rows,
    decode,
    derived_id,
    dob_values,
    entry_type_from,
    looks_like_company,
    split_aliases,
    split_multi,
    uniq,
)

# --------------------------------------------------------------------------------------------
# CSL: header row; multi-valued fields joined with "; ".

_CSL_REQUIRED = ("source", "name")
_CSL_COLUMNS = (
    "source", "entity_number", "type", "programs", "name", "title", "addresses", "remarks", "alt_names",
    "citizenships", "dates_of_birth", "nationalities", "ids",
)  # fmt: skip
# Sources whose untyped rows are people as often as companies; other sources list organisations.
_CSL_MIXED_SOURCES = ("Denied Persons List", "ITAR Debarred")
_ADDRESS_COUNTRY = re.compile(r",\s*([A-Z]{2})$")


def _csl_identifier(item: str) -> EntryIdentifier | None:
    """'US, 80-0890696, Tax ID No.' / 'IMO 8898831, Vessel Registration Identification' -> identifier.

    Items that are notes rather than identifiers ('Subject to Secondary Sanctions, Additional
    Sanctions Information -', '... Secondary sanctions risk:') give None.
    """
    parts = [part.strip() for part in item.split(", ")]
    if len(parts) < 2:
        return None
    kind = parts[-1]
    if not kind or kind.endswith(("-", ":")):
        return None
    country = ""
    if len(parts) >= 3:
        country = country_any(parts[0])
        if country:
            parts = parts[1:]
    value = ", ".join(parts[:-1]).strip()
    if not value:
        return None
    if value.startswith("IMO "):
        kind, value = "IMO", value[4:].strip()
    return EntryIdentifier(kind, value, country)


def parse_csl(files: dict[str, tuple[str, bytes]]) -> list[WatchlistEntry]:
    file, raw = files["csl"]
    rows = csv_rows(file, decode(file, raw, legacy=False))
    header_line, header = next(rows, (1, []))
    columns = [column.strip().lower() for column in header]
    missing = [column for column in _CSL_REQUIRED if column not in columns]
    if missing:
        raise ListParseError(file, header_line, f"header row lacks column(s) {', '.join(missing)}")
    index = {column: columns.index(column) for column in _CSL_COLUMNS if column in columns}
    entries: list[WatchlistEntry] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if len(row) != len(columns):
            raise ListParseError(file, line, f"expected {len(columns)} columns, got {len(row)}")
        field = {column: row[position].strip() for column, position in index.items()}
        get = field.get
        source, name = get("source", ""), clean_name(get("name", ""))
        if not name:
            raise ListParseError(file, line, "missing name")
        if not source:
            raise ListParseError(file, line, "missing source")
        type_field = get("type", "")
        entry_type = entry_type_from(type_field) if type_field else _csl_untyped(source, name)
        if entry_type is None:
            raise ListParseError(file, line, f"unknown type {type_field!r}")
        addresses = split_multi(get("addresses", ""))
        source_id = get("entity_number", "") or derived_id(source, name, get("addresses", ""))
        if source_id in seen:
            raise ListParseError(file, line, f"duplicate entity_number {source_id!r} (first on line {seen[source_id]})")
        seen[source_id] = line
        countries = [country_any(code) for code in split_multi(get("citizenships", ""))]
        countries += [country_any(code) for code in split_multi(get("nationalities", ""))]
        for address in addresses:
            match = _ADDRESS_COUNTRY.search(address)
            if match:
                countries.append(country_from_code(match.group(1)))
        dates = [value for text in split_multi(get("dates_of_birth", "")) for value in dob_values(text)]
        identifiers = [_csl_identifier(item) for item in split_multi(get("ids", ""))]
        aliases, weak = split_aliases(name, (clean_name(alias) for alias in split_multi(get("alt_names", ""))), ())
        remarks = [get("remarks", "")]
        if get("title"):
            remarks.append(f"Title: {get('title')}")
        remarks.append(f"Source: {source}")
        entries.append(
            WatchlistEntry(
                source_id=source_id,
                entry_type=entry_type,
                primary_name=name,
                aliases=aliases,
                weak_aliases=weak,
                addresses=uniq(addresses),
                countries=uniq(countries),
                dates_of_birth=uniq(dates),
                identifiers=tuple(dict.fromkeys(identifier for identifier in identifiers if identifier)),
                programs=uniq(split_multi(get("programs", ""))),
                remarks="; ".join(part for part in remarks if part),
            )
        )
    return entries


def _csl_untyped(source: str, name: str) -> EntryType:
    if source.startswith(_CSL_MIXED_SOURCES) and not looks_like_company(name):
        return EntryType.INDIVIDUAL
    return EntryType.ENTITY


# --------------------------------------------------------------------------------------------
# BIS Denied Persons List: tab-separated, every field quoted, header row. No ids, no types.

_DPL_COLUMNS = (
    "Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date", "Expiration_Date",
    "Standard_Order", "Last_Update", "Action", "FR_Citation",
)  # fmt: skip
_DPL_REQUIRED = _DPL_COLUMNS[:6]
_DPL_REMARKS = _DPL_COLUMNS[6:]
_US_STATES = frozenset(
    """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
    NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR""".split()
)
_US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
# DPL writes aliases into the name: "FUYI SUN A/K/A FRANK SUN", "PEARL (A.K.A. NEI-CHIEN CHU) LI",
# "SIBERIAN AIRLINES D/B/A S7 AIRLINES".
_AKA_INFIX = re.compile(r"\s+(?:A/K/A|D/B/A|A\.K\.A\.|AKA)\s+", re.IGNORECASE)
_AKA_PARENTHESES = re.compile(r"\s*\((?:A/K/A|A\.K\.A\.|AKA)\s+([^()]+)\)\s*", re.IGNORECASE)


def _names_in_name(name: str) -> list[str]:
    """The aliases a DPL name carries inline ([] if none)."""
    aliases: list[str] = []
    match = _AKA_PARENTHESES.search(name)
    if match:
        aliases.append(clean_name(match.group(1)))
        name = clean_name(name[: match.start()] + " " + name[match.end() :])
        aliases.append(name)
    parts = _AKA_INFIX.split(name)
    if len(parts) > 1:
        aliases.extend(clean_name(part) for part in parts)
    return aliases


def parse_dpl(files: dict[str, tuple[str, bytes]]) -> list[WatchlistEntry]:
    """One entry per (name, street, city, country); rows repeating one (the list has exact
    duplicates) are merged, their differing order details kept in the remarks."""
    file, raw = files["dpl"]
    rows = csv_rows(file, decode(file, raw, legacy=True), delimiter="\t")
    header_line, header = next(rows, (1, []))
    columns = [column.strip() for column in header]
    missing = [column for column in _DPL_REQUIRED if column not in columns]
    if missing:
        raise ListParseError(file, header_line, f"header row lacks column(s) {', '.join(missing)}")
    index = {column: columns.index(column) for column in _DPL_COLUMNS if column in columns}
    drafts: dict[str, _DplDraft] = {}
    for line, row in rows:
        if len(row) != len(columns):
            raise ListParseError(file, line, f"expected {len(columns)} columns, got {len(row)}")
        field = {column: " ".join(row[position].split()) for column, position in index.items()}
        name = field["Name"]
        if not name:
            raise ListParseError(file, line, "missing Name")
        street, city, state, country, postal = (field[column] for column in _DPL_REQUIRED[1:])
        code = country_any(country)
        if _US_ZIP.fullmatch(postal):
            if not state and country in _US_STATES:
                state, code = country, "US"  # a US state written in the Country column
            elif not country and state in _US_STATES:
                code = "US"  # Country left empty for a US address
        source_id = derived_id(name, street, city, country)
        remarks = "; ".join(f"{column}: {field[column]}" for column in _DPL_REMARKS if field.get(column))
        draft = drafts.get(source_id)
        if draft is None:
            address = ", ".join(part for part in (street, city, state, postal, country) if part)
            drafts[source_id] = _DplDraft(name, address, code, [remarks])
        else:
            draft.remarks.append(remarks)
    return [
        WatchlistEntry(
            source_id=source_id,
            entry_type=EntryType.ENTITY if looks_like_company(draft.name) else EntryType.INDIVIDUAL,
            primary_name=draft.name,
            aliases=split_aliases(draft.name, _names_in_name(draft.name), ())[0],
            addresses=uniq([draft.address]),
            countries=uniq([draft.country]),
            remarks=" | ".join(uniq(draft.remarks)),
        )
        for source_id, draft in drafts.items()
    ]


@dataclass
class _DplDraft:
    name: str
    address: str
    country: str
    remarks: list[str]
