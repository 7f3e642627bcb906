"""Rendering: rich tables for people, JSON (one object, or JSON lines for lists) for programs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timezone

from google.protobuf import json_format
from google.protobuf.message import Message
from rich.console import Console
from rich.table import Table
from rich.text import Text

from knownparty_client import types
from knownparty_client.cli._choices import enum_label


def stdout() -> Console:
    # Made per use: sys.stdout may have been swapped (tests, pipes) since import.
    return Console(highlight=False)


def to_dict(msg: Message) -> dict:
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


def print_json(msg: Message) -> None:
    print(json.dumps(to_dict(msg), ensure_ascii=False), flush=True)


def _time(ts: types.Timestamp) -> str:
    if not ts.seconds and not ts.nanos:
        return ""
    return ts.ToDatetime(tzinfo=timezone.utc).isoformat(timespec="seconds")


def kind(number: int) -> str:
    return enum_label(types.PartyKind, "PARTY_KIND_", number)


def state(number: int) -> str:
    return enum_label(types.PartyState, "PARTY_STATE_", number)


def identifier(ident: types.Identifier) -> str:
    text = f"{enum_label(types.IdentifierType, 'IDENTIFIER_TYPE_', ident.type)}:{ident.value}"
    return f"{text}:{ident.issuing_country}" if ident.issuing_country else text


def address(addr: types.Address) -> str:
    place = " ".join(p for p in (addr.postal_code, addr.city) if p)
    parts = [*addr.lines, place, addr.region, addr.country]
    return ", ".join(p for p in parts if p)


def verification(v: types.FieldVerification) -> str:
    method = enum_label(types.VerificationMethod, "VERIFICATION_METHOD_", v.method)
    text = f"{v.field}: {method}"
    if v.source_reference:
        text += f" ({v.source_reference})"
    when = _time(v.verify_time)
    return f"{text} {when}" if when else text


def print_party(party: types.Party, *, as_json: bool) -> None:
    if as_json:
        print_json(party)
        return
    rows: list[tuple[str, str]] = [
        ("name", party.name),
        ("kind", kind(party.kind)),
        ("legal name", party.legal_name),
        ("state", state(party.state)),
        ("aliases", "\n".join(party.aliases)),
        ("addresses", "\n".join(address(a) for a in party.addresses)),
        ("identifiers", "\n".join(identifier(i) for i in party.identifiers)),
        ("email", party.email),
        ("phone", party.phone),
        ("verifications", "\n".join(verification(v) for v in party.verifications)),
        ("revision", str(party.revision) if party.revision else ""),
        ("etag", party.etag),
        ("created", _time(party.create_time)),
        ("updated", _time(party.update_time)),
    ]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in rows:
        if value:
            table.add_row(label, Text(value))
    stdout().print(table)


def print_parties(parties: Iterable[types.Party], *, as_json: bool) -> int:
    count = 0
    if as_json:
        for party in parties:  # streamed: one JSON line per party, pages fetched as needed
            print_json(party)
            count += 1
        return count
    table = Table()
    for title in ("name", "kind", "legal name", "state", "countries", "identifiers"):
        table.add_column(title, overflow="fold")
    for party in parties:
        countries = sorted({a.country for a in party.addresses if a.country})
        table.add_row(
            Text(party.name),
            kind(party.kind),
            Text(party.legal_name),
            state(party.state),
            ", ".join(countries),
            Text("\n".join(identifier(i) for i in party.identifiers)),
        )
        count += 1
    console = stdout()
    console.print(table)
    console.print(f"{count} part{'y' if count == 1 else 'ies'}")
    return count


def print_revisions(revisions: Iterable[types.PartyRevision], *, as_json: bool) -> None:
    if as_json:
        for revision in revisions:
            print_json(revision)
        return
    table = Table("revision", "change", "changed fields", "time", "state")
    for rev in revisions:
        table.add_row(
            str(rev.revision),
            enum_label(types.PartyChange, "PARTY_CHANGE_", rev.change),
            Text(", ".join(rev.changed_fields)),
            _time(rev.change_time),
            state(rev.snapshot.state),
        )
    stdout().print(table)
