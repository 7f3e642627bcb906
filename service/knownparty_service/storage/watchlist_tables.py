"""Tables of the watchlist catalog: lists, their immutable versions, and each version's entries."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime, metadata

watchlists = Table(
    "watchlists",
    metadata,
    Column("list_id", String(63), primary_key=True),
    Column("format", String(20), nullable=False),
    # Switching this one column is what activates a version, atomically.
    Column("active_version_seq", BigInteger, nullable=False),
    Column("update_time", UtcDateTime, nullable=False),
)

watchlist_versions = Table(
    "watchlist_versions",
    metadata,
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("list_id", String(63), nullable=False),
    Column("number", Integer, nullable=False),
    Column("format", String(20), nullable=False),
    Column("source", String(500), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("files", Text, nullable=False),
    Column("diff", Text, nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
    Index("uq_watchlist_versions_number", "list_id", "number", unique=True),
)

watchlist_entries = Table(
    "watchlist_entries",
    metadata,
    Column("version_seq", SurrogateKey, ForeignKey("watchlist_versions.seq"), primary_key=True),
    Column("source_id", String(200), primary_key=True),
    Column("entry_sha256", String(64), nullable=False),
    Column("data", Text, nullable=False),
)
