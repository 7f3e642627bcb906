"""Fee-payment ledger: shipments, fee lines and the standing buckets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("carrier", sa.String(64), primary_key=True),
        sa.Column("shipment_reference", sa.String(100), primary_key=True),
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), nullable=False),
        sa.Column("shipment_time", UtcDateTime, nullable=False),
    )
    op.create_index("ix_shipments_party", "shipments", ["party_seq", "shipment_time"])
    op.create_table(
        "fee_lines",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("line_id", sa.String(32), nullable=False, unique=True),
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("shipment_reference", sa.String(100), nullable=False),
        sa.Column("fee_type", sa.String(20), nullable=False),
        sa.Column("shipment_time", UtcDateTime, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("billed_minor", sa.BigInteger, nullable=False),
        sa.Column("bill_time", UtcDateTime, nullable=False),
        sa.Column("due_time", UtcDateTime, nullable=False),
        sa.Column("resolution", sa.String(16), nullable=False),
        sa.Column("paid_minor", sa.BigInteger, nullable=False),
        sa.Column("payments", sa.Text, nullable=False),
        sa.Column("settle_time", UtcDateTime, nullable=True),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("default_time", UtcDateTime, nullable=True),
        sa.Column("update_time", UtcDateTime, nullable=False),
    )
    op.create_index("uq_fee_lines_key", "fee_lines", ["carrier", "shipment_reference", "fee_type"], unique=True)
    op.create_index("ix_fee_lines_party", "fee_lines", ["party_seq", "seq"])
    op.create_index("ix_fee_lines_open", "fee_lines", ["party_seq", "is_open"])
    op.create_index("ix_fee_lines_default", "fee_lines", ["party_seq", "default_time"])
    op.create_table(
        "standing_days",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("shipments", sa.BigInteger, nullable=False),
        sa.Column("first_shipment_time", UtcDateTime, nullable=True),
        sa.Column("last_shipment_time", UtcDateTime, nullable=True),
        sa.Column("fee_lines", sa.BigInteger, nullable=False),
        sa.Column("settled_on_time", sa.BigInteger, nullable=False),
        sa.Column("settled_late", sa.BigInteger, nullable=False),
        sa.Column("written_off", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "standing_amounts",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("billed_minor", sa.BigInteger, nullable=False),
        sa.Column("paid_minor", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ledger_heads",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "standing_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in ("standing_meta", "ledger_heads", "standing_amounts", "standing_days", "fee_lines", "shipments"):
        op.drop_table(table)
