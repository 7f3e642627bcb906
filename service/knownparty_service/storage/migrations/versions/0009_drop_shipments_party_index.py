"""Shipments lose their index by shipper.

Shipments are looked up by (carrier, shipment reference) alone: the standing's shipment counts come
from standing_days. The index by (shipper, shipment time) served only the full recomputation that
tests compare the buckets with, and it cost every import batch a sixth of its page writes (each
shipper's newest entries sit on a page of their own, rewritten batch after batch).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_shipments_party", table_name="shipments")


def downgrade() -> None:
    op.create_index("ix_shipments_party", "shipments", ["party_seq", "shipment_time"])
