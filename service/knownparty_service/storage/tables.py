"""Table definitions. Alembic migrations own the schema; these mirror it for queries."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
SurrogateKey = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """Stores aware UTC datetimes; SQLite hands back naive ones, which are re-marked as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True
    # Marks the type for BulkStatement's fast path.
    utc_datetime = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


parties = Table(
    "parties",
    metadata,
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("party_id", String(63), nullable=False, unique=True),
    # The organisation that created the party; it alone sees the party and its records.
    Column("organization", String(63), nullable=False, server_default="default"),
    Column("kind", String(32), nullable=False),
    Column("legal_name", String(300), nullable=False),
    # Case-folded legal name, for prefix filters.
    Column("name_key", String(300), nullable=False, index=True),
    Column("state", String(16), nullable=False),
    # Aliases, addresses, identifiers, contact details and verifications as JSON.
    Column("document", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
    Column("update_time", UtcDateTime, nullable=False),
    Index("ix_parties_organization", "organization", "seq"),
)

party_identifiers = Table(
    "party_identifiers",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq", ondelete="CASCADE"), nullable=False),
    Column("id_type", String(40), nullable=False),
    Column("value", String(64), nullable=False),
    Column("issuing_country", String(2), nullable=False),
    # False once the party is archived: it no longer holds the identifier.
    Column("held", Boolean, nullable=False),
    # The party's organisation: a seller may sell on two marketplaces, each holding its identifiers.
    Column("organization", String(63), nullable=False, server_default="default"),
    Index("ix_party_identifiers_party", "party_seq"),
    Index("ix_party_identifiers_lookup", "id_type", "value"),
    Index(
        "uq_party_identifiers_held",
        "organization",
        "id_type",
        "value",
        "issuing_country",
        unique=True,
        sqlite_where=text("held"),
        postgresql_where=text("held"),
    ),
)

party_countries = Table(
    "party_countries",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq", ondelete="CASCADE"), primary_key=True),
    Column("country", String(2), primary_key=True),
    Index("ix_party_countries_country", "country", "party_seq"),
)

party_revisions = Table(
    "party_revisions",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq", ondelete="CASCADE"), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("change", String(16), nullable=False),
    Column("changed_fields", Text, nullable=False),
    Column("change_time", UtcDateTime, nullable=False),
    # The whole party after the change, as stored in parties.
    Column("snapshot", Text, nullable=False),
)

idempotency_keys = Table(
    "idempotency_records",
    metadata,
    Column("organization", String(63), primary_key=True),
    Column("operation", String(64), primary_key=True),
    Column("request_id", String(128), primary_key=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column("resource_seq", SurrogateKey, nullable=False),
    Column("resource_revision", Integer, nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
)

violations = Table(
    "violations",
    metadata,
    # Recording order: the list order and the page cursor.
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq", ondelete="CASCADE"), nullable=False),
    Column("violation_id", String(63), nullable=False),
    Column("category", String(40), nullable=False),
    Column("source", String(40), nullable=False),
    Column("reference_number", String(100), nullable=False),
    Column("occur_time", UtcDateTime, nullable=False),
    Column("report_time", UtcDateTime, nullable=False),
    Column("product_category", String(40), nullable=True),
    Column("quantity", BigInteger, nullable=False),
    # Both set or both null.
    Column("value_currency", String(3), nullable=True),
    Column("value_amount_minor", BigInteger, nullable=True),
    Column("note", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
    Column("update_time", UtcDateTime, nullable=False),
    Index("uq_violations_party_violation_id", "party_seq", "violation_id", unique=True),
    Index("uq_violations_reference", "party_seq", "source", "reference_number", unique=True),
    Index("ix_violations_party_seq", "party_seq", "seq"),
    Index("ix_violations_status", "status", "seq"),
    Index("ix_violations_category", "category", "seq"),
    Index("ix_violations_occur_time", "occur_time"),
)

violation_status_changes = Table(
    "violation_status_changes",
    metadata,
    Column("violation_seq", SurrogateKey, ForeignKey("violations.seq", ondelete="CASCADE"), primary_key=True),
    # 1 is the creation; each status change adds one.
    Column("revision", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("change_time", UtcDateTime, nullable=False),
    Column("note", Text, nullable=False),
)

# The data keys' lookup-index key this database's digests were made with (one row once the
# server has encrypted what an older version stored in plain text). A server started with another
# key file refuses to start instead of silently missing every identifier lookup.
data_protection = Table(
    "data_protection",
    metadata,
    Column("index_key_check", String(64), primary_key=True),
    Column("protect_time", UtcDateTime, nullable=False),
)
