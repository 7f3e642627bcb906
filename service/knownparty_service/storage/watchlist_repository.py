"""SQLAlchemy repository of the watchlist catalog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.errors import AlreadyExistsError
from knownparty_service.domain.watchlists.catalog import (
    EntryQuery,
    ListSummary,
    ListVersion,
    UploadedFile,
    VersionDiff,
    diff_against,
)
from knownparty_service.domain.watchlists.entries import EntryIdentifier, EntryType, ListFormat, WatchlistEntry
from knownparty_service.storage.database import Database
from knownparty_service.storage.watchlist_tables import watchlist_entries, watchlist_versions, watchlists

_INSERT_CHUNK = 5000


def dump_entry(entry: WatchlistEntry) -> str:
    return json.dumps(asdict(entry), ensure_ascii=False, separators=(",", ":"))


def load_entry(text: str) -> WatchlistEntry:
    data = json.loads(text)
    return WatchlistEntry(
        source_id=data["source_id"],
        entry_type=EntryType(data["entry_type"]),
        primary_name=data["primary_name"],
        aliases=tuple(data["aliases"]),
        weak_aliases=tuple(data["weak_aliases"]),
        addresses=tuple(data["addresses"]),
        countries=tuple(data["countries"]),
        dates_of_birth=tuple(data["dates_of_birth"]),
        identifiers=tuple(EntryIdentifier(**i) for i in data["identifiers"]),
        programs=tuple(data["programs"]),
        remarks=data["remarks"],
    )


def _version_from(row, active_seq: int | None) -> ListVersion:
    diff = json.loads(row.diff)
    return ListVersion(
        list_id=row.list_id,
        number=row.number,
        format=ListFormat(row.format),
        source=row.source,
        content_sha256=row.content_sha256,
        entry_count=row.entry_count,
        create_time=row.create_time,
        active=row.seq == active_seq,
        files=tuple(UploadedFile(**f) for f in json.loads(row.files)),
        diff=VersionDiff(**{k: tuple(v) if isinstance(v, list) else v for k, v in diff.items()}),
    )


class SqlWatchlistRepository:
    def __init__(self, database: Database):
        self._db = database

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
    ) -> tuple[ListVersion, bool]:
        try:
            with self._db.writing() as conn:
                current = conn.execute(
                    select(watchlists).where(watchlists.c.list_id == list_id).with_for_update()
                ).first()
                old_digests: dict[str, str] = {}
                previous_number = None
                if current is not None:
                    active = conn.execute(
                        select(watchlist_versions).where(watchlist_versions.c.seq == current.active_version_seq)
                    ).one()
                    if active.content_sha256 == content_sha256:
                        return _version_from(active, active.seq), False
                    previous_number = active.number
                    old_digests = dict(
                        conn.execute(
                            select(watchlist_entries.c.source_id, watchlist_entries.c.entry_sha256).where(
                                watchlist_entries.c.version_seq == active.seq
                            )
                        ).all()
                    )
                number = 1 + (
                    conn.scalar(
                        select(watchlist_versions.c.number)
                        .where(watchlist_versions.c.list_id == list_id)
                        .order_by(watchlist_versions.c.number.desc())
                        .limit(1)
                    )
                    or 0
                )
                diff = diff_against(previous_number, old_digests, digests)
                seq = conn.execute(
                    insert(watchlist_versions).values(
                        list_id=list_id,
                        number=number,
                        format=list_format.value,
                        source=source,
                        content_sha256=content_sha256,
                        entry_count=len(entries),
                        files=json.dumps([asdict(f) for f in files]),
                        diff=json.dumps(asdict(diff)),
                        create_time=now,
                    )
                ).inserted_primary_key[0]
                for start in range(0, len(entries), _INSERT_CHUNK):
                    conn.execute(
                        insert(watchlist_entries),
                        [
                            {
                                "version_seq": seq,
                                "source_id": e.source_id,
                                "entry_sha256": digests[e.source_id],
                                "data": dump_entry(e),
                            }
                            for e in entries[start : start + _INSERT_CHUNK]
                        ],
                    )
                if current is None:
                    conn.execute(
                        insert(watchlists).values(
                            list_id=list_id, format=list_format.value, active_version_seq=seq, update_time=now
                        )
                    )
                else:
                    conn.execute(
                        update(watchlists)
                        .where(watchlists.c.list_id == list_id)
                        .values(format=list_format.value, active_version_seq=seq, update_time=now)
                    )
                row = conn.execute(select(watchlist_versions).where(watchlist_versions.c.seq == seq)).one()
                return _version_from(row, seq), True
        except IntegrityError:
            raise AlreadyExistsError(
                f"watchlists/{list_id} was imported by a concurrent request; retry", reason="CONCURRENT_IMPORT"
            ) from None

    def get_version(self, list_id: str, number: int | None) -> ListVersion | None:
        with self._db.snapshot() as conn:
            active_seq = conn.scalar(select(watchlists.c.active_version_seq).where(watchlists.c.list_id == list_id))
            if active_seq is None:
                return None
            query = select(watchlist_versions).where(watchlist_versions.c.list_id == list_id)
            query = query.where(
                watchlist_versions.c.seq == active_seq if number is None else watchlist_versions.c.number == number
            )
            row = conn.execute(query).first()
        return _version_from(row, active_seq) if row else None

    def list_versions(self, list_id: str, before: int, limit: int):
        with self._db.snapshot() as conn:
            active_seq = conn.scalar(select(watchlists.c.active_version_seq).where(watchlists.c.list_id == list_id))
            if active_seq is None:
                return None
            query = select(watchlist_versions).where(watchlist_versions.c.list_id == list_id)
            if before:
                query = query.where(watchlist_versions.c.number < before)
            rows = conn.execute(query.order_by(watchlist_versions.c.number.desc()).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_version_from(r, active_seq) for r in rows], (rows[-1].number if more else None)

    def list_summaries(self) -> list[ListSummary]:
        with self._db.reading() as conn:
            rows = conn.execute(
                select(
                    watchlists.c.list_id,
                    watchlists.c.format,
                    watchlists.c.update_time,
                    watchlist_versions.c.number,
                    watchlist_versions.c.entry_count,
                )
                .join(watchlist_versions, watchlist_versions.c.seq == watchlists.c.active_version_seq)
                .order_by(watchlists.c.list_id)
            ).all()
        return [ListSummary(r.list_id, ListFormat(r.format), r.number, r.entry_count, r.update_time) for r in rows]

    def list_entries(self, list_id: str, number: int, after: str, limit: int, query: EntryQuery):
        found: list[WatchlistEntry] = []
        cursor = after
        with self._db.snapshot() as conn:
            seq = conn.scalar(
                select(watchlist_versions.c.seq).where(
                    watchlist_versions.c.list_id == list_id, watchlist_versions.c.number == number
                )
            )
            # Filters look inside the stored entries, so pages are filled by scanning in
            # source-id order until enough match.
            while len(found) <= limit:
                rows = conn.execute(
                    select(watchlist_entries.c.source_id, watchlist_entries.c.data)
                    .where(watchlist_entries.c.version_seq == seq, watchlist_entries.c.source_id > cursor)
                    .order_by(watchlist_entries.c.source_id)
                    .limit(1000)
                ).all()
                if not rows:
                    break
                for row in rows:
                    cursor = row.source_id
                    entry = load_entry(row.data)
                    if _matches(entry, query):
                        found.append(entry)
                        if len(found) > limit:
                            break
        more = len(found) > limit
        found = found[:limit]
        return found, (found[-1].source_id if more else None)

    # -- for the screening index ---------------------------------------------------------------

    def active_state(self) -> dict[str, int]:
        """{list id: active version seq}: cheap enough to poll every few seconds."""
        with self._db.reading() as conn:
            return dict(conn.execute(select(watchlists.c.list_id, watchlists.c.active_version_seq)).all())

    def active_entries(self, state: dict[str, int]) -> Iterator[tuple[str, str, WatchlistEntry]]:
        """(list id, version number, entry) of the versions named in `state`."""
        for list_id, seq in sorted(state.items()):
            with self._db.snapshot() as conn:
                number = conn.scalar(select(watchlist_versions.c.number).where(watchlist_versions.c.seq == seq))
                result = conn.execution_options(yield_per=5000).execute(
                    select(watchlist_entries.c.data).where(watchlist_entries.c.version_seq == seq)
                )
                for (data,) in result:
                    yield list_id, str(number), load_entry(data)


def _matches(entry: WatchlistEntry, query: EntryQuery) -> bool:
    if query.entry_type and entry.entry_type is not query.entry_type:
        return False
    if query.country and query.country not in entry.countries:
        return False
    if query.program and query.program not in entry.programs:
        return False
    return True
