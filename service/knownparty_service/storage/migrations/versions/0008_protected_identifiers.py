"""Protected identifiers: the record of which data keys this database is encrypted with.

Existing plain-text tax IDs and EINs are not encrypted here: a migration must run without the data
key file (`knownparty db upgrade` on a host without it). The server encrypts them at its first
start with this revision, before serving, and records its index key in data_protection; the
"enc:" and "hmac:" prefixes make that pass idempotent. See storage/protected_identifiers.py.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_protection",
        sa.Column("index_key_check", sa.String(64), primary_key=True),
        sa.Column("protect_time", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    # Encrypted values stay encrypted: a downgrade to a version without the cipher cannot read them.
    op.drop_table("data_protection")
