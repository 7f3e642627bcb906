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
from knownparty_client._generated.money_pb2 import Money
from knownparty_client._generated.payment_pb2 import (
    FeeLine,
    FeeResolution,
    FeeType,
    GetPaymentStandingRequest,
    ImportedPayment,
    ImportPaymentsBatch,
    ImportPaymentsHeader,
    ImportPaymentsRequest,
    ImportPaymentsResponse,
    ImportPaymentsRow,
    ListFeeLinesRequest,
    ListFeeLinesResponse,
    Payment,
    PaymentStanding,
    RecordFeeRequest,
    RecordPaymentRequest,
    RowError,
    StandingReason,
)
from knownparty_client._generated.violation_pb2 import (
    CreateViolationRequest,
    GetViolationRequest,
    ListViolationsRequest,
    ListViolationsResponse,
    ProductCategory,
    UpdateViolationStatusRequest,
    Violation,
    ViolationCategory,
    ViolationSource,
    ViolationStatus,
    ViolationStatusChange,
)

__all__ = [
    # Resources.
    "Party",
    "Address",
    "Identifier",
    "FieldVerification",
    "PartyRevision",
    "Violation",
    "ViolationStatusChange",
    "Money",
    "FeeLine",
    "Payment",
    "PaymentStanding",
    "StandingReason",
    "ImportPaymentsRow",
    "ImportedPayment",
    "RowError",
    # Enums.
    "PartyKind",
    "PartyState",
    "IdentifierType",
    "VerificationMethod",
    "PartyChange",
    "ViolationCategory",
    "ViolationSource",
    "ProductCategory",
    "ViolationStatus",
    "FeeType",
    "FeeResolution",
    # Requests and responses.
    "CreatePartyRequest",
    "GetPartyRequest",
    "ListPartiesRequest",
    "ListPartiesResponse",
    "UpdatePartyRequest",
    "DeletePartyRequest",
    "ListPartyRevisionsRequest",
    "ListPartyRevisionsResponse",
    "CreateViolationRequest",
    "GetViolationRequest",
    "ListViolationsRequest",
    "ListViolationsResponse",
    "UpdateViolationStatusRequest",
    "RecordFeeRequest",
    "RecordPaymentRequest",
    "ImportPaymentsRequest",
    "ImportPaymentsHeader",
    "ImportPaymentsBatch",
    "ImportPaymentsResponse",
    "ListFeeLinesRequest",
    "ListFeeLinesResponse",
    "GetPaymentStandingRequest",
    "EchoRequest",
    "EchoResponse",
    # Well-known types used by the messages above.
    "FieldMask",
    "Timestamp",
]

# Module-level enum constants, as protoc puts them in the generated module.
for _enum in (
    PartyKind,
    PartyState,
    IdentifierType,
    VerificationMethod,
    PartyChange,
    ViolationCategory,
    ViolationSource,
    ProductCategory,
    ViolationStatus,
    FeeType,
    FeeResolution,
):
    for _name, _number in _enum.items():
        globals()[_name] = _number
        __all__.append(_name)
del _enum, _name, _number
