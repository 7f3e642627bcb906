"""Party registry: parties, identifiers, countries, revisions and idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("party_id", sa.String(63), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("legal_name", sa.String(300), nullable=False),
        sa.Column("name_key", sa.String(300), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
        sa.Column("update_time", UtcDateTime, nullable=False),
    )
    op.create_index("ix_parties_name_key", "parties", ["name_key"])
    op.create_table(
        "party_identifiers",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq", ondelete="CASCADE"), nullable=False),
        sa.Column("id_type", sa.String(40), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("issuing_country", sa.String(2), nullable=False),
        sa.Column("held", sa.Boolean, nullable=False),
    )
    op.create_index("ix_party_identifiers_party", "party_identifiers", ["party_seq"])
    op.create_index("ix_party_identifiers_lookup", "party_identifiers", ["id_type", "value"])
    op.create_index(
        "uq_party_identifiers_held",
        "party_identifiers",
        ["id_type", "value", "issuing_country"],
        unique=True,
        sqlite_where=sa.text("held"),
        postgresql_where=sa.text("held"),
    )
    op.create_table(
        "party_countries",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq", ondelete="CASCADE"), primary_key=True),
        sa.Column("country", sa.String(2), primary_key=True),
    )
    op.create_index("ix_party_countries_country", "party_countries", ["country", "party_seq"])
    op.create_table(
        "party_revisions",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq", ondelete="CASCADE"), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("changed_fields", sa.Text, nullable=False),
        sa.Column("change_time", UtcDateTime, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("operation", sa.String(64), primary_key=True),
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("resource_seq", SurrogateKey, nullable=False),
        sa.Column("resource_revision", sa.Integer, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotency_keys", "party_revisions", "party_countries", "party_identifiers", "parties"):
        op.drop_table(table)
