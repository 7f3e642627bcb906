"""Tables of API keys, the audit log and which organisation keeps which carrier's fee lines."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, String, Table, Text

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime, metadata

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(12), primary_key=True),
    Column("organization", String(63), nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=False),
    # SHA-256 of the secret part; the secret itself is shown once and never stored.
    Column("secret_hash", LargeBinary(32), nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
    Column("expire_time", UtcDateTime, nullable=True),
    Column("revoke_time", UtcDateTime, nullable=True),
    # The key that created this one, or "local:<user>" for the command line on the server host.
    Column("created_by", String(200), nullable=False),
    Index("ix_api_keys_organization", "organization", "key_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    # Order of recording: the list order and the page cursor.
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("event_time", UtcDateTime, nullable=False),
    Column("organization", String(63), nullable=False),
    Column("key_id", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("method", String(100), nullable=False),
    # The gRPC status code name the call ended with.
    Column("code", String(32), nullable=False),
    # The resource the call named (name, parent or party), when it named one.
    Column("resource", String(300), nullable=False),
    Column("request_id", String(128), nullable=False),
    # A short account of what the call carried (counts for streams); never protected values.
    Column("detail", Text, nullable=False),
    Index("ix_audit_events_organization", "organization", "seq"),
)

carrier_owners = Table(
    "carrier_owners",
    metadata,
    # A carrier code's fee lines are kept by the organisation that recorded them first.
    Column("carrier", String(64), primary_key=True),
    Column("organization", String(63), nullable=False),
)
