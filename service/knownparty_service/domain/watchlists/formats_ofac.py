"""OFAC SDN and consolidated non-SDN CSV files (internal: use `formats.parse_list`).

Layout (no header row; `-0-`, possibly padded, is null; fields quoted; a trailing Ctrl-Z is ignored):
- main (`sdn.csv` / `cons_prim.csv`): ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
  Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks
- alt: ent_num, alt_num, alt_type, alt_name, alt_remarks
- add: ent_num, add_num, address, city/state/postal code, country, add_remarks
- comments: ent_num, continuation of the main file's (truncated) Remarks
"""

from __future__ import annotations

from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, ListParseError, WatchlistEntry
from knownparty_service.domain.watchlists.formats_common import (
    OFAC_NULL,
    clean_name,
    country_from_name,
    csv_rows,
    decode,
    dob_values,
    split_aliases,
    uniq,
)

_MAIN_COLUMNS = 12
_ALT_COLUMNS = 5
_ADD_COLUMNS = 6
_COMMENTS_COLUMNS = 2

_SDN_TYPES = {
    "": EntryType.ENTITY,
    "individual": EntryType.INDIVIDUAL,
    "vessel": EntryType.VESSEL,
    "aircraft": EntryType.AIRCRAFT,
}


def _value(field: str) -> str:
    field = field.strip()
    return "" if field == OFAC_NULL else field


class _Draft:
    __slots__ = (
        "name",
        "entry_type",
        "programs",
        "details",
        "call_sign",
        "flag",
        "remarks",
        "aliases",
        "weak",
        "addresses",
        "countries",
    )

    def __init__(
        self,
        name: str,
        entry_type: EntryType,
        programs: tuple[str, ...],
        details: list[str],
        call_sign: str,
        flag: str,
        remarks: str,
    ) -> None:
        self.name = name
        self.entry_type = entry_type
        self.programs = programs
        self.details = details
        self.call_sign = call_sign
        self.flag = flag
        self.remarks = remarks  # raw: a continuation from the comments file may start mid-word
        self.aliases: list[str] = []
        self.weak: list[str] = []
        self.addresses: list[str] = []
        self.countries: list[str] = []


def _integer(file: str, line: int, field: str, column: str) -> int:
    value = field.strip()
    if not (value.isascii() and value.isdigit()):
        raise ListParseError(file, line, f"{column} {value!r} is not an integer")
    return int(value)


def _check_columns(file: str, line: int, row: list[str], expected: int) -> None:
    if len(row) != expected:
        raise ListParseError(file, line, f"expected {expected} columns, got {len(row)}")


def _programs(field: str) -> tuple[str, ...]:
    """'IRAN] [SDGT' -> ('IRAN', 'SDGT')."""
    return uniq(part.strip(" []") for part in field.split("] ["))


def parse_ofac(files: dict[str, tuple[str, bytes]], main_role: str) -> list[WatchlistEntry]:
    main_file, main_raw = files[main_role]
    drafts: dict[int, _Draft] = {}
    for line, row in csv_rows(main_file, decode(main_file, main_raw, legacy=True)):
        _check_columns(main_file, line, row, _MAIN_COLUMNS)
        ent_num = _integer(main_file, line, row[0], "ent_num")
        if ent_num in drafts:
            raise ListParseError(main_file, line, f"duplicate ent_num {ent_num}")
        name = clean_name(_value(row[1]))
        if not name:
            raise ListParseError(main_file, line, f"ent_num {ent_num}: missing SDN_Name")
        entry_type = _SDN_TYPES.get(_value(row[2]).lower())
        if entry_type is None:
            raise ListParseError(main_file, line, f"ent_num {ent_num}: unknown SDN_Type {row[2].strip()!r}")
        title, call_sign, vess_type, tonnage, grt, flag, owner = (_value(field) for field in row[4:11])
        details = [
            f"{label}: {value}"
            for label, value in (
                ("Title", title),
                ("Vessel type", vess_type),
                ("Tonnage", tonnage),
                ("GRT", grt),
                ("Vessel flag", flag),
                ("Vessel owner", owner),
            )
            if value and value not in row[11]  # OFAC often repeats the title in the remarks
        ]
        remarks = "" if row[11].strip() == OFAC_NULL else row[11]
        drafts[ent_num] = _Draft(name, entry_type, _programs(_value(row[3])), details, call_sign, flag, remarks)

    if "alt" in files:
        alt_file, alt_raw = files["alt"]
        for line, row in csv_rows(alt_file, decode(alt_file, alt_raw, legacy=True)):
            _check_columns(alt_file, line, row, _ALT_COLUMNS)
            draft = _draft_for(alt_file, line, row[0], drafts, main_file)
            _integer(alt_file, line, row[1], "alt_num")
            alias = clean_name(_value(row[3]))
            if not alias:
                raise ListParseError(alt_file, line, "missing alt_name")
            if "weak" in row[2].lower() or "weak" in row[4].lower():
                draft.weak.append(alias)
            else:
                draft.aliases.append(alias)

    if "add" in files:
        add_file, add_raw = files["add"]
        for line, row in csv_rows(add_file, decode(add_file, add_raw, legacy=True)):
            _check_columns(add_file, line, row, _ADD_COLUMNS)
            draft = _draft_for(add_file, line, row[0], drafts, main_file)
            _integer(add_file, line, row[1], "add_num")
            street, city, country = _value(row[2]), _value(row[3]), _value(row[4])
            address = ", ".join(part for part in (street, city, country) if part)
            if address:
                draft.addresses.append(address)
            if country:
                draft.countries.append(country_from_name(country))

    if "comments" in files:
        comments_file, comments_raw = files["comments"]
        for line, row in csv_rows(comments_file, decode(comments_file, comments_raw, legacy=True)):
            _check_columns(comments_file, line, row, _COMMENTS_COLUMNS)
            draft = _draft_for(comments_file, line, row[0], drafts, main_file)
            if row[1].strip() != OFAC_NULL:
                draft.remarks += row[1]

    return [_finish(ent_num, draft) for ent_num, draft in drafts.items()]


def _draft_for(file: str, line: int, field: str, drafts: dict[int, _Draft], main_file: str) -> _Draft:
    ent_num = _integer(file, line, field, "ent_num")
    draft = drafts.get(ent_num)
    if draft is None:
        raise ListParseError(file, line, f"ent_num {ent_num} is not in {main_file}")
    return draft


def _finish(ent_num: int, draft: _Draft) -> WatchlistEntry:
    remarks = draft.remarks.strip()
    remark_aliases, dates, nationalities, identifiers = parse_remarks(remarks)
    if draft.call_sign:
        identifiers.insert(0, EntryIdentifier("Call Sign", draft.call_sign))
    aliases, weak = split_aliases(draft.name, draft.aliases + remark_aliases, draft.weak)
    countries = draft.countries + nationalities
    if draft.flag:
        countries.append(country_from_name(draft.flag))
    if draft.details:
        remarks = "; ".join([remarks, *draft.details]) if remarks else "; ".join(draft.details)
    return WatchlistEntry(
        source_id=str(ent_num),
        entry_type=draft.entry_type,
        primary_name=draft.name,
        aliases=aliases,
        weak_aliases=weak,
        addresses=uniq(draft.addresses),
        countries=uniq(countries),
        dates_of_birth=uniq(dates),
        identifiers=tuple(dict.fromkeys(identifiers)),
        programs=draft.programs,
        remarks=remarks,
    )


# --------------------------------------------------------------------------------------------
# Remarks: "DOB 12 Mar 1962; POB Tehran, Iran; nationality Iran; Passport A123 (Iran); a.k.a. 'X'."

# Identifier labels as OFAC writes them (value follows, then an optional "(Country)").
_ID_LABELS = (
    "Passport", "Diplomatic Passport", "National ID No.", "Tax ID No.", "Cedula No.", "Registration Number",
    "Registration ID", "Identification Number", "Vessel Registration Identification", "MMSI",
    "Government Gazette Number", "Business Registration Number", "Business Registration Document #",
    "Company Number", "UK Company Number", "Commercial Registry Number", "Legal Entity Number",
    "Unified Social Credit Code (USCC)", "United Social Credit Code Certificate (USCCC)",
    "Aircraft Manufacturer's Serial Number (MSN)", "Aircraft Tail Number",
    "Aircraft Construction Number (also called L/N or S/N or F/N)", "Aircraft Mode S Transponder Code",
    "Economic Register Number (CBLS)", "C.R. No.", "Folio Mercantil No.", "Matricula Mercantil No", "D.N.I.",
    "C.U.R.P.", "R.F.C.", "RFC", "NIT #", "RUC #", "RIF #", "SWIFT/BIC", "V.A.T. Number", "Trade License No.",
    "Chamber of Commerce Number", "D-U-N-S Number", "Central Registration System Number",
    "Birth Certificate Number", "Driver's License No.", "Electoral Registry No.", "Personal ID Card",
    "National Foreign ID Number", "Public Registration Number", "Italian Fiscal Code", "US FEIN", "SSN",
    "Residency Number", "Turkish Identification Number", "Numero de Identidad", "C.U.I.", "C.U.I.T.",
    "Citizen's Card Number", "Kenyan ID No.", "BIK (RU)", "Enterprise Number", "Business Number",
    "Certificate of Incorporation Number", "Istanbul Chamber of Comm. No.", "Credencial electoral", "I.F.E.",
    "Dubai Chamber of Commerce Membership No.",
)  # fmt: skip
_LABELS_BY_FIRST_WORD: dict[str, tuple[str, ...]] = {}
for _label in sorted(_ID_LABELS, key=len, reverse=True):
    _first = _label.split(" ", 1)[0]
    _LABELS_BY_FIRST_WORD[_first] = (*_LABELS_BY_FIRST_WORD.get(_first, ()), _label)
_CURRENCY_PREFIX = "Digital Currency Address - "
_ALIAS_PREFIXES = ("a.k.a.", "f.k.a.", "n.k.a.")


def _identifier(item: str) -> EntryIdentifier | None:
    """'Passport A123 (Iran) issued 01 Sep 2014' -> Passport / A123 / IR; None if not an identifier."""
    if item.startswith(_CURRENCY_PREFIX):  # "Digital Currency Address - XBT 1A1zP1..."
        parts = item.split(" ", 5)
        if len(parts) < 6:
            return None
        label, rest = " ".join(parts[:5]), parts[5]
    else:
        for label in _LABELS_BY_FIRST_WORD.get(item.split(" ", 1)[0], ()):
            if item.startswith(label) and item[len(label) : len(label) + 1] == " ":
                rest = item[len(label) + 1 :]
                break
        else:
            return None
    # The value ends at " (Country)", " issued ..." or " expires ...".
    country = ""
    for marker in (" issued ", " expires "):
        cut = rest.find(marker)
        if cut > 0:
            rest = rest[:cut]
    rest = rest.strip()
    if rest.endswith(")"):
        opening = rest.rfind(" (")
        if opening > 0:
            country = country_from_name(rest[opening + 2 : -1])
            rest = rest[:opening].rstrip()
    if not rest:
        return None
    if rest.startswith("IMO "):  # "Vessel Registration Identification IMO 9283007", "Company Number IMO ..."
        label, rest = "IMO", rest[4:].strip()
    return EntryIdentifier(label, rest, country)


def parse_remarks(remarks: str) -> tuple[list[str], list[str], list[str], list[EntryIdentifier]]:
    """(aliases, dates of birth, countries, identifiers) found in an OFAC Remarks text."""
    aliases: list[str] = []
    dates: list[str] = []
    countries: list[str] = []
    identifiers: list[EntryIdentifier] = []
    if not remarks:
        return aliases, dates, countries, identifiers
    for part in remarks.split(";"):
        item = part.strip()
        if item.endswith("."):
            item = item[:-1].rstrip()
        if not item:
            continue
        if item.startswith(_ALIAS_PREFIXES):
            quote = "'" if "'" in item else '"'
            first, last = item.find(quote), item.rfind(quote)
            if 0 <= first < last:
                alias = clean_name(item[first + 1 : last])
                if alias:
                    aliases.append(alias)
            continue
        if item.startswith("alt. "):
            item = item[5:]
        head = item[:12].lower()
        if head.startswith("dob "):
            dates.extend(dob_values(item[4:]))
        elif head.startswith("nationality "):
            country = item[12:]
            if country.startswith("of Registration "):  # vessels and aircraft
                country = country[16:]
            countries.append(country_from_name(country))
        elif head.startswith("citizen "):
            countries.append(country_from_name(item[8:]))
        else:
            identifier = _identifier(item)
            if identifier is not None:
                identifiers.append(identifier)
    return aliases, dates, countries, identifiers
