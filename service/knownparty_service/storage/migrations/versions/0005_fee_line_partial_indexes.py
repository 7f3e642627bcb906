"""Fee lines: partial indexes for open lines and for defaults.

Only open lines and lines with a default are ever looked up through these two indexes, and they
are a minority of the ledger: indexing just them makes every insert and update of a fee line
cheaper (the bulk import's largest cost after the look-ups).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_fee_lines_open", table_name="fee_lines")
    op.drop_index("ix_fee_lines_default", table_name="fee_lines")
    op.create_index(
        "ix_fee_lines_open",
        "fee_lines",
        ["party_seq"],
        sqlite_where=sa.text("is_open = 1"),
        postgresql_where=sa.text("is_open = true"),
    )
    op.create_index(
        "ix_fee_lines_default",
        "fee_lines",
        ["party_seq", "default_time"],
        sqlite_where=sa.text("default_time IS NOT NULL"),
        postgresql_where=sa.text("default_time IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_fee_lines_open", table_name="fee_lines")
    op.drop_index("ix_fee_lines_default", table_name="fee_lines")
    op.create_index("ix_fee_lines_open", "fee_lines", ["party_seq", "is_open"])
    op.create_index("ix_fee_lines_default", "fee_lines", ["party_seq", "default_time"])
