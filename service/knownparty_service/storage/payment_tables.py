"""Tables of the fee-payment ledger and of the standing buckets kept from it."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, text

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime, metadata

shipments = Table(
    "shipments",
    metadata,
    Column("carrier", String(64), primary_key=True),
    Column("shipment_reference", String(100), primary_key=True),
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), nullable=False),
    Column("shipment_time", UtcDateTime, nullable=False),
    # No index by shipper: shipments are found by their key (migration 0009).
)

fee_lines = Table(
    "fee_lines",
    metadata,
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("line_id", String(32), nullable=False, unique=True),
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), nullable=False),
    Column("carrier", String(64), nullable=False),
    Column("shipment_reference", String(100), nullable=False),
    Column("fee_type", String(20), nullable=False),
    Column("shipment_time", UtcDateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("billed_minor", BigInteger, nullable=False),
    Column("bill_time", UtcDateTime, nullable=False),
    Column("due_time", UtcDateTime, nullable=False),
    Column("resolution", String(16), nullable=False),
    Column("paid_minor", BigInteger, nullable=False),
    # The payments as a JSON list: a line has few, and they are always read with it.
    Column("payments", Text, nullable=False),
    # Derived under the policy named in standing_meta; rebuilt when the policy changes.
    Column("settle_time", UtcDateTime, nullable=True),
    Column("is_open", Boolean, nullable=False),
    Column("default_time", UtcDateTime, nullable=True),
    Column("update_time", UtcDateTime, nullable=False),
    Index("uq_fee_lines_key", "carrier", "shipment_reference", "fee_type", unique=True),
    Index("ix_fee_lines_party", "party_seq", "seq"),
    # Partial: only open lines and defaults are looked up through these (migration 0005).
    Index("ix_fee_lines_open", "party_seq", sqlite_where=text("is_open = 1"), postgresql_where=text("is_open = true")),
    Index(
        "ix_fee_lines_default",
        "party_seq",
        "default_time",
        sqlite_where=text("default_time IS NOT NULL"),
        postgresql_where=text("default_time IS NOT NULL"),
    ),
)

# One row per shipper and shipment day (UTC days since 1970-01-01).
standing_days = Table(
    "standing_days",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("shipments", BigInteger, nullable=False),
    Column("first_shipment_time", UtcDateTime, nullable=True),
    Column("last_shipment_time", UtcDateTime, nullable=True),
    Column("fee_lines", BigInteger, nullable=False),
    Column("settled_on_time", BigInteger, nullable=False),
    Column("settled_late", BigInteger, nullable=False),
    Column("written_off", BigInteger, nullable=False),
)

# One row per shipper, shipment day and currency.
standing_amounts = Table(
    "standing_amounts",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), primary_key=True),
    Column("day", Integer, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("billed_minor", BigInteger, nullable=False),
    Column("paid_minor", BigInteger, nullable=False),
)

# One row per shipper: bumped with every change to its ledger, so a reader can tell whether what
# it computed before is still current without reading the ledger again.
ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

standing_meta = Table(
    "standing_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

from knownparty_service.domain.payments import COUNTER_NAMES as COUNTER_COLUMNS  # noqa: E402,F401 - re-exported
