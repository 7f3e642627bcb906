# Generated from protos/ by scripts/generate_protos.py. Do not edit.
from knownparty_client._generated import watchlist_pb2 as _watchlist_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScreenNamesRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: ScreenNameRequest
    def __init__(self, query: _Optional[_Union[ScreenNameRequest, _Mapping]] = ...) -> None: ...

class ScreenNamesResponse(_message.Message):
    __slots__ = ("result", "error", "tag")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    result: ScreenNameResponse
    error: QueryError
    tag: str
    def __init__(self, result: _Optional[_Union[ScreenNameResponse, _Mapping]] = ..., error: _Optional[_Union[QueryError, _Mapping]] = ..., tag: _Optional[str] = ...) -> None: ...

class QueryError(_message.Message):
    __slots__ = ("field_violations",)
    FIELD_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    field_violations: _containers.RepeatedCompositeFieldContainer[QueryFieldViolation]
    def __init__(self, field_violations: _Optional[_Iterable[_Union[QueryFieldViolation, _Mapping]]] = ...) -> None: ...

class QueryFieldViolation(_message.Message):
    __slots__ = ("field", "description")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ScreenNameRequest(_message.Message):
    __slots__ = ("name", "type", "countries", "date_of_birth", "identifiers", "lists", "min_score", "limit", "tag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    LISTS_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: _watchlist_pb2.EntryType
    countries: _containers.RepeatedScalarFieldContainer[str]
    date_of_birth: str
    identifiers: _containers.RepeatedScalarFieldContainer[str]
    lists: _containers.RepeatedScalarFieldContainer[str]
    min_score: float
    limit: int
    tag: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[_Union[_watchlist_pb2.EntryType, str]] = ..., countries: _Optional[_Iterable[str]] = ..., date_of_birth: _Optional[str] = ..., identifiers: _Optional[_Iterable[str]] = ..., lists: _Optional[_Iterable[str]] = ..., min_score: _Optional[float] = ..., limit: _Optional[int] = ..., tag: _Optional[str] = ...) -> None: ...

class ScreenNameResponse(_message.Message):
    __slots__ = ("tag", "matches", "alert", "alert_threshold", "list_versions", "policy_version")
    TAG_FIELD_NUMBER: _ClassVar[int]
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    ALERT_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIST_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    tag: str
    matches: _containers.RepeatedCompositeFieldContainer[ScreeningMatch]
    alert: bool
    alert_threshold: float
    list_versions: _containers.RepeatedScalarFieldContainer[str]
    policy_version: str
    def __init__(self, tag: _Optional[str] = ..., matches: _Optional[_Iterable[_Union[ScreeningMatch, _Mapping]]] = ..., alert: _Optional[bool] = ..., alert_threshold: _Optional[float] = ..., list_versions: _Optional[_Iterable[str]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class ScreeningMatch(_message.Message):
    __slots__ = ("entry", "matched_name", "score", "alert", "explanation")
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    MATCHED_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    entry: _watchlist_pb2.WatchlistEntry
    matched_name: str
    score: float
    alert: bool
    explanation: MatchExplanation
    def __init__(self, entry: _Optional[_Union[_watchlist_pb2.WatchlistEntry, _Mapping]] = ..., matched_name: _Optional[str] = ..., score: _Optional[float] = ..., alert: _Optional[bool] = ..., explanation: _Optional[_Union[MatchExplanation, _Mapping]] = ...) -> None: ...

class MatchExplanation(_message.Message):
    __slots__ = ("token_pairs", "adjustments")
    TOKEN_PAIRS_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENTS_FIELD_NUMBER: _ClassVar[int]
    token_pairs: _containers.RepeatedCompositeFieldContainer[TokenPair]
    adjustments: _containers.RepeatedCompositeFieldContainer[ScoreAdjustment]
    def __init__(self, token_pairs: _Optional[_Iterable[_Union[TokenPair, _Mapping]]] = ..., adjustments: _Optional[_Iterable[_Union[ScoreAdjustment, _Mapping]]] = ...) -> None: ...

class TokenPair(_message.Message):
    __slots__ = ("query_token", "matched_token", "similarity", "weight")
    QUERY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    query_token: str
    matched_token: str
    similarity: float
    weight: float
    def __init__(self, query_token: _Optional[str] = ..., matched_token: _Optional[str] = ..., similarity: _Optional[float] = ..., weight: _Optional[float] = ...) -> None: ...

class ScoreAdjustment(_message.Message):
    __slots__ = ("field", "delta", "reason")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    delta: float
    reason: str
    def __init__(self, field: _Optional[str] = ..., delta: _Optional[float] = ..., reason: _Optional[str] = ...) -> None: ...
