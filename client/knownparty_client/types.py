"""Public names for the protocol messages and enums, so callers never import `_generated`.

    from knownparty_client import types
    party = types.Party(kind=types.PartyKind.PARTY_KIND_SELLER, legal_name="Acme GmbH")

Enum values are also available as module constants (`types.PARTY_KIND_SELLER`).
"""

from __future__ import annotations

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.timestamp_pb2 import Timestamp

from knownparty_client._generated.diagnostics_pb2 import EchoRequest, EchoResponse
from knownparty_client._generated.party_pb2 import (
    Address,
    CreatePartyRequest,
    DeletePartyRequest,
    FieldVerification,
    GetPartyRequest,
    Identifier,
    IdentifierType,
    ListPartiesRequest,
    ListPartiesResponse,
    ListPartyRevisionsRequest,
    ListPartyRevisionsResponse,
    Party,
    PartyChange,
    PartyKind,
    PartyRevision,
    PartyState,
    UpdatePartyRequest,
    VerificationMethod,
)

__all__ = [
    # Resources.
    "Party",
    "Address",
    "Identifier",
    "FieldVerification",
    "PartyRevision",
    # Enums.
    "PartyKind",
    "PartyState",
    "IdentifierType",
    "VerificationMethod",
    "PartyChange",
    # Requests and responses.
    "CreatePartyRequest",
    "GetPartyRequest",
    "ListPartiesRequest",
    "ListPartiesResponse",
    "UpdatePartyRequest",
    "DeletePartyRequest",
    "ListPartyRevisionsRequest",
    "ListPartyRevisionsResponse",
    "EchoRequest",
    "EchoResponse",
    # Well-known types used by the messages above.
    "FieldMask",
    "Timestamp",
]

# Module-level enum constants, as protoc puts them in the generated module.
for _enum in (PartyKind, PartyState, IdentifierType, VerificationMethod, PartyChange):
    for _name, _number in _enum.items():
        globals()[_name] = _number
        __all__.append(_name)
del _enum, _name, _number
