"""Access: API keys, the audit log, organisations owning parties and carriers, who asked for a decision.

Parties made before there were organisations belong to the organisation "default".

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(12), primary_key=True),
        sa.Column("organization", sa.String(63), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("secret_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
        sa.Column("expire_time", UtcDateTime, nullable=True),
        sa.Column("revoke_time", UtcDateTime, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_api_keys_organization", "api_keys", ["organization", "key_id"])
    op.create_table(
        "audit_events",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("event_time", UtcDateTime, nullable=False),
        sa.Column("organization", sa.String(63), nullable=False),
        sa.Column("key_id", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(300), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_events_organization", "audit_events", ["organization", "seq"])
    op.create_table(
        "carrier_owners",
        sa.Column("carrier", sa.String(64), primary_key=True),
        sa.Column("organization", sa.String(63), nullable=False),
    )
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("organization", sa.String(63), nullable=False, server_default="default"))
        batch.create_index("ix_parties_organization", ["organization", "seq"])
    with op.batch_alter_table("party_identifiers") as batch:
        batch.add_column(sa.Column("organization", sa.String(63), nullable=False, server_default="default"))
    # A seller may sell on two marketplaces: an identifier is held once per organisation.
    op.drop_index("uq_party_identifiers_held", table_name="party_identifiers")
    op.create_index(
        "uq_party_identifiers_held",
        "party_identifiers",
        ["organization", "id_type", "value", "issuing_country"],
        unique=True,
        sqlite_where=sa.text("held"),
        postgresql_where=sa.text("held"),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("requested_by", sa.String(200), nullable=False, server_default=""))
    # Request ids are the caller's: two organisations may use the same one. A new table rather
    # than a changed primary key, which SQLite cannot alter in place.
    op.create_table(
        "idempotency_records",
        sa.Column("organization", sa.String(63), primary_key=True),
        sa.Column("operation", sa.String(64), primary_key=True),
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("resource_seq", SurrogateKey, nullable=False),
        sa.Column("resource_revision", sa.Integer, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
    )
    op.execute(
        "INSERT INTO idempotency_records (organization, operation, request_id, request_fingerprint,"
        " resource_seq, resource_revision, create_time) SELECT 'default', operation, request_id,"
        " request_fingerprint, resource_seq, resource_revision, create_time FROM idempotency_keys"
    )
    op.drop_table("idempotency_keys")


def downgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("operation", sa.String(64), primary_key=True),
        sa.Column("request_id", sa.String(128), primary_key=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("resource_seq", SurrogateKey, nullable=False),
        sa.Column("resource_revision", sa.Integer, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
    )
    op.drop_table("idempotency_records")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("requested_by")
    op.drop_index("uq_party_identifiers_held", table_name="party_identifiers")
    with op.batch_alter_table("party_identifiers") as batch:
        batch.drop_column("organization")
    op.create_index(
        "uq_party_identifiers_held",
        "party_identifiers",
        ["id_type", "value", "issuing_country"],
        unique=True,
        sqlite_where=sa.text("held"),
        postgresql_where=sa.text("held"),
    )
    with op.batch_alter_table("parties") as batch:
        batch.drop_index("ix_parties_organization")
        batch.drop_column("organization")
    for table in ("carrier_owners", "audit_events", "api_keys"):
        op.drop_table(table)
