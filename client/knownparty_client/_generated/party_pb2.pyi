# Generated from protos/ by scripts/generate_protos.py. Do not edit.
import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PartyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_KIND_UNSPECIFIED: _ClassVar[PartyKind]
    PARTY_KIND_SELLER: _ClassVar[PartyKind]
    PARTY_KIND_SHIPPER: _ClassVar[PartyKind]
    PARTY_KIND_MANUFACTURER: _ClassVar[PartyKind]
    PARTY_KIND_SHIPMENT_INITIATOR: _ClassVar[PartyKind]

class PartyState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_STATE_UNSPECIFIED: _ClassVar[PartyState]
    PARTY_STATE_ACTIVE: _ClassVar[PartyState]
    PARTY_STATE_SUSPENDED: _ClassVar[PartyState]
    PARTY_STATE_ARCHIVED: _ClassVar[PartyState]

class IdentifierType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IDENTIFIER_TYPE_UNSPECIFIED: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_TAX_ID: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_EIN: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_VAT: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_EORI: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_DUNS: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_LEI: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_MID: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_BUSINESS_REGISTRATION: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_MARKETPLACE_SELLER_ACCOUNT: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_CARRIER_ACCOUNT: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_BANK_ACCOUNT: _ClassVar[IdentifierType]
    IDENTIFIER_TYPE_ID_DOCUMENT: _ClassVar[IdentifierType]

class VerificationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERIFICATION_METHOD_UNSPECIFIED: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_DOCUMENT: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_GOVERNMENT_REGISTRY: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_THIRD_PARTY_SERVICE: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_EMAIL_CONFIRMATION: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_PHONE_CONFIRMATION: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_BANK_CONFIRMATION: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_MANUAL_REVIEW: _ClassVar[VerificationMethod]
    VERIFICATION_METHOD_SELF_CERTIFICATION: _ClassVar[VerificationMethod]

class PartyChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_CHANGE_UNSPECIFIED: _ClassVar[PartyChange]
    PARTY_CHANGE_CREATED: _ClassVar[PartyChange]
    PARTY_CHANGE_UPDATED: _ClassVar[PartyChange]
    PARTY_CHANGE_ARCHIVED: _ClassVar[PartyChange]
PARTY_KIND_UNSPECIFIED: PartyKind
PARTY_KIND_SELLER: PartyKind
PARTY_KIND_SHIPPER: PartyKind
PARTY_KIND_MANUFACTURER: PartyKind
PARTY_KIND_SHIPMENT_INITIATOR: PartyKind
PARTY_STATE_UNSPECIFIED: PartyState
PARTY_STATE_ACTIVE: PartyState
PARTY_STATE_SUSPENDED: PartyState
PARTY_STATE_ARCHIVED: PartyState
IDENTIFIER_TYPE_UNSPECIFIED: IdentifierType
IDENTIFIER_TYPE_TAX_ID: IdentifierType
IDENTIFIER_TYPE_EIN: IdentifierType
IDENTIFIER_TYPE_VAT: IdentifierType
IDENTIFIER_TYPE_EORI: IdentifierType
IDENTIFIER_TYPE_DUNS: IdentifierType
IDENTIFIER_TYPE_LEI: IdentifierType
IDENTIFIER_TYPE_MID: IdentifierType
IDENTIFIER_TYPE_BUSINESS_REGISTRATION: IdentifierType
IDENTIFIER_TYPE_MARKETPLACE_SELLER_ACCOUNT: IdentifierType
IDENTIFIER_TYPE_CARRIER_ACCOUNT: IdentifierType
IDENTIFIER_TYPE_BANK_ACCOUNT: IdentifierType
IDENTIFIER_TYPE_ID_DOCUMENT: IdentifierType
VERIFICATION_METHOD_UNSPECIFIED: VerificationMethod
VERIFICATION_METHOD_DOCUMENT: VerificationMethod
VERIFICATION_METHOD_GOVERNMENT_REGISTRY: VerificationMethod
VERIFICATION_METHOD_THIRD_PARTY_SERVICE: VerificationMethod
VERIFICATION_METHOD_EMAIL_CONFIRMATION: VerificationMethod
VERIFICATION_METHOD_PHONE_CONFIRMATION: VerificationMethod
VERIFICATION_METHOD_BANK_CONFIRMATION: VerificationMethod
VERIFICATION_METHOD_MANUAL_REVIEW: VerificationMethod
VERIFICATION_METHOD_SELF_CERTIFICATION: VerificationMethod
PARTY_CHANGE_UNSPECIFIED: PartyChange
PARTY_CHANGE_CREATED: PartyChange
PARTY_CHANGE_UPDATED: PartyChange
PARTY_CHANGE_ARCHIVED: PartyChange

class Party(_message.Message):
    __slots__ = ("name", "kind", "legal_name", "aliases", "addresses", "identifiers", "email", "phone", "verifications", "state", "create_time", "update_time", "etag", "revision")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LEGAL_NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: PartyKind
    legal_name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    addresses: _containers.RepeatedCompositeFieldContainer[Address]
    identifiers: _containers.RepeatedCompositeFieldContainer[Identifier]
    email: str
    phone: str
    verifications: _containers.RepeatedCompositeFieldContainer[FieldVerification]
    state: PartyState
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    revision: int
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[PartyKind, str]] = ..., legal_name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., addresses: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., identifiers: _Optional[_Iterable[_Union[Identifier, _Mapping]]] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., verifications: _Optional[_Iterable[_Union[FieldVerification, _Mapping]]] = ..., state: _Optional[_Union[PartyState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("lines", "city", "region", "postal_code", "country")
    LINES_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedScalarFieldContainer[str]
    city: str
    region: str
    postal_code: str
    country: str
    def __init__(self, lines: _Optional[_Iterable[str]] = ..., city: _Optional[str] = ..., region: _Optional[str] = ..., postal_code: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...

class Identifier(_message.Message):
    __slots__ = ("type", "value", "issuing_country")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ISSUING_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    type: IdentifierType
    value: str
    issuing_country: str
    def __init__(self, type: _Optional[_Union[IdentifierType, str]] = ..., value: _Optional[str] = ..., issuing_country: _Optional[str] = ...) -> None: ...

class FieldVerification(_message.Message):
    __slots__ = ("field", "method", "source_reference", "verify_time")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    field: str
    method: VerificationMethod
    source_reference: str
    verify_time: _timestamp_pb2.Timestamp
    def __init__(self, field: _Optional[str] = ..., method: _Optional[_Union[VerificationMethod, str]] = ..., source_reference: _Optional[str] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreatePartyRequest(_message.Message):
    __slots__ = ("party", "party_id", "request_id")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    PARTY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    party: Party
    party_id: str
    request_id: str
    def __init__(self, party: _Optional[_Union[Party, _Mapping]] = ..., party_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetPartyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListPartiesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind", "country", "state", "identifier_type", "identifier_value", "name_prefix", "show_archived")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_TYPE_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIER_VALUE_FIELD_NUMBER: _ClassVar[int]
    NAME_PREFIX_FIELD_NUMBER: _ClassVar[int]
    SHOW_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: PartyKind
    country: str
    state: PartyState
    identifier_type: IdentifierType
    identifier_value: str
    name_prefix: str
    show_archived: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[PartyKind, str]] = ..., country: _Optional[str] = ..., state: _Optional[_Union[PartyState, str]] = ..., identifier_type: _Optional[_Union[IdentifierType, str]] = ..., identifier_value: _Optional[str] = ..., name_prefix: _Optional[str] = ..., show_archived: _Optional[bool] = ...) -> None: ...

class ListPartiesResponse(_message.Message):
    __slots__ = ("parties", "next_page_token")
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parties: _containers.RepeatedCompositeFieldContainer[Party]
    next_page_token: str
    def __init__(self, parties: _Optional[_Iterable[_Union[Party, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdatePartyRequest(_message.Message):
    __slots__ = ("party", "update_mask")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    party: Party
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, party: _Optional[_Union[Party, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeletePartyRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ListPartyRevisionsRequest(_message.Message):
    __slots__ = ("name", "page_size", "page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    page_size: int
    page_token: str
    def __init__(self, name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPartyRevisionsResponse(_message.Message):
    __slots__ = ("revisions", "next_page_token")
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[PartyRevision]
    next_page_token: str
    def __init__(self, revisions: _Optional[_Iterable[_Union[PartyRevision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PartyRevision(_message.Message):
    __slots__ = ("revision", "change", "changed_fields", "change_time", "snapshot")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    revision: int
    change: PartyChange
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    change_time: _timestamp_pb2.Timestamp
    snapshot: Party
    def __init__(self, revision: _Optional[int] = ..., change: _Optional[_Union[PartyChange, str]] = ..., changed_fields: _Optional[_Iterable[str]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., snapshot: _Optional[_Union[Party, _Mapping]] = ...) -> None: ...
