"""Translation between knownparty.v1 messages and domain party models."""

from __future__ import annotations

from datetime import datetime, timezone

from google.protobuf.timestamp_pb2 import Timestamp

from knownparty_client._generated import party_pb2 as pb
from knownparty_service.domain.access import current_caller
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.identifiers import MAX_IDENTIFIER_LENGTH
from knownparty_service.domain.party_rules import MAX_NAME
from knownparty_service.domain.identifiers import PROTECTED_IDENTIFIER_TYPES
from knownparty_service.domain.parties import (
    Address,
    FieldVerification,
    Identifier,
    IdentifierType,
    Party,
    PartyChange,
    PartyFields,
    PartyKind,
    PartyQuery,
    PartyRevision,
    PartyState,
    VerificationMethod,
)

# Proto enum values <-> domain enums; the zero value (UNSPECIFIED) maps to None.
KINDS = {
    pb.PARTY_KIND_SELLER: PartyKind.SELLER,
    pb.PARTY_KIND_SHIPPER: PartyKind.SHIPPER,
    pb.PARTY_KIND_MANUFACTURER: PartyKind.MANUFACTURER,
    pb.PARTY_KIND_SHIPMENT_INITIATOR: PartyKind.SHIPMENT_INITIATOR,
}
STATES = {
    pb.PARTY_STATE_ACTIVE: PartyState.ACTIVE,
    pb.PARTY_STATE_SUSPENDED: PartyState.SUSPENDED,
    pb.PARTY_STATE_ARCHIVED: PartyState.ARCHIVED,
}
IDENTIFIER_TYPES = {
    pb.IDENTIFIER_TYPE_TAX_ID: IdentifierType.TAX_ID,
    pb.IDENTIFIER_TYPE_EIN: IdentifierType.EIN,
    pb.IDENTIFIER_TYPE_VAT: IdentifierType.VAT,
    pb.IDENTIFIER_TYPE_EORI: IdentifierType.EORI,
    pb.IDENTIFIER_TYPE_DUNS: IdentifierType.DUNS,
    pb.IDENTIFIER_TYPE_LEI: IdentifierType.LEI,
    pb.IDENTIFIER_TYPE_MID: IdentifierType.MID,
    pb.IDENTIFIER_TYPE_BUSINESS_REGISTRATION: IdentifierType.BUSINESS_REGISTRATION,
    pb.IDENTIFIER_TYPE_MARKETPLACE_SELLER_ACCOUNT: IdentifierType.MARKETPLACE_SELLER_ACCOUNT,
    pb.IDENTIFIER_TYPE_CARRIER_ACCOUNT: IdentifierType.CARRIER_ACCOUNT,
    pb.IDENTIFIER_TYPE_BANK_ACCOUNT: IdentifierType.BANK_ACCOUNT,
    pb.IDENTIFIER_TYPE_ID_DOCUMENT: IdentifierType.ID_DOCUMENT,
}
METHODS = {
    pb.VERIFICATION_METHOD_DOCUMENT: VerificationMethod.DOCUMENT,
    pb.VERIFICATION_METHOD_GOVERNMENT_REGISTRY: VerificationMethod.GOVERNMENT_REGISTRY,
    pb.VERIFICATION_METHOD_THIRD_PARTY_SERVICE: VerificationMethod.THIRD_PARTY_SERVICE,
    pb.VERIFICATION_METHOD_EMAIL_CONFIRMATION: VerificationMethod.EMAIL_CONFIRMATION,
    pb.VERIFICATION_METHOD_PHONE_CONFIRMATION: VerificationMethod.PHONE_CONFIRMATION,
    pb.VERIFICATION_METHOD_BANK_CONFIRMATION: VerificationMethod.BANK_CONFIRMATION,
    pb.VERIFICATION_METHOD_MANUAL_REVIEW: VerificationMethod.MANUAL_REVIEW,
    pb.VERIFICATION_METHOD_SELF_CERTIFICATION: VerificationMethod.SELF_CERTIFICATION,
}
CHANGES = {
    PartyChange.CREATED: pb.PARTY_CHANGE_CREATED,
    PartyChange.UPDATED: pb.PARTY_CHANGE_UPDATED,
    PartyChange.ARCHIVED: pb.PARTY_CHANGE_ARCHIVED,
}


def _reverse(mapping: dict) -> dict:
    return {v: k for k, v in mapping.items()}


KINDS_OUT, STATES_OUT, IDENTIFIER_TYPES_OUT, METHODS_OUT = map(_reverse, (KINDS, STATES, IDENTIFIER_TYPES, METHODS))


def enum_in(mapping: dict, value: int, path: str, errors: ViolationCollector):
    """The domain value, None for UNSPECIFIED; an unknown number is a field violation."""
    if value == 0:
        return None
    if value not in mapping:
        errors.add(path, f"unknown enum value {value}")
        return None
    return mapping[value]


def time_in(ts: Timestamp, present: bool) -> datetime | None:
    if not present:
        return None
    return datetime.fromtimestamp(ts.seconds, tz=timezone.utc).replace(microsecond=ts.nanos // 1000)


# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
MIN_TIMESTAMP_SECONDS = -62_135_596_800
MAX_TIMESTAMP_SECONDS = 253_402_300_799


def valid_time(ts: Timestamp) -> bool:
    return MIN_TIMESTAMP_SECONDS <= ts.seconds <= MAX_TIMESTAMP_SECONDS and 0 <= ts.nanos <= 999_999_999


def checked_time_in(ts: Timestamp, present: bool, path: str, errors: ViolationCollector) -> datetime | None:
    """The time of a Timestamp field; None when absent or out of the Timestamp range (a violation)."""
    if not present:
        return None
    if not valid_time(ts):
        errors.add(path, "is not a valid timestamp (years 1 to 9999)")
        return None
    return time_in(ts, True)


def time_out(value: datetime, target: Timestamp) -> None:
    seconds = int(value.timestamp())
    target.seconds = seconds
    target.nanos = value.microsecond * 1000


def fields_from_message(message: pb.Party, errors: ViolationCollector, prefix: str = "party") -> PartyFields:
    return PartyFields(
        kind=enum_in(KINDS, message.kind, f"{prefix}.kind", errors),
        legal_name=message.legal_name,
        aliases=tuple(message.aliases),
        addresses=tuple(
            Address(tuple(a.lines), a.city, a.region, a.postal_code, a.country) for a in message.addresses
        ),
        identifiers=tuple(
            Identifier(
                enum_in(IDENTIFIER_TYPES, i.type, f"{prefix}.identifiers[{n}].type", errors), i.value, i.issuing_country
            )
            for n, i in enumerate(message.identifiers)
        ),
        email=message.email,
        phone=message.phone,
        verifications=tuple(
            FieldVerification(
                v.field,
                enum_in(METHODS, v.method, f"{prefix}.verifications[{n}].method", errors),
                v.source_reference,
                checked_time_in(v.verify_time, v.HasField("verify_time"), f"{prefix}.verifications[{n}].verify_time", errors),
            )
            for n, v in enumerate(message.verifications)
        ),
    )


def shows_protected() -> bool:
    """Whether replies to the current caller carry protected identifiers in full (the server's
    own work has no caller and sees them)."""
    caller = current_caller()
    return caller is None or caller.sees_protected


def masked(value: str) -> str:
    """"*****6789": the last 4 characters let a person match a value they hold; short values show fewer."""
    visible = 4 if len(value) >= 8 else len(value) // 4
    return "*" * (len(value) - visible) + value[len(value) - visible :]


def party_to_message(party: Party, message: pb.Party | None = None) -> pb.Party:
    message = message if message is not None else pb.Party()
    reveal = shows_protected()
    fields = party.fields
    message.name = party.name
    message.kind = KINDS_OUT[fields.kind]
    message.legal_name = fields.legal_name
    message.aliases.extend(fields.aliases)
    for a in fields.addresses:
        message.addresses.add(lines=a.lines, city=a.city, region=a.region, postal_code=a.postal_code, country=a.country)
    for i in fields.identifiers:
        value = i.value if reveal or i.type not in PROTECTED_IDENTIFIER_TYPES else masked(i.value)
        message.identifiers.add(type=IDENTIFIER_TYPES_OUT[i.type], value=value, issuing_country=i.issuing_country)
    message.email = fields.email
    message.phone = fields.phone
    for v in fields.verifications:
        out = message.verifications.add(field=v.field, method=METHODS_OUT[v.method], source_reference=v.source_reference)
        if v.verify_time:
            time_out(v.verify_time, out.verify_time)
    message.state = STATES_OUT[party.state]
    time_out(party.create_time, message.create_time)
    time_out(party.update_time, message.update_time)
    message.etag = party.etag
    message.revision = party.revision
    return message


def revision_to_message(revision: PartyRevision) -> pb.PartyRevision:
    message = pb.PartyRevision(
        revision=revision.revision, change=CHANGES[revision.change], changed_fields=revision.changed_fields
    )
    time_out(revision.change_time, message.change_time)
    party_to_message(revision.snapshot, message.snapshot)
    return message


def query_from_request(request: pb.ListPartiesRequest, errors: ViolationCollector) -> PartyQuery:
    if len(request.name_prefix) > MAX_NAME:
        errors.add("name_prefix", f"is longer than {MAX_NAME} characters")
    if len(request.identifier_value) > MAX_IDENTIFIER_LENGTH:
        errors.add("identifier_value", f"is longer than {MAX_IDENTIFIER_LENGTH} characters")
    return PartyQuery(
        kind=enum_in(KINDS, request.kind, "kind", errors),
        country=request.country.strip(),
        state=enum_in(STATES, request.state, "state", errors),
        identifier_type=enum_in(IDENTIFIER_TYPES, request.identifier_type, "identifier_type", errors),
        identifier_value=request.identifier_value.strip(),
        name_prefix=request.name_prefix,
        show_archived=request.show_archived or request.state == pb.PARTY_STATE_ARCHIVED,
    )
