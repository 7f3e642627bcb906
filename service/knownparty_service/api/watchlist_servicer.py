"""WatchlistService: streaming import of list files and reads of versions and entries."""

from __future__ import annotations

from knownparty_client._generated import watchlist_pb2 as pb
from knownparty_client._generated import watchlist_pb2_grpc
from knownparty_service.api.party_messages import enum_in
from knownparty_service.app.metrics import ImportProgress, NoImportProgress
from knownparty_service.api.watchlist_messages import (
    ENTRY_TYPES,
    FORMATS,
    entry_to_message,
    summary_to_message,
    uploaded_files,
    version_to_message,
)
from knownparty_service.domain.errors import ValidationError, ViolationCollector
from knownparty_service.domain.watchlists.catalog import MAX_FILE_BYTES, EntryQuery, WatchlistCatalog

MAX_CHUNK_BYTES = 4 * 1024 * 1024
# Chunk messages a stream (empty chunks included, so such a stream cannot go on forever).
MAX_CHUNKS = 100_000


class WatchlistServicer(watchlist_pb2_grpc.WatchlistServiceServicer):
    def __init__(
        self, catalog: WatchlistCatalog, on_import=None, imports: ImportProgress | NoImportProgress = NoImportProgress()
    ):
        self._catalog = catalog
        self._imports = imports
        # Called after a new version is stored, so this process's index need not wait for a poll.
        self._on_import = on_import

    def ImportWatchlist(self, request_iterator, context) -> pb.ImportWatchlistResponse:
        with self._imports.running():
            return self._import_watchlist(request_iterator)

    def _import_watchlist(self, request_iterator) -> pb.ImportWatchlistResponse:
        header = None
        files = []
        received: dict[str, bytearray] = {}
        declared: dict[str, int] = {}
        for index, message in enumerate(request_iterator):
            if index == 0:
                if not message.HasField("header"):
                    raise ValidationError.single("header", "the first message must be the header")
                header = message.header
                errors = ViolationCollector()
                list_format = enum_in(FORMATS, header.format, "header.format", errors)
                errors.raise_if_any()
                files = uploaded_files(header)
                self._catalog.check_header(header.list_id, list_format, header.source, files)
                received = {f.role: bytearray() for f in files}
                declared = {f.role: f.declared_size for f in files}
                continue
            if not message.HasField("chunk"):
                raise ValidationError.single("header", "only the first message may be a header")
            if index > MAX_CHUNKS:
                raise ValidationError.single("chunk", f"a stream carries at most {MAX_CHUNKS} chunks")
            chunk = message.chunk
            if chunk.role not in received:
                raise ValidationError.single("chunk.role", f"{chunk.role!r} is not a file named in the header")
            if len(chunk.data) > MAX_CHUNK_BYTES:
                raise ValidationError.single("chunk.data", f"chunks are at most {MAX_CHUNK_BYTES} bytes")
            buffer = received[chunk.role]
            if len(buffer) + len(chunk.data) > min(declared[chunk.role], MAX_FILE_BYTES):
                raise ValidationError.single("chunk.data", f"more bytes for {chunk.role!r} than the header declared")
            buffer.extend(chunk.data)
        if header is None:
            raise ValidationError.single("header", "the stream was empty: send a header first")
        version, created = self._catalog.import_version(
            header.list_id, FORMATS[header.format], header.source, files, {r: bytes(b) for r, b in received.items()}
        )
        self._imports.add_rows(version.entry_count)
        if created and self._on_import is not None:
            self._on_import()
        return pb.ImportWatchlistResponse(version=version_to_message(version), created=created)

    def ListWatchlists(self, request, context) -> pb.ListWatchlistsResponse:
        if request.page_size < 0:
            raise ValidationError.single("page_size", "must not be negative")
        return pb.ListWatchlistsResponse(watchlists=[summary_to_message(s) for s in self._catalog.list_watchlists()])

    def GetWatchlistVersion(self, request, context) -> pb.WatchlistVersion:
        return version_to_message(self._catalog.get_version(request.name))

    def ListWatchlistVersions(self, request, context) -> pb.ListWatchlistVersionsResponse:
        versions, token = self._catalog.list_versions(request.parent, request.page_size, request.page_token)
        return pb.ListWatchlistVersionsResponse(
            versions=[version_to_message(v) for v in versions], next_page_token=token
        )

    def ListWatchlistEntries(self, request, context) -> pb.ListWatchlistEntriesResponse:
        errors = ViolationCollector()
        entry_type = enum_in(ENTRY_TYPES, request.type, "type", errors)
        errors.raise_if_any()
        query = EntryQuery(entry_type=entry_type, country=request.country.strip().upper(), program=request.program.strip())
        entries, version, token = self._catalog.list_entries(request.parent, request.page_size, request.page_token, query)
        response = pb.ListWatchlistEntriesResponse(next_page_token=token)
        for entry in entries:
            entry_to_message(version.list_id, str(version.number), entry, response.entries.add())
        return response
