# Generated from protos/ by scripts/generate_protos.py. Do not edit.
import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Purpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PURPOSE_UNSPECIFIED: _ClassVar[Purpose]
    PURPOSE_KNOWN_MARKETPLACE_SELLER: _ClassVar[Purpose]
    PURPOSE_KNOWN_CARRIER_CUSTOMER: _ClassVar[Purpose]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_KNOWN: _ClassVar[Outcome]
    OUTCOME_NOT_KNOWN: _ClassVar[Outcome]
    OUTCOME_NEEDS_REVIEW: _ClassVar[Outcome]

class DecisionTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DECISION_TRIGGER_UNSPECIFIED: _ClassVar[DecisionTrigger]
    DECISION_TRIGGER_REQUEST: _ClassVar[DecisionTrigger]
    DECISION_TRIGGER_REEVALUATION: _ClassVar[DecisionTrigger]
PURPOSE_UNSPECIFIED: Purpose
PURPOSE_KNOWN_MARKETPLACE_SELLER: Purpose
PURPOSE_KNOWN_CARRIER_CUSTOMER: Purpose
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_KNOWN: Outcome
OUTCOME_NOT_KNOWN: Outcome
OUTCOME_NEEDS_REVIEW: Outcome
DECISION_TRIGGER_UNSPECIFIED: DecisionTrigger
DECISION_TRIGGER_REQUEST: DecisionTrigger
DECISION_TRIGGER_REEVALUATION: DecisionTrigger

class Decision(_message.Message):
    __slots__ = ("name", "purpose", "flag", "outcome", "reasons", "policy_version", "list_versions", "decide_time", "valid_until", "trigger", "party_revision", "attestation", "requested_by")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    PARTY_REVISION_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    name: str
    purpose: Purpose
    flag: bool
    outcome: Outcome
    reasons: _containers.RepeatedCompositeFieldContainer[DecisionReason]
    policy_version: str
    list_versions: _containers.RepeatedScalarFieldContainer[str]
    decide_time: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    trigger: DecisionTrigger
    party_revision: int
    attestation: Attestation
    requested_by: str
    def __init__(self, name: _Optional[str] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., flag: _Optional[bool] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., reasons: _Optional[_Iterable[_Union[DecisionReason, _Mapping]]] = ..., policy_version: _Optional[str] = ..., list_versions: _Optional[_Iterable[str]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trigger: _Optional[_Union[DecisionTrigger, str]] = ..., party_revision: _Optional[int] = ..., attestation: _Optional[_Union[Attestation, _Mapping]] = ..., requested_by: _Optional[str] = ...) -> None: ...

class DecisionReason(_message.Message):
    __slots__ = ("code", "message", "evidence", "effect")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    evidence: _containers.RepeatedCompositeFieldContainer[Evidence]
    effect: Outcome
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[Evidence, _Mapping]]] = ..., effect: _Optional[_Union[Outcome, str]] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("violation", "watchlist_hit", "payment_standing", "party_revision", "match_clearance")
    VIOLATION_FIELD_NUMBER: _ClassVar[int]
    WATCHLIST_HIT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_STANDING_FIELD_NUMBER: _ClassVar[int]
    PARTY_REVISION_FIELD_NUMBER: _ClassVar[int]
    MATCH_CLEARANCE_FIELD_NUMBER: _ClassVar[int]
    violation: str
    watchlist_hit: WatchlistHit
    payment_standing: PaymentStandingEvidence
    party_revision: str
    match_clearance: str
    def __init__(self, violation: _Optional[str] = ..., watchlist_hit: _Optional[_Union[WatchlistHit, _Mapping]] = ..., payment_standing: _Optional[_Union[PaymentStandingEvidence, _Mapping]] = ..., party_revision: _Optional[str] = ..., match_clearance: _Optional[str] = ...) -> None: ...

class WatchlistHit(_message.Message):
    __slots__ = ("entry", "list_version", "matched_name", "queried_name", "score")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    MATCHED_NAME_FIELD_NUMBER: _ClassVar[int]
    QUERIED_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    entry: str
    list_version: str
    matched_name: str
    queried_name: str
    score: float
    def __init__(self, entry: _Optional[str] = ..., list_version: _Optional[str] = ..., matched_name: _Optional[str] = ..., queried_name: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class PaymentStandingEvidence(_message.Message):
    __slots__ = ("standing", "repeat_customer", "reason_codes", "shipments", "on_time_ratio", "overdue_lines")
    STANDING_FIELD_NUMBER: _ClassVar[int]
    REPEAT_CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    REASON_CODES_FIELD_NUMBER: _ClassVar[int]
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATIO_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_LINES_FIELD_NUMBER: _ClassVar[int]
    standing: str
    repeat_customer: bool
    reason_codes: _containers.RepeatedScalarFieldContainer[str]
    shipments: int
    on_time_ratio: float
    overdue_lines: int
    def __init__(self, standing: _Optional[str] = ..., repeat_customer: _Optional[bool] = ..., reason_codes: _Optional[_Iterable[str]] = ..., shipments: _Optional[int] = ..., on_time_ratio: _Optional[float] = ..., overdue_lines: _Optional[int] = ...) -> None: ...

class Attestation(_message.Message):
    __slots__ = ("key_id", "algorithm", "payload", "signature")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    algorithm: str
    payload: bytes
    signature: bytes
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., payload: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class VetSellerRequest(_message.Message):
    __slots__ = ("party", "high_volume")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    HIGH_VOLUME_FIELD_NUMBER: _ClassVar[int]
    party: str
    high_volume: bool
    def __init__(self, party: _Optional[str] = ..., high_volume: _Optional[bool] = ...) -> None: ...

class CheckShipperRequest(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: str
    def __init__(self, party: _Optional[str] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListDecisionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "purpose", "outcome")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    purpose: Purpose
    outcome: Outcome
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., outcome: _Optional[_Union[Outcome, str]] = ...) -> None: ...

class ListDecisionsResponse(_message.Message):
    __slots__ = ("decisions", "next_page_token")
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    decisions: _containers.RepeatedCompositeFieldContainer[Decision]
    next_page_token: str
    def __init__(self, decisions: _Optional[_Iterable[_Union[Decision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDecisionInForceRequest(_message.Message):
    __slots__ = ("party", "purpose", "at_time")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    AT_TIME_FIELD_NUMBER: _ClassVar[int]
    party: str
    purpose: Purpose
    at_time: _timestamp_pb2.Timestamp
    def __init__(self, party: _Optional[str] = ..., purpose: _Optional[_Union[Purpose, str]] = ..., at_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReplayDecisionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ReplayDecisionResponse(_message.Message):
    __slots__ = ("decision", "replayed_outcome", "replayed_reasons", "same", "differences")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_REASONS_FIELD_NUMBER: _ClassVar[int]
    SAME_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    replayed_outcome: Outcome
    replayed_reasons: _containers.RepeatedCompositeFieldContainer[DecisionReason]
    same: bool
    differences: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., replayed_outcome: _Optional[_Union[Outcome, str]] = ..., replayed_reasons: _Optional[_Iterable[_Union[DecisionReason, _Mapping]]] = ..., same: _Optional[bool] = ..., differences: _Optional[_Iterable[str]] = ...) -> None: ...

class GetSigningKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSigningKeysResponse(_message.Message):
    __slots__ = ("keys",)
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[SigningKey]
    def __init__(self, keys: _Optional[_Iterable[_Union[SigningKey, _Mapping]]] = ...) -> None: ...

class SigningKey(_message.Message):
    __slots__ = ("key_id", "algorithm", "public_key", "create_time", "current")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    algorithm: str
    public_key: bytes
    create_time: _timestamp_pb2.Timestamp
    current: bool
    def __init__(self, key_id: _Optional[str] = ..., algorithm: _Optional[str] = ..., public_key: _Optional[bytes] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current: _Optional[bool] = ...) -> None: ...

class VerifyAttestationRequest(_message.Message):
    __slots__ = ("decision",)
    DECISION_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ...) -> None: ...

class VerifyAttestationResponse(_message.Message):
    __slots__ = ("valid", "reason", "key_id")
    VALID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    reason: str
    key_id: str
    def __init__(self, valid: _Optional[bool] = ..., reason: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class VetPartiesRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[VetPartyRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[VetPartyRequest, _Mapping]]] = ...) -> None: ...

class VetPartyRequest(_message.Message):
    __slots__ = ("tag", "vet_seller", "check_shipper")
    TAG_FIELD_NUMBER: _ClassVar[int]
    VET_SELLER_FIELD_NUMBER: _ClassVar[int]
    CHECK_SHIPPER_FIELD_NUMBER: _ClassVar[int]
    tag: str
    vet_seller: VetSellerRequest
    check_shipper: CheckShipperRequest
    def __init__(self, tag: _Optional[str] = ..., vet_seller: _Optional[_Union[VetSellerRequest, _Mapping]] = ..., check_shipper: _Optional[_Union[CheckShipperRequest, _Mapping]] = ...) -> None: ...

class VetPartiesResponse(_message.Message):
    __slots__ = ("answers",)
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    answers: _containers.RepeatedCompositeFieldContainer[VetPartyAnswer]
    def __init__(self, answers: _Optional[_Iterable[_Union[VetPartyAnswer, _Mapping]]] = ...) -> None: ...

class VetPartyAnswer(_message.Message):
    __slots__ = ("tag", "decision", "error")
    TAG_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    tag: str
    decision: Decision
    error: VetError
    def __init__(self, tag: _Optional[str] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., error: _Optional[_Union[VetError, _Mapping]] = ...) -> None: ...

class VetError(_message.Message):
    __slots__ = ("code", "message", "field_violations")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    field_violations: _containers.RepeatedCompositeFieldContainer[VetFieldViolation]
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ..., field_violations: _Optional[_Iterable[_Union[VetFieldViolation, _Mapping]]] = ...) -> None: ...

class VetFieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class DecisionChange(_message.Message):
    __slots__ = ("cursor", "decision", "previous_outcome", "change_time")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    decision: Decision
    previous_outcome: Outcome
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, cursor: _Optional[str] = ..., decision: _Optional[_Union[Decision, _Mapping]] = ..., previous_outcome: _Optional[_Union[Outcome, str]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchDecisionChangesRequest(_message.Message):
    __slots__ = ("cursor", "from_beginning")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    FROM_BEGINNING_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    from_beginning: bool
    def __init__(self, cursor: _Optional[str] = ..., from_beginning: _Optional[bool] = ...) -> None: ...

class ListDecisionChangesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "cursor")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    cursor: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., cursor: _Optional[str] = ...) -> None: ...

class ListDecisionChangesResponse(_message.Message):
    __slots__ = ("changes", "next_page_token")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[DecisionChange]
    next_page_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[DecisionChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MatchClearance(_message.Message):
    __slots__ = ("name", "entry", "analyst", "reason", "create_time", "revoke_time", "revoked_by", "entry_fingerprint")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    ANALYST_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    name: str
    entry: str
    analyst: str
    reason: str
    create_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    revoked_by: str
    entry_fingerprint: str
    def __init__(self, name: _Optional[str] = ..., entry: _Optional[str] = ..., analyst: _Optional[str] = ..., reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ..., entry_fingerprint: _Optional[str] = ...) -> None: ...

class ClearWatchlistMatchRequest(_message.Message):
    __slots__ = ("parent", "clearance", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CLEARANCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    clearance: MatchClearance
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., clearance: _Optional[_Union[MatchClearance, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListMatchClearancesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "show_revoked")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SHOW_REVOKED_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    show_revoked: bool
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., show_revoked: _Optional[bool] = ...) -> None: ...

class ListMatchClearancesResponse(_message.Message):
    __slots__ = ("clearances", "next_page_token")
    CLEARANCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    clearances: _containers.RepeatedCompositeFieldContainer[MatchClearance]
    next_page_token: str
    def __init__(self, clearances: _Optional[_Iterable[_Union[MatchClearance, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeMatchClearanceRequest(_message.Message):
    __slots__ = ("name", "analyst")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ANALYST_FIELD_NUMBER: _ClassVar[int]
    name: str
    analyst: str
    def __init__(self, name: _Optional[str] = ..., analyst: _Optional[str] = ...) -> None: ...
