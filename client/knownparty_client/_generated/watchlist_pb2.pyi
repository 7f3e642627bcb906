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

class ListFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIST_FORMAT_UNSPECIFIED: _ClassVar[ListFormat]
    LIST_FORMAT_OFAC_SDN: _ClassVar[ListFormat]
    LIST_FORMAT_OFAC_NONSDN: _ClassVar[ListFormat]
    LIST_FORMAT_CSL: _ClassVar[ListFormat]
    LIST_FORMAT_BIS_DPL: _ClassVar[ListFormat]
    LIST_FORMAT_UN: _ClassVar[ListFormat]
    LIST_FORMAT_GENERIC_CSV: _ClassVar[ListFormat]
    LIST_FORMAT_GENERIC_JSONL: _ClassVar[ListFormat]

class EntryType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTRY_TYPE_UNSPECIFIED: _ClassVar[EntryType]
    ENTRY_TYPE_INDIVIDUAL: _ClassVar[EntryType]
    ENTRY_TYPE_ENTITY: _ClassVar[EntryType]
    ENTRY_TYPE_VESSEL: _ClassVar[EntryType]
    ENTRY_TYPE_AIRCRAFT: _ClassVar[EntryType]
LIST_FORMAT_UNSPECIFIED: ListFormat
LIST_FORMAT_OFAC_SDN: ListFormat
LIST_FORMAT_OFAC_NONSDN: ListFormat
LIST_FORMAT_CSL: ListFormat
LIST_FORMAT_BIS_DPL: ListFormat
LIST_FORMAT_UN: ListFormat
LIST_FORMAT_GENERIC_CSV: ListFormat
LIST_FORMAT_GENERIC_JSONL: ListFormat
ENTRY_TYPE_UNSPECIFIED: EntryType
ENTRY_TYPE_INDIVIDUAL: EntryType
ENTRY_TYPE_ENTITY: EntryType
ENTRY_TYPE_VESSEL: EntryType
ENTRY_TYPE_AIRCRAFT: EntryType

class Watchlist(_message.Message):
    __slots__ = ("name", "format", "active_version", "entry_count", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_VERSION_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    format: ListFormat
    active_version: str
    entry_count: int
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., format: _Optional[_Union[ListFormat, str]] = ..., active_version: _Optional[str] = ..., entry_count: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchlistVersion(_message.Message):
    __slots__ = ("name", "format", "source", "content_sha256", "entry_count", "create_time", "active", "files", "diff")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    ENTRY_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    name: str
    format: ListFormat
    source: str
    content_sha256: str
    entry_count: int
    create_time: _timestamp_pb2.Timestamp
    active: bool
    files: _containers.RepeatedCompositeFieldContainer[ImportedFile]
    diff: VersionDiff
    def __init__(self, name: _Optional[str] = ..., format: _Optional[_Union[ListFormat, str]] = ..., source: _Optional[str] = ..., content_sha256: _Optional[str] = ..., entry_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., files: _Optional[_Iterable[_Union[ImportedFile, _Mapping]]] = ..., diff: _Optional[_Union[VersionDiff, _Mapping]] = ...) -> None: ...

class ImportedFile(_message.Message):
    __slots__ = ("role", "file_name", "size_bytes", "sha256")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    role: str
    file_name: str
    size_bytes: int
    sha256: str
    def __init__(self, role: _Optional[str] = ..., file_name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class VersionDiff(_message.Message):
    __slots__ = ("previous_version", "added", "removed", "changed", "unchanged", "added_ids", "removed_ids", "changed_ids")
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    ADDED_IDS_FIELD_NUMBER: _ClassVar[int]
    REMOVED_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANGED_IDS_FIELD_NUMBER: _ClassVar[int]
    previous_version: str
    added: int
    removed: int
    changed: int
    unchanged: int
    added_ids: _containers.RepeatedScalarFieldContainer[str]
    removed_ids: _containers.RepeatedScalarFieldContainer[str]
    changed_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, previous_version: _Optional[str] = ..., added: _Optional[int] = ..., removed: _Optional[int] = ..., changed: _Optional[int] = ..., unchanged: _Optional[int] = ..., added_ids: _Optional[_Iterable[str]] = ..., removed_ids: _Optional[_Iterable[str]] = ..., changed_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ImportWatchlistRequest(_message.Message):
    __slots__ = ("header", "chunk")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    header: ImportWatchlistHeader
    chunk: FileChunk
    def __init__(self, header: _Optional[_Union[ImportWatchlistHeader, _Mapping]] = ..., chunk: _Optional[_Union[FileChunk, _Mapping]] = ...) -> None: ...

class ImportWatchlistHeader(_message.Message):
    __slots__ = ("list_id", "format", "source", "files")
    LIST_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    list_id: str
    format: ListFormat
    source: str
    files: _containers.RepeatedCompositeFieldContainer[ImportedFile]
    def __init__(self, list_id: _Optional[str] = ..., format: _Optional[_Union[ListFormat, str]] = ..., source: _Optional[str] = ..., files: _Optional[_Iterable[_Union[ImportedFile, _Mapping]]] = ...) -> None: ...

class FileChunk(_message.Message):
    __slots__ = ("role", "data")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    role: str
    data: bytes
    def __init__(self, role: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class ImportWatchlistResponse(_message.Message):
    __slots__ = ("version", "created")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    version: WatchlistVersion
    created: bool
    def __init__(self, version: _Optional[_Union[WatchlistVersion, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class ListWatchlistsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWatchlistsResponse(_message.Message):
    __slots__ = ("watchlists", "next_page_token")
    WATCHLISTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    watchlists: _containers.RepeatedCompositeFieldContainer[Watchlist]
    next_page_token: str
    def __init__(self, watchlists: _Optional[_Iterable[_Union[Watchlist, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetWatchlistVersionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListWatchlistVersionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWatchlistVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[WatchlistVersion]
    next_page_token: str
    def __init__(self, versions: _Optional[_Iterable[_Union[WatchlistVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListWatchlistEntriesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "type", "country", "program")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    type: EntryType
    country: str
    program: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., type: _Optional[_Union[EntryType, str]] = ..., country: _Optional[str] = ..., program: _Optional[str] = ...) -> None: ...

class ListWatchlistEntriesResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[WatchlistEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[WatchlistEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchlistEntry(_message.Message):
    __slots__ = ("name", "list", "version", "source_id", "type", "primary_name", "aliases", "weak_aliases", "addresses", "countries", "dates_of_birth", "identifiers", "programs", "remarks")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    WEAK_ALIASES_FIELD_NUMBER: _ClassVar[int]
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    DATES_OF_BIRTH_FIELD_NUMBER: _ClassVar[int]
    IDENTIFIERS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMS_FIELD_NUMBER: _ClassVar[int]
    REMARKS_FIELD_NUMBER: _ClassVar[int]
    name: str
    list: str
    version: str
    source_id: str
    type: EntryType
    primary_name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    weak_aliases: _containers.RepeatedScalarFieldContainer[str]
    addresses: _containers.RepeatedScalarFieldContainer[str]
    countries: _containers.RepeatedScalarFieldContainer[str]
    dates_of_birth: _containers.RepeatedScalarFieldContainer[str]
    identifiers: _containers.RepeatedCompositeFieldContainer[EntryIdentifier]
    programs: _containers.RepeatedScalarFieldContainer[str]
    remarks: str
    def __init__(self, name: _Optional[str] = ..., list: _Optional[str] = ..., version: _Optional[str] = ..., source_id: _Optional[str] = ..., type: _Optional[_Union[EntryType, str]] = ..., primary_name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., weak_aliases: _Optional[_Iterable[str]] = ..., addresses: _Optional[_Iterable[str]] = ..., countries: _Optional[_Iterable[str]] = ..., dates_of_birth: _Optional[_Iterable[str]] = ..., identifiers: _Optional[_Iterable[_Union[EntryIdentifier, _Mapping]]] = ..., programs: _Optional[_Iterable[str]] = ..., remarks: _Optional[str] = ...) -> None: ...

class EntryIdentifier(_message.Message):
    __slots__ = ("type", "value", "country")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    type: str
    value: str
    country: str
    def __init__(self, type: _Optional[str] = ..., value: _Optional[str] = ..., country: _Optional[str] = ...) -> None: ...
