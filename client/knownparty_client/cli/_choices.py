"""Command-line spellings of the protocol enums and the TYPE:VALUE[:COUNTRY] identifier flag."""

from __future__ import annotations

import enum
from typing import Any

import typer

from knownparty_client import types


class Kind(str, enum.Enum):
    seller = "seller"
    shipper = "shipper"
    manufacturer = "manufacturer"
    shipment_initiator = "shipment-initiator"


class State(str, enum.Enum):
    active = "active"
    suspended = "suspended"
    archived = "archived"


class SettableState(str, enum.Enum):
    """The states UpdateParty accepts."""

    active = "active"
    suspended = "suspended"


def _proto_value(wrapper: Any, prefix: str, choice: str) -> int:
    return wrapper.Value(prefix + choice.upper().replace("-", "_"))


def kind_value(kind: Kind) -> int:
    return _proto_value(types.PartyKind, "PARTY_KIND_", kind.value)


def state_value(state: State | SettableState) -> int:
    return _proto_value(types.PartyState, "PARTY_STATE_", state.value)


def enum_label(wrapper: Any, prefix: str, number: int) -> str:
    """`PARTY_KIND_SHIPMENT_INITIATOR` -> `shipment-initiator` (the number when unknown)."""
    try:
        name = wrapper.Name(number)
    except ValueError:
        return str(number)
    return name.removeprefix(prefix).lower().replace("_", "-")


_ID_PREFIX = "IDENTIFIER_TYPE_"
IDENTIFIER_TYPES: dict[str, int] = {
    name.removeprefix(_ID_PREFIX).lower().replace("_", "-"): number
    for name, number in types.IdentifierType.items()
    if number != 0
}


def identifier_type(text: str) -> int:
    key = text.strip().lower().replace("_", "-")
    if key not in IDENTIFIER_TYPES:
        raise typer.BadParameter(f"unknown identifier type {text!r}; one of: {', '.join(IDENTIFIER_TYPES)}")
    return IDENTIFIER_TYPES[key]


def parse_identifier(text: str) -> types.Identifier:
    """`TYPE:VALUE[:COUNTRY]`. A value may contain colons: a last part of exactly two letters is
    taken as the issuing country."""
    kind, sep, rest = text.partition(":")
    if not sep or not rest:
        raise typer.BadParameter(f"{text!r} is not TYPE:VALUE[:COUNTRY]")
    value, country = rest, ""
    head, sep, tail = rest.rpartition(":")
    if sep and head and len(tail) == 2 and tail.isalpha():
        value, country = head, tail.upper()
    if not value:
        raise typer.BadParameter(f"{text!r} has an empty value")
    return types.Identifier(type=identifier_type(kind), value=value, issuing_country=country)


def parse_identifier_filter(text: str) -> tuple[int, str]:
    """`TYPE:VALUE` for the list filter (no issuing country in ListPartiesRequest)."""
    kind, sep, value = text.partition(":")
    if not sep or not value:
        raise typer.BadParameter(f"{text!r} is not TYPE:VALUE")
    return identifier_type(kind), value
