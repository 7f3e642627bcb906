"""Violation history: violations and their status changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "violations",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq", ondelete="CASCADE"), nullable=False),
        sa.Column("violation_id", sa.String(63), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("reference_number", sa.String(100), nullable=False),
        sa.Column("occur_time", UtcDateTime, nullable=False),
        sa.Column("report_time", UtcDateTime, nullable=False),
        sa.Column("product_category", sa.String(40), nullable=True),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("value_currency", sa.String(3), nullable=True),
        sa.Column("value_amount_minor", sa.BigInteger, nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
        sa.Column("update_time", UtcDateTime, nullable=False),
    )
    op.create_index("uq_violations_party_violation_id", "violations", ["party_seq", "violation_id"], unique=True)
    op.create_index("uq_violations_reference", "violations", ["party_seq", "source", "reference_number"], unique=True)
    op.create_index("ix_violations_party_seq", "violations", ["party_seq", "seq"])
    op.create_index("ix_violations_status", "violations", ["status", "seq"])
    op.create_index("ix_violations_category", "violations", ["category", "seq"])
    op.create_index("ix_violations_occur_time", "violations", ["occur_time"])
    op.create_table(
        "violation_status_changes",
        sa.Column("violation_seq", SurrogateKey, sa.ForeignKey("violations.seq", ondelete="CASCADE"), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("change_time", UtcDateTime, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("violation_status_changes")
    for index in (
        "ix_violations_occur_time",
        "ix_violations_category",
        "ix_violations_status",
        "ix_violations_party_seq",
        "uq_violations_reference",
        "uq_violations_party_violation_id",
    ):
        op.drop_index(index, table_name="violations")
    op.drop_table("violations")
