"""Use cases of the watchlist catalog: import a list as a new immutable version, read versions
and entries. Parsing is formats.parse_list; storage is a repository behind the Protocol below."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Protocol

from knownparty_service.domain.errors import (
    FieldViolation,
    NotFoundError,
    ValidationError,
    ViolationCollector,
)
from knownparty_service.domain.paging import decode_page_token, encode_page_token, fingerprint, resolve_page_size
from knownparty_service.domain.party_registry import utc_now
from knownparty_service.domain.party_rules import check_party_id
from knownparty_service.domain.watchlists.entries import EntryType, ListFormat, ListParseError, WatchlistEntry
from knownparty_service.domain.watchlists.formats import FILE_ROLES, parse_list

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_SOURCE = 500
MAX_FILES = 10
MAX_FILE_NAME = 255
DIFF_SAMPLE = 100


@dataclass(frozen=True)
class UploadedFile:
    role: str
    file_name: str
    declared_size: int
    declared_sha256: str


@dataclass(frozen=True)
class VersionDiff:
    previous_version: int | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    added_ids: tuple[str, ...] = ()
    removed_ids: tuple[str, ...] = ()
    changed_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListVersion:
    list_id: str
    number: int
    format: ListFormat
    source: str
    content_sha256: str
    entry_count: int
    create_time: datetime
    active: bool
    files: tuple[UploadedFile, ...] = ()
    diff: VersionDiff = field(default_factory=VersionDiff)

    @property
    def name(self) -> str:
        return f"watchlists/{self.list_id}/versions/{self.number}"


@dataclass(frozen=True)
class ListSummary:
    list_id: str
    format: ListFormat
    active_version: int
    entry_count: int
    update_time: datetime


@dataclass(frozen=True)
class EntryQuery:
    entry_type: EntryType | None = None
    country: str = ""
    program: str = ""


def entry_digest(entry: WatchlistEntry) -> str:
    return hashlib.sha256(json.dumps(asdict(entry), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def content_digest(digests: dict[str, str]) -> str:
    body = "\n".join(f"{source_id}\t{digest}" for source_id, digest in sorted(digests.items()))
    return hashlib.sha256(body.encode()).hexdigest()


def diff_against(previous: int | None, old: dict[str, str], new: dict[str, str]) -> VersionDiff:
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    changed = sorted(k for k in new.keys() & old.keys() if new[k] != old[k])
    return VersionDiff(
        previous_version=previous,
        added=len(added),
        removed=len(removed),
        changed=len(changed),
        unchanged=len(new) - len(added) - len(changed),
        added_ids=tuple(added[:DIFF_SAMPLE]),
        removed_ids=tuple(removed[:DIFF_SAMPLE]),
        changed_ids=tuple(changed[:DIFF_SAMPLE]),
    )


class WatchlistRepository(Protocol):
    def store_version(
        self,
        list_id: str,
        list_format: ListFormat,
        source: str,
        files: tuple[UploadedFile, ...],
        entries: list[WatchlistEntry],
        digests: dict[str, str],
        content_sha256: str,
        now: datetime,
    ) -> tuple[ListVersion, bool]: ...

    def get_version(self, list_id: str, number: int | None) -> ListVersion | None: ...

    def list_versions(self, list_id: str, before: int, limit: int) -> tuple[list[ListVersion], int | None] | None: ...

    def list_summaries(self) -> list[ListSummary]: ...

    def list_entries(
        self, list_id: str, number: int, after: str, limit: int, query: EntryQuery
    ) -> tuple[list[WatchlistEntry], str | None]: ...


def parse_list_name(name: str, path: str = "name") -> str:
    prefix, _, list_id = name.partition("/")
    errors = ViolationCollector()
    if prefix != "watchlists" or not list_id or "/" in list_id:
        errors.add(path, "must look like watchlists/{list}")
    else:
        check_party_id(list_id, errors, path)
    errors.raise_if_any()
    return list_id


def parse_version_name(name: str, path: str = "name") -> tuple[str, int | None]:
    """`watchlists/{list}/versions/{n}` -> (list, n); `-` as the version means the active one."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "watchlists" or parts[2] != "versions":
        raise ValidationError.single(path, "must look like watchlists/{list}/versions/{version}")
    errors = ViolationCollector()
    check_party_id(parts[1], errors, path)
    errors.raise_if_any()
    if parts[3] == "-":
        return parts[1], None
    if not (parts[3].isascii() and parts[3].isdigit()) or len(parts[3]) > 18 or int(parts[3]) < 1:
        raise ValidationError.single(path, "the version is a positive number, or - for the active one")
    return parts[1], int(parts[3])


class WatchlistCatalog:
    def __init__(self, repository: WatchlistRepository, clock: Callable[[], datetime] = utc_now):
        self._repository = repository
        self._clock = clock

    def check_header(self, list_id: str, list_format: ListFormat | None, source: str, files: list[UploadedFile]) -> None:
        errors = ViolationCollector()
        check_party_id(list_id, errors, "header.list_id")
        if list_format is None:
            errors.add("header.format", "is required")
        if len(source) > MAX_SOURCE:
            errors.add("header.source", f"is longer than {MAX_SOURCE} characters")
        roles = dict(FILE_ROLES.get(list_format, ())) if list_format else {}
        seen = set()
        if len(files) > MAX_FILES:
            errors.add("header.files", f"has {len(files)} entries; at most {MAX_FILES} are allowed")
        for i, upload in enumerate(files[:MAX_FILES]):
            path = f"header.files[{i}]"
            if len(upload.file_name) > MAX_FILE_NAME:
                errors.add(f"{path}.file_name", f"is longer than {MAX_FILE_NAME} characters")
            if list_format and upload.role not in roles:
                errors.add(f"{path}.role", f"{upload.role!r} is not a file of this format (roles: {', '.join(roles)})")
            if upload.role in seen:
                errors.add(f"{path}.role", f"{upload.role!r} is named twice")
            seen.add(upload.role)
            if not 0 <= upload.declared_size <= MAX_FILE_BYTES:
                errors.add(f"{path}.size_bytes", f"must be between 0 and {MAX_FILE_BYTES}")
            if len(upload.declared_sha256) != 64 or any(c not in "0123456789abcdef" for c in upload.declared_sha256):
                errors.add(f"{path}.sha256", "must be 64 lower-case hex digits")
        for role, required in roles.items():
            if required and role not in seen:
                errors.add("header.files", f"the {role!r} file is required for this format")
        errors.raise_if_any()

    def import_version(
        self,
        list_id: str,
        list_format: ListFormat,
        source: str,
        files: list[UploadedFile],
        contents: dict[str, bytes],
    ) -> tuple[ListVersion, bool]:
        """Parses and stores a new version; (version, created). Nothing is stored on any error."""
        errors = ViolationCollector()
        for i, upload in enumerate(files):
            data = contents.get(upload.role, b"")
            if len(data) != upload.declared_size:
                errors.add(
                    f"header.files[{i}]",
                    f"{upload.file_name}: received {len(data)} of {upload.declared_size} bytes: the upload was truncated",
                )
            elif hashlib.sha256(data).hexdigest() != upload.declared_sha256:
                errors.add(f"header.files[{i}].sha256", f"{upload.file_name}: the received bytes do not match the digest")
        errors.raise_if_any()
        try:
            entries = parse_list(list_format, {f.role: (f.file_name, contents[f.role]) for f in files})
        except ListParseError as exc:
            raise ValidationError(
                [FieldViolation("files", str(exc))],
                reason="MALFORMED_LIST_FILE",
                metadata={"file": exc.file, "line": str(exc.line), "reason": exc.reason},
            ) from None
        if not entries:
            raise ValidationError.single("files", "the files hold no entries")
        digests = {entry.source_id: entry_digest(entry) for entry in entries}
        return self._repository.store_version(
            list_id, list_format, source, tuple(files), entries, digests, content_digest(digests), self._clock()
        )

    def get_version(self, name: str) -> ListVersion:
        list_id, number = parse_version_name(name)
        version = self._repository.get_version(list_id, number)
        if version is None:
            raise NotFoundError(f"{name} does not exist", metadata={"name": name})
        return version

    def list_versions(self, parent: str, page_size: int, page_token: str) -> tuple[list[ListVersion], str]:
        list_id = parse_list_name(parent, "parent")
        limit = resolve_page_size(page_size)
        key = fingerprint("versions", list_id)
        before = decode_page_token(page_token, key)
        found = self._repository.list_versions(list_id, before, limit)
        if found is None:
            raise NotFoundError(f"{parent} does not exist", metadata={"name": parent})
        versions, cursor = found
        return versions, (encode_page_token(cursor, key) if cursor is not None else "")

    def list_watchlists(self) -> list[ListSummary]:
        return self._repository.list_summaries()

    def list_entries(
        self, parent: str, page_size: int, page_token: str, query: EntryQuery
    ) -> tuple[list[WatchlistEntry], ListVersion, str]:
        version = self.get_version(parent)
        limit = resolve_page_size(page_size)
        key = fingerprint("entries", version.name, asdict(query))
        cursor = _decode_text_cursor(page_token, key)
        entries, next_cursor = self._repository.list_entries(version.list_id, version.number, cursor, limit, query)
        return entries, version, (_encode_text_cursor(next_cursor, key) if next_cursor is not None else "")


# Entries page by source id (text); the generic token helpers carry integers, so the id is
# kept in an index-free form: its UTF-8 bytes as one big integer.
def _encode_text_cursor(cursor: str, key: str) -> str:
    return encode_page_token(int.from_bytes(b"\x01" + cursor.encode(), "big"), key)


def _decode_text_cursor(token: str, key: str) -> str:
    value = decode_page_token(token, key)
    if value == 0:
        return ""
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    if not raw.startswith(b"\x01"):
        raise ValidationError.single("page_token", "is not a page token this service issued")
    try:
        return raw[1:].decode()
    except UnicodeDecodeError:
        raise ValidationError.single("page_token", "is not a page token this service issued") from None

