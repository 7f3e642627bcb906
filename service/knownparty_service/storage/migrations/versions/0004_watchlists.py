"""Watchlist catalog: lists, immutable versions and their entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watchlists",
        sa.Column("list_id", sa.String(63), primary_key=True),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("active_version_seq", sa.BigInteger, nullable=False),
        sa.Column("update_time", UtcDateTime, nullable=False),
    )
    op.create_table(
        "watchlist_versions",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("list_id", sa.String(63), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
    )
    op.create_index("uq_watchlist_versions_number", "watchlist_versions", ["list_id", "number"], unique=True)
    op.create_table(
        "watchlist_entries",
        sa.Column("version_seq", SurrogateKey, sa.ForeignKey("watchlist_versions.seq"), primary_key=True),
        sa.Column("source_id", sa.String(200), primary_key=True),
        sa.Column("entry_sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("watchlist_entries", "watchlist_versions", "watchlists"):
        op.drop_table(table)
