"""Parsing the official watchlist formats (real files from shared/data/watchlists) and the generic ones."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from knownparty_service.domain.watchlists.entries import (
    EntryIdentifier,
    EntryType,
    ListFormat,
    ListParseError,
    WatchlistEntry,
)
from knownparty_service.domain.watchlists.formats import FILE_ROLES, parse_list

WATCHLISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"


def _file(relative: str) -> tuple[str, bytes]:
    path = WATCHLISTS / relative
    return path.name, path.read_bytes()


def _ofac_rows(relative: str) -> list[list[str]]:
    """The file's rows as plain csv reads them (independent of the parser under test)."""
    text = (WATCHLISTS / relative).read_bytes().rstrip(b"\x1a").decode("utf-8")
    return [row for row in csv.reader(io.StringIO(text, newline="")) if row]


def _by_id(entries: list[WatchlistEntry]) -> dict[str, WatchlistEntry]:
    return {entry.source_id: entry for entry in entries}


SDN_FILES = {
    "sdn": "ofac-sdn/sdn.csv",
    "alt": "ofac-sdn/alt.csv",
    "add": "ofac-sdn/add.csv",
    "comments": "ofac-sdn/sdn_comments.csv",
}
NONSDN_FILES = {
    "prim": "ofac-nonsdn/cons_prim.csv",
    "alt": "ofac-nonsdn/cons_alt.csv",
    "add": "ofac-nonsdn/cons_add.csv",
    "comments": "ofac-nonsdn/cons_comments.csv",
}
INVALID_OFAC_FILES = {
    "sdn": "invalid/sdn.csv",
    "alt": "invalid/alt.csv",
    "add": "invalid/add.csv",
    "comments": "invalid/sdn_comments.csv",
}


@pytest.fixture(scope="module")
def sdn() -> list[WatchlistEntry]:
    return parse_list(ListFormat.OFAC_SDN, {role: _file(path) for role, path in SDN_FILES.items()})


@pytest.fixture(scope="module")
def nonsdn() -> list[WatchlistEntry]:
    return parse_list(ListFormat.OFAC_NONSDN, {role: _file(path) for role, path in NONSDN_FILES.items()})


@pytest.fixture(scope="module")
def csl() -> list[WatchlistEntry]:
    return parse_list(ListFormat.CSL, {"csl": _file("csl/csl.csv")})


@pytest.fixture(scope="module")
def dpl() -> list[WatchlistEntry]:
    return parse_list(ListFormat.BIS_DPL, {"dpl": _file("bis-dpl/dpl.txt")})


@pytest.fixture(scope="module")
def un() -> list[WatchlistEntry]:
    return parse_list(ListFormat.UN, {"un": _file("un/UN_consolidated.xml")})


# --------------------------------------------------------------------------------------------
# Roles


def test_file_roles_cover_every_format() -> None:
    assert set(FILE_ROLES) == set(ListFormat)
    assert FILE_ROLES[ListFormat.OFAC_SDN] == (("sdn", True), ("alt", False), ("add", False), ("comments", False))
    assert FILE_ROLES[ListFormat.OFAC_NONSDN] == (("prim", True), ("alt", False), ("add", False), ("comments", False))
    for list_format in (
        ListFormat.CSL,
        ListFormat.BIS_DPL,
        ListFormat.UN,
        ListFormat.GENERIC_CSV,
        ListFormat.GENERIC_JSONL,
    ):
        assert len(FILE_ROLES[list_format]) == 1 and FILE_ROLES[list_format][0][1] is True


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.CSL, {"csl": _file("csl/csl.csv"), "extra": ("notes.txt", b"x")})
    assert caught.value.file == "notes.txt" and "unknown file role 'extra'" in caught.value.reason


def test_missing_required_role_is_refused() -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.OFAC_SDN, {"alt": _file("ofac-sdn/alt.csv")})
    assert caught.value.file == "sdn" and "missing required file 'sdn'" in caught.value.reason


# --------------------------------------------------------------------------------------------
# OFAC SDN


def test_sdn_counts(sdn: list[WatchlistEntry]) -> None:
    assert len(sdn) == 8976
    assert len({entry.source_id for entry in sdn}) == 8976
    counts = {entry_type: sum(entry.entry_type is entry_type for entry in sdn) for entry_type in EntryType}
    assert counts == {
        EntryType.INDIVIDUAL: 4620,
        EntryType.ENTITY: 3673,
        EntryType.VESSEL: 406,
        EntryType.AIRCRAFT: 277,
    }


def test_every_alt_row_becomes_an_alias(sdn: list[WatchlistEntry]) -> None:
    entries = _by_id(sdn)
    rows = _ofac_rows(SDN_FILES["alt"])
    assert len(rows) == 11910
    for row in rows:
        entry = entries[row[0]]
        name = " ".join(row[3].split())
        assert name in entry.aliases or name == entry.primary_name, row


def test_every_add_row_becomes_an_address(sdn: list[WatchlistEntry]) -> None:
    entries = _by_id(sdn)
    rows = _ofac_rows(SDN_FILES["add"])
    assert len(rows) == 13837
    for row in rows:
        parts = [field.strip() for field in row[2:5] if field.strip() != "-0-"]
        if parts:
            assert ", ".join(parts) in entries[row[0]].addresses, row


def test_banco_nacional_de_cuba(sdn: list[WatchlistEntry]) -> None:
    entry = _by_id(sdn)["306"]
    assert entry.primary_name == "BANCO NACIONAL DE CUBA"
    assert entry.entry_type is EntryType.ENTITY  # SDN_Type -0- = entity
    assert entry.aliases == ("NATIONAL BANK OF CUBA", "BNC")  # alt.csv, then the remarks' "a.k.a. 'BNC'."
    assert entry.programs == ("CUBA",)
    assert entry.remarks == "a.k.a. 'BNC'."
    # Its four addresses are abroad (the CUBA program is not a country): Zurich, Madrid, Tokyo, Panama.
    assert entry.addresses[0] == "Zweierstrasse 35, Zurich CH-8022, Switzerland"
    assert entry.countries == ("CH", "ES", "JP", "PA")


def test_address_country_names_become_iso_codes(sdn: list[WatchlistEntry]) -> None:
    entries = _by_id(sdn)
    assert entries["36"].addresses == ("Havana, Cuba",)
    assert entries["36"].countries == ("CU",)


def test_program_splitting_dates_and_passport(sdn: list[WatchlistEntry]) -> None:
    entry = _by_id(sdn)["2686"]  # "SDGT] [SYRIA"
    assert entry.primary_name == "NASRALLAH, Hasan"  # kept as listed, surname first
    assert entry.entry_type is EntryType.INDIVIDUAL
    assert entry.programs == ("SDGT", "SYRIA")
    assert entry.dates_of_birth == ("1960-08-31", "1953-08-31", "1955-08-31", "1958-08-31")
    assert entry.identifiers == (EntryIdentifier("Passport", "042833", "LB"),)
    assert entry.remarks.startswith("DOB 31 Aug 1960; alt. DOB 31 Aug 1953;")
    assert "Title: Secretary General of Hizballah" not in entry.remarks  # already in the remarks
    assert _by_id(sdn)["4632"].programs == ("IRAN", "SDGT", "IRGC", "IFSR")


def test_remarks_continue_in_the_comments_file(sdn: list[WatchlistEntry]) -> None:
    entry = _by_id(sdn)["28264"]  # sdn.csv remarks end with "...; P", sdn_comments.csv goes on "hone Number ..."
    assert "; Phone Number 8613314257947; " in entry.remarks
    assert entry.remarks.endswith("Linked To: LAZARUS GROUP.")
    # Aliases and identifiers found in the continuation too.
    assert entry.aliases == ("blackjack1987", "khaleesi")
    assert EntryIdentifier("Identification Number", "210302198701102136", "CN") in entry.identifiers
    assert entry.countries == ("CN",)
    assert entry.dates_of_birth == ("1987-01-10",)


def test_vessel_fields(sdn: list[WatchlistEntry]) -> None:
    entry = _by_id(sdn)["4234"]
    assert (entry.primary_name, entry.entry_type) == ("HERMANN", EntryType.VESSEL)
    assert entry.identifiers == (EntryIdentifier("Call Sign", "CL2685"),)
    assert entry.countries == ("CU",)  # flag
    assert "Vessel owner: Compania Navegacion Golfo S.A." in entry.remarks


def test_no_null_marker_survives(sdn: list[WatchlistEntry], nonsdn: list[WatchlistEntry]) -> None:
    for entry in sdn + nonsdn:
        texts = [entry.primary_name, entry.remarks, *entry.aliases, *entry.addresses, *entry.programs]
        texts += [part for identifier in entry.identifiers for part in (identifier.type, identifier.value)]
        assert not any(text.strip() == "-0-" or text.endswith(", -0-") for text in texts), entry
        assert all(len(code) == 2 and code.isupper() for code in entry.countries), entry
        assert all(text == text.strip() and text for text in entry.aliases + entry.addresses), entry


def test_country_names_not_in_pycountry(sdn: list[WatchlistEntry], nonsdn: list[WatchlistEntry]) -> None:
    entries = _by_id(sdn + nonsdn)
    wanted = {
        "Russia": "RU",
        "Korea, North": "KP",
        "Burma": "MM",
        "Turkey": "TR",
        "Congo, Democratic Republic of the": "CD",
        "Kosovo": "XK",
        "Region: Crimea": "UA",
        "Palestinian": "PS",
        "West Bank": "PS",
    }
    seen: dict[str, set[str]] = {}
    for relative in ("ofac-sdn/add.csv", "ofac-nonsdn/cons_add.csv"):
        for row in _ofac_rows(relative):
            country = row[4].strip()
            if country in wanted:
                seen.setdefault(country, set()).update(entries[row[0]].countries)
    for name, code in wanted.items():
        assert code in seen.get(name, set()), name


# --------------------------------------------------------------------------------------------
# OFAC features on small hand-made files

_SDN_ROW = '{ent},"{name}",{kind},"{program}",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,{remarks}\r\n'


def _sdn_bytes(*rows: str, encoding: str = "utf-8", ctrl_z: bool = True) -> bytes:
    return "".join(rows).encode(encoding) + (b"\x1a" if ctrl_z else b"")


def test_remarks_are_mined_for_aliases_dates_countries_and_identifiers() -> None:
    remarks = (
        '"DOB circa 1962; alt. DOB 1962 to 1964; alt. DOB Mar 1960; POB Tehran, Iran; nationality Iran; '
        "alt. citizen Korea, North; Passport A123 (Iran) issued 01 Jan 2010 expires 01 Jan 2020; "
        "National ID No. 0071070222 (Iran); Tax ID No. 7702070139 (Russia); "
        "Vessel Registration Identification IMO 9283007; Linked To: SOME BANK; "
        "a.k.a. 'AL-JAMAL, Sa'id'; f.k.a. 'OLD NAME'.\""
    )
    entries = parse_list(
        ListFormat.OFAC_SDN,
        {
            "sdn": (
                "sdn.csv",
                _sdn_bytes(
                    _SDN_ROW.format(
                        ent=7, name="DOE, John", kind='"individual"', program="IRAN] [SDGT", remarks=remarks
                    )
                ),
            )
        },
    )
    (entry,) = entries
    assert entry.programs == ("IRAN", "SDGT")
    assert entry.aliases == ("AL-JAMAL, Sa'id", "OLD NAME")
    assert entry.dates_of_birth == ("1962", "1964", "1960-03")
    assert entry.countries == ("IR", "KP")
    assert entry.identifiers == (
        EntryIdentifier("Passport", "A123", "IR"),
        EntryIdentifier("National ID No.", "0071070222", "IR"),
        EntryIdentifier("Tax ID No.", "7702070139", "RU"),
        EntryIdentifier("IMO", "9283007", ""),
    )


def test_cp1252_file_with_ctrl_z_and_padded_nulls() -> None:
    row = _SDN_ROW.format(ent=1, name="MÜLLER, José", kind="-0-   ", program="CUBA", remarks="-0-   ")
    (entry,) = parse_list(ListFormat.OFAC_SDN, {"sdn": ("sdn.csv", _sdn_bytes(row, encoding="cp1252"))})
    assert entry.primary_name == "MÜLLER, José"
    assert entry.entry_type is EntryType.ENTITY
    assert entry.remarks == "" and entry.identifiers == ()


def test_weak_alias_from_alt_type_or_remarks() -> None:
    sdn_bytes = _sdn_bytes(_SDN_ROW.format(ent=5, name="X", kind='"individual"', program="SDGT", remarks="-0-"))
    alt_bytes = b'5,1,"aka","STRONG",-0- \r\n5,2,"weak aka","WEAK ONE",-0- \r\n5,3,"aka","WEAK TWO","weak"\r\n'
    (entry,) = parse_list(ListFormat.OFAC_SDN, {"sdn": ("sdn.csv", sdn_bytes), "alt": ("alt.csv", alt_bytes)})
    assert entry.aliases == ("STRONG",)
    assert entry.weak_aliases == ("WEAK ONE", "WEAK TWO")


_GOOD_SDN = _sdn_bytes(_SDN_ROW.format(ent=5, name="X", kind="-0-", program="SDGT", remarks="-0-"))


@pytest.mark.parametrize(
    ("files", "file", "line", "reason"),
    [
        ({"sdn": ("sdn.csv", b'5,"X",-0-\r\n')}, "sdn.csv", 1, "expected 12 columns, got 3"),
        ({"sdn": ("sdn.csv", _GOOD_SDN.replace(b"5,", b"5a,", 1))}, "sdn.csv", 1, "ent_num '5a' is not an integer"),
        ({"sdn": ("sdn.csv", _GOOD_SDN.rstrip(b"\x1a") + _GOOD_SDN)}, "sdn.csv", 2, "duplicate ent_num 5"),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN + _GOOD_SDN)},
            "sdn.csv",
            2,
            "ent_num '\\x1a5' is not an integer",
        ),  # Ctrl-Z mid-file
        ({"sdn": ("sdn.csv", _GOOD_SDN.replace(b'"X"', b"-0-"))}, "sdn.csv", 1, "missing SDN_Name"),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN.replace(b'"X",-0-', b'"X","person"'))},
            "sdn.csv",
            1,
            "unknown SDN_Type 'person'",
        ),
        ({"sdn": ("sdn.csv", b"\r\n" + _GOOD_SDN.replace(b"X", b"\x81"))}, "sdn.csv", 2, "bad encoding"),
        ({"sdn": ("sdn.csv", _GOOD_SDN.replace(b'"X"', b'"X'))}, "sdn.csv", 1, "malformed CSV"),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN), "alt": ("alt.csv", b'5,1,"aka","A",-0-\r\n6,2,"aka","B",-0-\r\n')},
            "alt.csv",
            2,
            "ent_num 6 is not in sdn.csv",
        ),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN), "alt": ("alt.csv", b'5,1,"aka",-0-,-0-\r\n')},
            "alt.csv",
            1,
            "missing alt_name",
        ),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN), "add": ("add.csv", b'5,1,-0-,-0-,"Cuba"\r\n')},
            "add.csv",
            1,
            "expected 6 columns, got 5",
        ),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN), "add": ("add.csv", b'5,x,-0-,-0-,"Cuba",-0-\r\n')},
            "add.csv",
            1,
            "add_num 'x' is not an integer",
        ),
        (
            {"sdn": ("sdn.csv", _GOOD_SDN), "comments": ("c.csv", b'9,"more"\r\n')},
            "c.csv",
            1,
            "ent_num 9 is not in sdn.csv",
        ),
    ],
)
def test_ofac_errors(files: dict[str, tuple[str, bytes]], file: str, line: int, reason: str) -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.OFAC_SDN, files)
    assert (caught.value.file, caught.value.line) == (file, line)
    assert reason in caught.value.reason


# --------------------------------------------------------------------------------------------
# OFAC non-SDN, history releases


def test_nonsdn(nonsdn: list[WatchlistEntry]) -> None:
    assert len(nonsdn) == 442
    entry = _by_id(nonsdn)["9639"]
    assert entry.primary_name == "HANIYA, Ismail Abdul Salah"
    assert entry.programs == ("NS-PLC",)
    assert entry.dates_of_birth == ("1962",)
    assert entry.aliases == ("HANIYA, Ismail", "HANIYYA, Ismaeel")


@pytest.mark.parametrize(("name", "count"), [("sdn-2024-04-19.csv", 14630), ("sdn-2024-05-03.csv", 14965)])
def test_history_releases(name: str, count: int) -> None:
    entries = parse_list(ListFormat.OFAC_SDN, {"sdn": _file(f"ofac-sdn-history/{name}")})
    assert len(entries) == count


def test_full_sdn_and_un_parse_whole() -> None:
    # How fast is bench/'s business (tests never assert timings): here, that nothing is lost.
    sdn = parse_list(ListFormat.OFAC_SDN, {"sdn": _file("ofac-sdn-history/sdn-2024-05-03.csv")})
    un = parse_list(ListFormat.UN, {"un": _file("un/UN_consolidated.xml")})
    assert len(sdn) == 14965 and len(un) == 1003
    assert len({e.source_id for e in sdn}) == len(sdn) and len({e.source_id for e in un}) == len(un)


# --------------------------------------------------------------------------------------------
# The invalid folder: every bad row is found, one after the other, with its file and line.


def _blank_line(raw: bytes, line: int) -> bytes:
    lines = raw.split(b"\n")
    lines[line - 1] = b""
    return b"\n".join(lines)


def _all_errors(
    list_format: ListFormat, files: dict[str, tuple[str, bytes]]
) -> tuple[list[tuple[str, int, str]], list[WatchlistEntry]]:
    """Parse; on each error, blank the reported line and go again. Returns the errors and the final entries."""
    errors: list[tuple[str, int, str]] = []
    roles = {name: role for role, (name, _) in files.items()}
    while True:
        try:
            return errors, parse_list(list_format, files)
        except ListParseError as error:
            errors.append((error.file, error.line, error.reason))
            assert len(errors) < 20
            role = roles[error.file]
            files = {**files, role: (error.file, _blank_line(files[role][1], error.line))}


def test_invalid_ofac_files() -> None:
    # An older, consistent SDN release (LF line ends, add.csv quoting only where needed) whose four
    # files each end with a junk "||||" line in place of the Ctrl-Z.
    errors, entries = _all_errors(ListFormat.OFAC_SDN, {role: _file(path) for role, path in INVALID_OFAC_FILES.items()})
    assert [(file, line) for file, line, _ in errors] == [
        ("sdn.csv", 7380),
        ("alt.csv", 9683),
        ("add.csv", 11697),
        ("sdn_comments.csv", 4),
    ]
    assert [reason for _, _, reason in errors] == [
        "expected 12 columns, got 1",
        "expected 5 columns, got 1",
        "expected 6 columns, got 1",
        "expected 2 columns, got 1",
    ]
    assert len(entries) == 7379  # once the junk lines are gone the rest is a good release


def test_invalid_csl_file() -> None:
    errors, entries = _all_errors(ListFormat.CSL, {"csl": _file("invalid/csl.csv")})
    assert errors == [
        ("csl.csv", 2, "expected 28 columns, got 2"),  # "/,1"
        ("csl.csv", 4, "expected 28 columns, got 2"),  # an SSI row cut after its source
        ("csl.csv", 5, "expected 28 columns, got 6"),  # "...,123,,,abc," cut short
        ("csl.csv", 9, "expected 28 columns, got 1"),  # a lone "."
    ]
    assert [entry.primary_name for entry in entries] == [
        "GAZPROMBANK UPRAVLENIE AKTIVAMI",
        "Gulf Eagle Industrial and Metal Profiles (GEIMP)",
    ]


# --------------------------------------------------------------------------------------------
# CSL


def test_csl(csl: list[WatchlistEntry]) -> None:
    assert len(csl) == 115
    assert len({entry.source_id for entry in csl}) == 115
    entries = _by_id(csl)
    entry = entries["20264"]
    assert entry.primary_name == "200G PSA HOLDINGS LLC"
    assert entry.entry_type is EntryType.ENTITY
    assert entry.programs == ("SDNTK",)
    assert entry.addresses == ("80 SW 8th Street Suite 2000, Miami, FL, 33130, US",)
    assert entry.countries == ("US",)
    assert entry.identifiers == (EntryIdentifier("Tax ID No.", "80-0890696", "US"),)
    assert entries["8124"].aliases == ("CARIBE SOL", "HAVANTUR CANADA INC.")
    # No entity_number: a stable derived id (sha1 of source|name|addresses, 16 hex digits).
    (hernandez,) = [entry for entry in csl if entry.primary_name == "ADRIAN MANUEL HERNANDEZ"]
    assert len(hernandez.source_id) == 16 and int(hernandez.source_id, 16) >= 0
    assert hernandez.entry_type is EntryType.INDIVIDUAL  # untyped Denied Persons row, no legal form
    assert "Source: Denied Persons List (DPL) - Bureau of Industry and Security" in hernandez.remarks
    # Multi-valued programs and ISO dates of birth.
    assert any(entry.programs == ("IFSR", "NPWMD") for entry in csl)
    assert any(entry.dates_of_birth == ("1967-10-31",) for entry in csl)


def test_csl_ids_are_stable_across_parses(csl: list[WatchlistEntry]) -> None:
    again = parse_list(ListFormat.CSL, {"csl": _file("csl/csl.csv")})
    assert [entry.source_id for entry in again] == [entry.source_id for entry in csl]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("name,type\nX,Entity\n", 1, "header row lacks column(s) source"),
        ("source,name,type\nS,X,Person\n", 2, "unknown type 'Person'"),
        ("source,name,type\nS,,Entity\n", 2, "missing name"),
        ("source,entity_number,name\nS,1,X\nS,1,Y\n", 3, "duplicate entity_number '1' (first on line 2)"),
    ],
)
def test_csl_errors(text: str, line: int, reason: str) -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.CSL, {"csl": ("csl.csv", text.encode())})
    assert (caught.value.file, caught.value.line, caught.value.reason) == ("csl.csv", line, reason)


# --------------------------------------------------------------------------------------------
# BIS DPL


def test_dpl(dpl: list[WatchlistEntry]) -> None:
    data_rows = (WATCHLISTS / "bis-dpl/dpl.txt").read_text().count("\n") - 1
    assert data_rows == 581
    # Two rows appear twice, word for word (DAQING ZHOU, NEI-CHIEN CHU): one entry each.
    assert len(dpl) == 579
    assert len({entry.source_id for entry in dpl}) == 579
    entry = next(entry for entry in dpl if entry.primary_name == "NEI-CHIEN CHU")
    assert entry.entry_type is EntryType.INDIVIDUAL
    assert entry.addresses == ("1132 SEAGULL LANE, CHERRY HILL, NJ, 08054, US",)
    assert entry.countries == ("US",)
    assert "Action: NAME CORRECTED" in entry.remarks
    by_name = {entry.primary_name: entry for entry in dpl}
    assert by_name["AIR FREIGHT LTD"].entry_type is EntryType.ENTITY
    assert by_name["BIB INDUSTRIE-HANDEL DIPL.ING M. MANGELSEN GMBH"].entry_type is EntryType.ENTITY
    assert by_name["JOHNSON HU"].countries == ("CN",)  # "PRC"
    assert by_name["FUYI SUN A/K/A FRANK SUN"].aliases == ("FUYI SUN", "FRANK SUN")
    assert by_name["PEARL (A.K.A. NEI-CHIEN CHU) LI"].aliases == ("NEI-CHIEN CHU", "PEARL LI")


def test_dpl_errors() -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.BIS_DPL, {"dpl": ("dpl.txt", b'"Name"\t"City"\n"X"\t"Y"\n')})
    assert (caught.value.line, caught.value.reason) == (
        1,
        "header row lacks column(s) Street_Address, State, Country, Postal_Code",
    )
    header = b'"Name"\t"Street_Address"\t"City"\t"State"\t"Country"\t"Postal_Code"\n'
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.BIS_DPL, {"dpl": ("dpl.txt", header + b'"X"\t"1 Road"\n')})
    assert (caught.value.line, caught.value.reason) == (2, "expected 6 columns, got 2")


# --------------------------------------------------------------------------------------------
# UN


def test_un_counts(un: list[WatchlistEntry]) -> None:
    assert sum(entry.entry_type is EntryType.INDIVIDUAL for entry in un) == 730
    assert sum(entry.entry_type is EntryType.ENTITY for entry in un) == 273
    assert len({entry.source_id for entry in un}) == 1003


def test_un_individual(un: list[WatchlistEntry]) -> None:
    entry = _by_id(un)["CDi.003"]
    assert entry.primary_name == "GASTON IYAMUREMYE"
    assert entry.dates_of_birth == ("1948",)
    assert entry.countries == ("RW", "CD")  # nationality Rwanda, address in the DR Congo
    assert entry.aliases == ("Byiringiro Victor Rumuli", "Victor Rumuri", "Michel Byiringiro")
    assert entry.weak_aliases == ("Rumuli",)  # QUALITY Low
    assert entry.addresses == ("North Kivu Province, Democratic Republic of the Congo",)
    assert entry.programs == ("DRC",)
    assert entry.remarks.startswith("INTERPOL-UN Security Council Special Notice")


def test_un_details(un: list[WatchlistEntry]) -> None:
    entries = _by_id(un)
    assert entries["CDi.021"].dates_of_birth == ("1971-05-23",)
    assert entries["CDi.021"].identifiers == (EntryIdentifier("Passport", "OB 0243318", "CD"),)
    assert entries["CDi.030"].dates_of_birth == ("1973", "1974")  # BETWEEN 1973 and 1974
    assert entries["QDi.015"].aliases[0] == "محفوظ ولد الوليد"  # NAME_ORIGINAL_SCRIPT
    assert entries["QDi.015"].countries == ("MR",)
    houthis = entries["YEe.001"]
    assert (houthis.primary_name, houthis.entry_type) == ("THE HOUTHIS", EntryType.ENTITY)
    assert houthis.aliases == ("ANSARALLAH", "ANSAR ALLAH", "PARTISANS OF GOD", "SUPPORTERS OF GOD")


_UN_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n'


@pytest.mark.parametrize(
    ("raw", "line", "reason"),
    [
        (_UN_HEAD + b"<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME>\n", 5, "malformed XML"),
        (
            _UN_HEAD + b"<INDIVIDUAL>\n<FIRST_NAME>A</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
            4,
            "without REFERENCE_NUMBER",
        ),
        (
            _UN_HEAD
            + b"<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><REFERENCE_NUMBER>R.1</REFERENCE_NUMBER></INDIVIDUAL>\n"
            + b"<INDIVIDUAL><FIRST_NAME>B</FIRST_NAME><REFERENCE_NUMBER>R.1</REFERENCE_NUMBER></INDIVIDUAL>\n"
            + b"</INDIVIDUALS></CONSOLIDATED_LIST>",
            5,
            "duplicate REFERENCE_NUMBER 'R.1' (first on line 4)",
        ),
        (
            _UN_HEAD
            + b"<INDIVIDUAL><REFERENCE_NUMBER>R.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
            4,
            "no name",
        ),
        (b'<?xml version="1.0"?>\n<LIST/>', 1, "not a UN consolidated list"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<CONSOLIDATED_LIST/>',
            2,
            "entity declarations are not allowed",
        ),
        (_UN_HEAD.replace(b"<INDIVIDUALS>", b"<INDIVIDUALS>\xff"), 3, "bad encoding"),
    ],
)
def test_un_errors(raw: bytes, line: int, reason: str) -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.UN, {"un": ("un.xml", raw)})
    assert (caught.value.file, caught.value.line) == ("un.xml", line)
    assert reason in caught.value.reason


# --------------------------------------------------------------------------------------------
# Generic CSV and JSON lines

_GENERIC_CSV = '''id,name,type,aliases,weak_aliases,countries,addresses,identifiers,dates_of_birth,programs,remarks
C-1,"DOE, John",Individual,Johnny Doe; J. DOE,JD,us;CA,"1 Main St, Springfield",Passport:X123 (US);Tax ID:77-1,1970-01-02;1971,IN-HOUSE,"free ""text"""
C-2,ACME TRADING LTD,,,,DE,,,,,
'''


def _expected_generic() -> list[WatchlistEntry]:
    return [
        WatchlistEntry(
            source_id="C-1",
            entry_type=EntryType.INDIVIDUAL,
            primary_name="DOE, John",
            aliases=("Johnny Doe", "J. DOE"),
            weak_aliases=("JD",),
            addresses=("1 Main St, Springfield",),
            countries=("US", "CA"),
            dates_of_birth=("1970-01-02", "1971"),
            identifiers=(EntryIdentifier("Passport", "X123", "US"), EntryIdentifier("Tax ID", "77-1")),
            programs=("IN-HOUSE",),
            remarks='free "text"',
        ),
        WatchlistEntry(
            source_id="C-2", entry_type=EntryType.ENTITY, primary_name="ACME TRADING LTD", countries=("DE",)
        ),
    ]


def _to_csv(entries: list[WatchlistEntry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
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
        ]
    )
    for entry in entries:
        identifiers = [f"{i.type}:{i.value}" + (f" ({i.country})" if i.country else "") for i in entry.identifiers]
        writer.writerow(
            [
                entry.source_id,
                entry.primary_name,
                entry.entry_type.value,
                ";".join(entry.aliases),
                ";".join(entry.weak_aliases),
                ";".join(entry.countries),
                ";".join(entry.addresses),
                ";".join(identifiers),
                ";".join(entry.dates_of_birth),
                ";".join(entry.programs),
                entry.remarks,
            ]
        )
    return out.getvalue().encode()


def _to_jsonl(entries: list[WatchlistEntry]) -> bytes:
    lines = []
    for entry in entries:
        record = {
            "id": entry.source_id,
            "name": entry.primary_name,
            "type": entry.entry_type.value,
            "aliases": list(entry.aliases),
            "weak_aliases": list(entry.weak_aliases),
            "countries": list(entry.countries),
            "addresses": list(entry.addresses),
            "identifiers": [{"type": i.type, "value": i.value, "country": i.country} for i in entry.identifiers],
            "dates_of_birth": list(entry.dates_of_birth),
            "programs": list(entry.programs),
            "remarks": entry.remarks,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def test_generic_csv() -> None:
    entries = parse_list(ListFormat.GENERIC_CSV, {"entries": ("in-house.csv", _GENERIC_CSV.encode())})
    assert entries == _expected_generic()


def test_generic_round_trips(sdn: list[WatchlistEntry], un: list[WatchlistEntry]) -> None:
    sample = _expected_generic() + sdn[:300] + un[:300]
    # CSV items cannot hold ";": keep those out of the CSV round trip (JSON lines carries them).
    csv_safe = [
        entry
        for entry in sample
        if not any(";" in text for text in (*entry.aliases, *entry.weak_aliases, *entry.addresses, *entry.programs))
        and not any(";" in i.value or ":" in i.type for i in entry.identifiers)
    ]
    assert len(csv_safe) > 400
    assert parse_list(ListFormat.GENERIC_CSV, {"entries": ("x.csv", _to_csv(csv_safe))}) == csv_safe
    assert parse_list(ListFormat.GENERIC_JSONL, {"entries": ("x.jsonl", _to_jsonl(sample))}) == sample


def test_generic_jsonl_accepts_plain_forms() -> None:
    raw = (
        b'{"id": 7, "name": "  ACME  CORP ", "identifiers": ["LEI:5493001KJTIIGC8Y1R12"]}\n'
        b"\n"
        b'{"id": "8", "name": "B", "type": "VESSEL"}\n'
    )
    first, second = parse_list(ListFormat.GENERIC_JSONL, {"entries": ("x.jsonl", raw)})
    assert (first.source_id, first.primary_name, first.entry_type) == ("7", "ACME CORP", EntryType.ENTITY)
    assert first.identifiers == (EntryIdentifier("LEI", "5493001KJTIIGC8Y1R12"),)
    assert (second.source_id, second.entry_type) == ("8", EntryType.VESSEL)


_HEADER = "id,name,type,countries,identifiers,dates_of_birth\n"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("name\nX\n", 1, "header row lacks column(s) id"),
        ("id,name,alias\n1,X,Y\n", 1, "unknown column(s) 'alias'"),
        ("id,name,name\n1,X,Y\n", 1, "column(s) name given twice"),
        (_HEADER + "1,X,,,,\n,Y,,,,\n", 3, "missing id"),
        (_HEADER + "1,X,,,,\n2,Y,,,,\n1,Z,,,,\n", 4, "duplicate id '1' (first on line 2)"),
        (_HEADER + "1,,,,,\n", 2, "id '1': missing name"),
        (_HEADER + "1,X,person,,,\n", 2, "id '1': unknown type 'person'"),
        (_HEADER + "1,X,,ZZ,,\n", 2, "id '1': invalid country code 'ZZ'"),
        (_HEADER + "1,X,,USA,,\n", 2, "id '1': invalid country code 'USA'"),
        (_HEADER + "1,X,,,Passport,\n", 2, "identifier 'Passport' is not TYPE:VALUE"),
        (_HEADER + "1,X,,,Passport:A1 (QQ),\n", 2, "invalid country code 'QQ'"),
        (_HEADER + "1,X,,,,12/03/1962\n", 2, "id '1': invalid date of birth '12/03/1962'"),
        (_HEADER + "1,X,,,,1962-02-30\n", 2, "id '1': invalid date of birth '1962-02-30'"),
        (_HEADER + "1,X\n", 2, "expected 6 columns, got 2"),
        (_HEADER + '1,"X,,,,\n', 2, "malformed CSV"),
    ],
)
def test_generic_csv_errors(text: str, line: int, reason: str) -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.GENERIC_CSV, {"entries": ("list.csv", text.encode())})
    assert (caught.value.file, caught.value.line) == ("list.csv", line)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{"id": "1", "name": "X"}\n{"name": "Y"}\n', 2, "missing id"),
        ('{"id": "1", "name": "X"}\n\n{"id": "1", "name": "Y"}\n', 3, "duplicate id '1' (first on line 1)"),
        ('{"id": "1", "name": "X", "type": "company"}\n', 1, "unknown type 'company'"),
        ('{"id": "1", "name": "X", "countries": ["XX"]}\n', 1, "invalid country code 'XX'"),
        ('{"id": "1", "name": "X", "countries": "US"}\n', 1, "countries must be a JSON array"),
        ('{"id": "1", "name": "X", "aliases": [1]}\n', 1, "aliases must be an array of strings"),
        ('{"id": "1", "name": "X", "alias": ["Y"]}\n', 1, "unknown key(s) 'alias'"),
        ('{"id": "1", "name": "X"\n', 1, "invalid JSON"),
        ('["1", "X"]\n', 1, "not a JSON object"),
        ('{"id": "1", "name": "X", "identifiers": [{"kind": "P"}]}\n', 1, "identifier"),
        ('{"id": 1.5, "name": "X"}\n', 1, "id must be a string"),
    ],
)
def test_generic_jsonl_errors(text: str, line: int, reason: str) -> None:
    with pytest.raises(ListParseError) as caught:
        parse_list(ListFormat.GENERIC_JSONL, {"entries": ("list.jsonl", text.encode())})
    assert (caught.value.file, caught.value.line) == ("list.jsonl", line)
    assert reason in caught.value.reason


def test_generic_csv_streams_large_files() -> None:
    rows = ["id,name,type,aliases,countries,identifiers,dates_of_birth"]
    rows += [
        f'P{i},"DOE{i}, John",individual,J. Doe {i},US;CA,Passport:X{i} (US),1970-01-{i % 28 + 1:02d}'
        for i in range(100_000)
    ]
    raw = ("\n".join(rows) + "\n").encode()
    entries = parse_list(ListFormat.GENERIC_CSV, {"entries": ("big.csv", raw)})
    assert len(entries) == 100_000
    last = entries[-1]
    assert (last.source_id, last.primary_name, last.aliases, last.countries) == ("P99999", "DOE99999, John", ("J. Doe 99999",), ("US", "CA"))
    assert last.dates_of_birth == (f"1970-01-{99_999 % 28 + 1:02d}",)
    assert (last.identifiers[0].type, last.identifiers[0].value, last.identifiers[0].country) == ("Passport", "X99999", "US")
