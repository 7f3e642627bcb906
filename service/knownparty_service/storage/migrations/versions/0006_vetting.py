"""Vetting: decisions, decision changes, match clearances, policy texts, signing keys.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(32), nullable=False, unique=True),
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("decide_time", UtcDateTime, nullable=False),
        sa.Column("valid_until", UtcDateTime, nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("high_volume", sa.String(1), nullable=False),
        sa.Column("inputs_digest", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
    )
    op.create_index("ix_decisions_party", "decisions", ["party_seq", "purpose", "decide_time"])
    op.create_table(
        "decision_changes",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("decision_seq", SurrogateKey, sa.ForeignKey("decisions.seq"), nullable=False),
        sa.Column("previous_outcome", sa.String(16), nullable=True),
        sa.Column("change_time", UtcDateTime, nullable=False),
    )
    op.create_table(
        "match_clearances",
        sa.Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
        sa.Column("clearance_id", sa.String(32), nullable=False, unique=True),
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("list_version", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("analyst", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
        sa.Column("revoke_time", UtcDateTime, nullable=True),
        sa.Column("revoked_by", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=True),
    )
    op.create_index("ix_match_clearances_party", "match_clearances", ["party_seq", "seq"])
    op.create_index("uq_match_clearances_request", "match_clearances", ["party_seq", "request_id"], unique=True)
    op.create_table(
        "party_record_versions",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "vetting_stamps",
        sa.Column("party_seq", SurrogateKey, sa.ForeignKey("parties.seq"), primary_key=True),
        sa.Column("purpose", sa.String(32), primary_key=True),
        sa.Column("stamp", sa.String(400), nullable=False),
        sa.Column("valid_until", UtcDateTime, nullable=False),
        sa.Column("decision_seq", SurrogateKey, sa.ForeignKey("decisions.seq"), nullable=False),
    )
    op.create_table(
        "policy_texts",
        sa.Column("version", sa.String(100), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
    )
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key", sa.String(200), nullable=False),
        sa.Column("create_time", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "signing_keys", "policy_texts", "vetting_stamps", "party_record_versions",
        "match_clearances", "decision_changes", "decisions",
    ):
        op.drop_table(table)
