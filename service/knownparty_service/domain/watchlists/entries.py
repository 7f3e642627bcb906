"""What a watchlist entry is, whatever format it came from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EntryType(StrEnum):
    INDIVIDUAL = "individual"
    ENTITY = "entity"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


class ListFormat(StrEnum):
    OFAC_SDN = "ofac-sdn"
    OFAC_NONSDN = "ofac-nonsdn"
    CSL = "csl"
    BIS_DPL = "bis-dpl"
    UN = "un"
    GENERIC_CSV = "generic-csv"
    GENERIC_JSONL = "generic-jsonl"


@dataclass(frozen=True)
class EntryIdentifier:
    type: str  # as the list names it: "Passport", "Tax ID No.", "IMO", ...
    value: str
    country: str = ""  # ISO 3166-1 alpha-2 when known


@dataclass(frozen=True)
class WatchlistEntry:
    """One listed party. Every field is as the list gives it, cleaned of nulls and padding."""

    source_id: str  # OFAC ent_num, UN REFERENCE_NUMBER, CSL entity number, or a stable derived id
    entry_type: EntryType
    primary_name: str
    aliases: tuple[str, ...] = ()
    # Aliases the list itself calls weak (OFAC "weak aka", UN "Low" quality): shown, scored lower.
    weak_aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, from addresses, nationality, citizenship
    dates_of_birth: tuple[str, ...] = ()  # ISO 8601 as precise as the list is: "1971", "1971-05", "1971-05-03"
    identifiers: tuple[EntryIdentifier, ...] = ()
    programs: tuple[str, ...] = ()
    remarks: str = ""


@dataclass(frozen=True)
class ListParseError(Exception):
    """A file that cannot be imported: which file, which line (1-based; 0 if not known), why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else f"{self.file}: {self.reason}"
