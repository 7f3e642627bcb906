"""Reading the official watchlist files into `WatchlistEntry` lists.

One entry point, `parse_list(list_format, files)`, with `FILE_ROLES` telling which files each format
takes. Pure Python (csv, expat, json, pycountry). The per-format parsers live in `formats_ofac`,
`formats_un`, `formats_trade` (CSL, BIS DPL) and `formats_generic`; the generic CSV / JSON lines
layout is documented in `formats_generic`.

A file that cannot be imported raises `ListParseError(file, line, reason)` for the first problem found;
a list is never returned half-read.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from knownparty_service.domain.watchlists.entries import ListFormat, ListParseError, WatchlistEntry
from knownparty_service.domain.watchlists.formats_generic import parse_generic_csv, parse_generic_jsonl
from knownparty_service.domain.watchlists.formats_ofac import parse_ofac
from knownparty_service.domain.watchlists.formats_trade import parse_csl, parse_dpl
from knownparty_service.domain.watchlists.formats_un import parse_un

__all__ = ["FILE_ROLES", "parse_list"]

# Per format: (role, required?) in the order the files are read.
FILE_ROLES: dict[ListFormat, tuple[tuple[str, bool], ...]] = {
    ListFormat.OFAC_SDN: (("sdn", True), ("alt", False), ("add", False), ("comments", False)),
    ListFormat.OFAC_NONSDN: (("prim", True), ("alt", False), ("add", False), ("comments", False)),
    ListFormat.CSL: (("csl", True),),
    ListFormat.BIS_DPL: (("dpl", True),),
    ListFormat.UN: (("un", True),),
    ListFormat.GENERIC_CSV: (("entries", True),),
    ListFormat.GENERIC_JSONL: (("entries", True),),
}

_PARSERS: dict[ListFormat, Callable[[dict[str, tuple[str, bytes]]], list[WatchlistEntry]]] = {
    ListFormat.OFAC_SDN: lambda files: parse_ofac(files, "sdn"),
    ListFormat.OFAC_NONSDN: lambda files: parse_ofac(files, "prim"),
    ListFormat.CSL: parse_csl,
    ListFormat.BIS_DPL: parse_dpl,
    ListFormat.UN: parse_un,
    ListFormat.GENERIC_CSV: parse_generic_csv,
    ListFormat.GENERIC_JSONL: parse_generic_jsonl,
}


def parse_list(list_format: ListFormat, files: dict[str, tuple[str, bytes]]) -> list[WatchlistEntry]:
    """Parse one list release.

    `files` maps a role of `FILE_ROLES[list_format]` to (the file's name as uploaded, its bytes).
    Entries come out in file order. Raises `ListParseError` naming the file (for a missing role, the
    role) and the 1-based line (0 when it is about the file as a whole).
    """
    list_format = ListFormat(list_format)
    roles = FILE_ROLES[list_format]
    known = {role for role, _ in roles}
    for role, (file_name, _) in files.items():
        if role not in known:
            raise ListParseError(
                file_name or role,
                0,
                f"unknown file role {role!r} for {list_format.value}; expected {', '.join(sorted(known))}",
            )
    for role, required in roles:
        if required and role not in files:
            raise ListParseError(role, 0, f"missing required file {role!r} for {list_format.value}")
    # Parsing allocates millions of small acyclic objects; the cyclic collector would rescan the
    # growing heap again and again (a 1M-row list took 2.5x longer). Nothing here makes cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _PARSERS[list_format](files)
    finally:
        if collecting:
            gc.enable()
