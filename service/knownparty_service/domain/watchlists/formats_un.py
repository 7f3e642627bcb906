"""UN Security Council consolidated list XML (internal: use `formats.parse_list`).

CONSOLIDATED_LIST / INDIVIDUALS / INDIVIDUAL and CONSOLIDATED_LIST / ENTITIES / ENTITY. Parsed with
the stdlib expat parser (no DTD entities allowed, no external resources fetched) so that errors in a
record can name its line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, ListParseError, WatchlistEntry
from knownparty_service.domain.watchlists.formats_common import (
    clean_name,
    country_from_name,
    decode,
    dob_values,
    iso_date,
    split_aliases,
    uniq,
)

_RECORDS = {"INDIVIDUAL": EntryType.INDIVIDUAL, "ENTITY": EntryType.ENTITY}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ADDRESS_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
_WEAK_QUALITY = "low"


def _text(element: ET.Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


def _parse_tree(file: str, raw: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    decode(file, raw, legacy=False)  # a clear "bad encoding" error with its line, before expat's
    parser = expat.ParserCreate()
    parser.buffer_text = True
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}

    def start(tag: str, attributes: dict[str, str]) -> None:
        element = builder.start(tag, attributes)
        if tag in _RECORDS:
            lines[element] = parser.CurrentLineNumber

    def refuse_entities(*_: object) -> None:
        raise ListParseError(file, parser.CurrentLineNumber, "XML entity declarations are not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as error:
        raise ListParseError(file, error.lineno, f"malformed XML: {expat.errors.messages[error.code]}") from None
    return builder.close(), lines


def parse_un(files: dict[str, tuple[str, bytes]]) -> list[WatchlistEntry]:
    file, raw = files["un"]
    root, lines = _parse_tree(file, raw)
    if root.tag != "CONSOLIDATED_LIST":
        raise ListParseError(file, 1, f"not a UN consolidated list: root element is <{root.tag}>")
    groups = [group for group in (root.find("INDIVIDUALS"), root.find("ENTITIES")) if group is not None]
    if not groups:
        raise ListParseError(file, 1, "no <INDIVIDUALS> or <ENTITIES> element")
    entries: list[WatchlistEntry] = []
    seen: dict[str, int] = {}
    for group in groups:
        for record in group:
            if record.tag not in _RECORDS:
                continue
            line = lines.get(record, 0)
            entry = _entry(file, line, record)
            if entry.source_id in seen:
                raise ListParseError(
                    file,
                    line,
                    f"duplicate REFERENCE_NUMBER {entry.source_id!r} (first on line {seen[entry.source_id]})",
                )
            seen[entry.source_id] = line
            entries.append(entry)
    return entries


def _entry(file: str, line: int, record: ET.Element) -> WatchlistEntry:
    entry_type = _RECORDS[record.tag]
    reference = _text(record.find("REFERENCE_NUMBER"))
    if not reference:
        raise ListParseError(file, line, f"<{record.tag}> without REFERENCE_NUMBER")
    parts = _NAME_PARTS if entry_type is EntryType.INDIVIDUAL else _NAME_PARTS[:1]
    name = clean_name(" ".join(_text(record.find(tag)) for tag in parts))
    if not name:
        raise ListParseError(file, line, f"{reference}: no name (FIRST_NAME)")

    aliases: list[str] = [_text(original) for original in record.iter("NAME_ORIGINAL_SCRIPT")]
    weak: list[str] = []
    for alias in record.iter(f"{record.tag}_ALIAS"):
        alias_name = _text(alias.find("ALIAS_NAME"))
        if alias_name:
            (weak if _text(alias.find("QUALITY")).lower() == _WEAK_QUALITY else aliases).append(alias_name)
    strong, weak_only = split_aliases(name, aliases, weak)

    countries: list[str] = []
    for nationality in record.iter("NATIONALITY"):
        countries.extend(country_from_name(_text(value)) for value in nationality.iter("VALUE"))

    addresses: list[str] = []
    for address in record.iter(f"{record.tag}_ADDRESS"):
        text = ", ".join(part for part in (_text(address.find(tag)) for tag in _ADDRESS_PARTS) if part)
        if text:
            addresses.append(text)
        countries.append(country_from_name(_text(address.find("COUNTRY"))))

    dates: list[str] = []
    for birth in record.iter(f"{record.tag}_DATE_OF_BIRTH"):
        date, year = _text(birth.find("DATE")), _text(birth.find("YEAR"))
        from_year, to_year = _text(birth.find("FROM_YEAR")), _text(birth.find("TO_YEAR"))
        if date:
            dates.extend(dob_values(date))
        if year:
            dates.extend(dob_values(year))
        if from_year or to_year:
            dates.extend(value for value in (iso_date(from_year), iso_date(to_year)) if value)

    identifiers: list[EntryIdentifier] = []
    for document in record.iter(f"{record.tag}_DOCUMENT"):
        number = _text(document.find("NUMBER"))
        if not number:
            continue
        kind = _text(document.find("TYPE_OF_DOCUMENT")) or _text(document.find("TYPE_OF_DOCUMENT2")) or "Document"
        issuer = _text(document.find("ISSUING_COUNTRY")) or _text(document.find("COUNTRY_OF_ISSUE"))
        identifiers.append(EntryIdentifier(kind, number, country_from_name(issuer)))

    return WatchlistEntry(
        source_id=reference,
        entry_type=entry_type,
        primary_name=name,
        aliases=strong,
        weak_aliases=weak_only,
        addresses=uniq(addresses),
        countries=uniq(countries),
        dates_of_birth=uniq(dates),
        identifiers=tuple(dict.fromkeys(identifiers)),
        programs=uniq([_text(record.find("UN_LIST_TYPE"))]),
        remarks=(record.findtext("COMMENTS1") or "").strip(),
    )
