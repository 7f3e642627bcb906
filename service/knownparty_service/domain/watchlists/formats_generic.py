"""Generic in-house lists: CSV with a header row, or JSON lines (internal: use `formats.parse_list`).

Fields (CSV columns / JSON keys; header names are case-insensitive):

| field          | required | content                                                                |
|----------------|----------|------------------------------------------------------------------------|
| id             | yes      | unique within the file                                                 |
| name           | yes      | primary name                                                           |
| type           | no       | individual, entity, vessel or aircraft (any case); empty = entity      |
| aliases        | no       | other names                                                            |
| weak_aliases   | no       | names the list itself calls weak (shown, scored lower)                 |
| countries      | no       | ISO 3166-1 alpha-2 codes (any case; XK accepted)                       |
| addresses      | no       | one address an item                                                    |
| identifiers    | no       | "TYPE:VALUE" or "TYPE:VALUE (CC)" with CC the issuing country's code   |
| dates_of_birth | no       | ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD                                  |
| programs       | no       | sanction programmes / list tags                                        |
| remarks        | no       | free text                                                              |

CSV: UTF-8, comma-separated, standard quoting; multi-valued fields hold items separated by ";"
(an item cannot itself contain ";": use JSON lines for those). JSON lines: UTF-8, one object a line,
multi-valued fields as arrays of strings (identifiers also as {"type", "value", "country"} objects),
`id` a string or an integer. Blank lines are skipped. Unknown columns / keys are rejected, so that a
misspelt "alias" column cannot silently drop names.
"""

from __future__ import annotations

import json
import re

from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, ListParseError, WatchlistEntry
from knownparty_service.domain.watchlists.formats_common import (
    clean_name,
    country_from_code,
    csv_rows,
    decode,
    entry_type_from,
    iso_date,
    split_aliases,
    split_multi,
    uniq,
)

COLUMNS = (
    "id",
    "name",
    "type",
    "aliases",
    "weak_aliases",
    "countries",
    "addresses",
    "identifiers",
    "dates_of_birth",
    "programs",
    "remarks",
)
_REQUIRED = ("id", "name")
_LISTS = frozenset(("aliases", "weak_aliases", "countries", "addresses", "identifiers", "dates_of_birth", "programs"))
_ISO_SHAPE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_ID_COUNTRY = re.compile(r"^(.*\S)\s+\(([A-Za-z]{2})\)$")


class _Builder:
    """Checks one record's fields and makes the entry; remembers ids to refuse duplicates."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.seen: dict[str, int] = {}
        self.entries: list[WatchlistEntry] = []
        self.valid_dates: set[str] = set()

    def fail(self, line: int, reason: str) -> ListParseError:
        return ListParseError(self.file, line, reason)

    def add(
        self,
        line: int,
        source_id: str,
        name: str,
        type_text: str,
        lists: dict[str, list[str]],
        remarks: str,
        identifiers: list[EntryIdentifier],
    ) -> None:
        source_id = source_id.strip()
        if not source_id:
            raise self.fail(line, "missing id")
        first = self.seen.get(source_id)
        if first is not None:
            raise self.fail(line, f"duplicate id {source_id!r} (first on line {first})")
        self.seen[source_id] = line
        name = clean_name(name)
        if not name:
            raise self.fail(line, f"id {source_id!r}: missing name")
        type_text = type_text.strip()
        entry_type = entry_type_from(type_text) if type_text else EntryType.ENTITY
        if entry_type is None:
            raise self.fail(
                line, f"id {source_id!r}: unknown type {type_text!r} (individual, entity, vessel or aircraft)"
            )
        get = lists.get
        countries = get("countries", ())
        for code in countries:
            if len(code) != 2 or not country_from_code(code):
                raise self.fail(line, f"id {source_id!r}: invalid country code {code!r} (ISO 3166-1 alpha-2 expected)")
        dates = get("dates_of_birth", ())
        for date in dates:
            if date not in self.valid_dates:
                if not _ISO_SHAPE.fullmatch(date) or iso_date(date) != date:
                    raise self.fail(
                        line, f"id {source_id!r}: invalid date of birth {date!r} (YYYY, YYYY-MM or YYYY-MM-DD expected)"
                    )
                self.valid_dates.add(date)
        aliases, weak = get("aliases"), get("weak_aliases")
        if aliases or weak:
            aliases, weak = split_aliases(name, map(clean_name, aliases or ()), map(clean_name, weak or ()))
        else:
            aliases = weak = ()
        addresses, programs = get("addresses"), get("programs")
        self.entries.append(
            WatchlistEntry(
                source_id=source_id,
                entry_type=entry_type,
                primary_name=name,
                aliases=aliases,
                weak_aliases=weak,
                addresses=uniq(addresses) if addresses else (),
                countries=uniq(map(str.upper, countries)) if countries else (),
                dates_of_birth=uniq(dates) if dates else (),
                identifiers=tuple(dict.fromkeys(identifiers)) if identifiers else (),
                programs=uniq(programs) if programs else (),
                remarks=remarks.strip(),
            )
        )

    def identifier(self, line: int, kind: str, value: str, country: str) -> EntryIdentifier:
        kind, value, country = kind.strip(), value.strip(), country.strip()
        if not kind or not value:
            raise self.fail(line, f"identifier {kind + ':' + value!r} needs a type and a value (TYPE:VALUE)")
        code = ""
        if country:
            code = country_from_code(country) if len(country) == 2 else ""
            if not code:
                raise self.fail(line, f"identifier {kind}:{value}: invalid country code {country!r}")
        return EntryIdentifier(kind, value, code)

    def identifier_text(self, line: int, item: str) -> EntryIdentifier:
        kind, colon, value = item.partition(":")
        if not colon:
            raise self.fail(line, f"identifier {item!r} is not TYPE:VALUE")
        country = ""
        match = _ID_COUNTRY.match(value.strip())
        if match:
            value, country = match.groups()
        return self.identifier(line, kind, value, country)


def parse_generic_csv(files: dict[str, tuple[str, bytes]]) -> list[WatchlistEntry]:
    file, raw = files["entries"]
    rows = csv_rows(file, decode(file, raw, legacy=False))
    header_line, header = next(rows, (1, []))
    columns = [column.strip().lower() for column in header]
    unknown = [column for column in columns if column not in COLUMNS]
    if unknown:
        raise ListParseError(
            file, header_line, f"unknown column(s) {', '.join(map(repr, unknown))}; known: {', '.join(COLUMNS)}"
        )
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        raise ListParseError(file, header_line, f"column(s) {', '.join(duplicated)} given twice")
    missing = [column for column in _REQUIRED if column not in columns]
    if missing:
        raise ListParseError(file, header_line, f"header row lacks column(s) {', '.join(missing)}")
    width = len(columns)
    list_columns = [
        (column, position) for position, column in enumerate(columns) if column in _LISTS and column != "identifiers"
    ]
    id_at, name_at = columns.index("id"), columns.index("name")
    type_at = columns.index("type") if "type" in columns else None
    remarks_at = columns.index("remarks") if "remarks" in columns else None
    identifiers_at = columns.index("identifiers") if "identifiers" in columns else None
    builder = _Builder(file)
    for line, row in rows:
        if len(row) != width:
            raise ListParseError(file, line, f"expected {width} columns, got {len(row)}")
        lists = {column: split_multi(row[position]) for column, position in list_columns if row[position]}
        identifiers = []
        if identifiers_at is not None and row[identifiers_at]:
            identifiers = [builder.identifier_text(line, item) for item in split_multi(row[identifiers_at])]
        builder.add(
            line,
            row[id_at],
            row[name_at],
            row[type_at] if type_at is not None else "",
            lists,
            row[remarks_at] if remarks_at is not None else "",
            identifiers,
        )
    return builder.entries


def parse_generic_jsonl(files: dict[str, tuple[str, bytes]]) -> list[WatchlistEntry]:
    file, raw = files["entries"]
    builder = _Builder(file)
    for line, text in enumerate(decode(file, raw, legacy=False).split("\n"), 1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise ListParseError(file, line, f"invalid JSON: {error.msg} (column {error.colno})") from None
        if not isinstance(record, dict):
            raise ListParseError(file, line, "not a JSON object")
        unknown = [key for key in record if key not in COLUMNS]
        if unknown:
            raise ListParseError(
                file, line, f"unknown key(s) {', '.join(map(repr, unknown))}; known: {', '.join(COLUMNS)}"
            )
        source_id = record.get("id", "")
        if isinstance(source_id, int) and not isinstance(source_id, bool):
            source_id = str(source_id)
        scalars = {"id": source_id, **{key: record.get(key, "") for key in ("name", "type", "remarks")}}
        for key, value in scalars.items():
            if value is None:
                scalars[key] = ""
            elif not isinstance(value, str):
                raise ListParseError(file, line, f"{key} must be a string")
        lists: dict[str, list[str]] = {}
        identifiers: list[EntryIdentifier] = []
        for key in _LISTS:
            value = record.get(key)
            if value is None:
                continue
            if not isinstance(value, list):
                raise ListParseError(file, line, f"{key} must be a JSON array")
            if key == "identifiers":
                identifiers = [_json_identifier(builder, line, item) for item in value]
                continue
            if not all(isinstance(item, str) for item in value):
                raise ListParseError(file, line, f"{key} must be an array of strings")
            lists[key] = [item.strip() for item in value if item.strip()]
        builder.add(line, scalars["id"], scalars["name"], scalars["type"], lists, scalars["remarks"], identifiers)
    return builder.entries


def _json_identifier(builder: _Builder, line: int, item: object) -> EntryIdentifier:
    if isinstance(item, str):
        return builder.identifier_text(line, item)
    if isinstance(item, dict) and set(item) <= {"type", "value", "country"}:
        kind, value, country = (item.get(key) or "" for key in ("type", "value", "country"))
        if all(isinstance(part, str) for part in (kind, value, country)):
            return builder.identifier(line, kind, value, country)
    raise builder.fail(line, f'identifier {item!r} is neither "TYPE:VALUE" nor {{"type", "value", "country"}}')
