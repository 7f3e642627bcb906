"""Tables of vetting decisions, their changes, match clearances, kept policy texts and signing keys."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text

from knownparty_service.storage.tables import SurrogateKey, UtcDateTime, metadata

decisions = Table(
    "decisions",
    metadata,
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("decision_id", String(32), nullable=False, unique=True),
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("decide_time", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime, nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("high_volume", String(1), nullable=False),
    # Of the inputs without their time: equal digests, same facts.
    Column("inputs_digest", String(64), nullable=False),
    # The signed payload (canonical JSON) is the record; the inputs are kept for replay.
    Column("payload", Text, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("algorithm", String(16), nullable=False),
    Column("signature", String(200), nullable=False),
    # The API key whose call made the decision; empty for the server's own re-evaluation.
    Column("requested_by", String(200), nullable=False, server_default=""),
    Index("ix_decisions_party", "party_seq", "purpose", "decide_time"),
)

decision_changes = Table(
    "decision_changes",
    metadata,
    # The resume cursor of WatchDecisionChanges.
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("decision_seq", SurrogateKey, ForeignKey("decisions.seq"), nullable=False),
    Column("previous_outcome", String(16), nullable=True),
    Column("change_time", UtcDateTime, nullable=False),
)

match_clearances = Table(
    "match_clearances",
    metadata,
    Column("seq", SurrogateKey, primary_key=True, autoincrement=True),
    Column("clearance_id", String(32), nullable=False, unique=True),
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), nullable=False),
    Column("list_id", String(64), nullable=False),
    Column("list_version", String(64), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("analyst", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
    Column("revoke_time", UtcDateTime, nullable=True),
    Column("revoked_by", String(200), nullable=False),
    Column("request_id", String(100), nullable=True),
    Index("ix_match_clearances_party", "party_seq", "seq"),
    Index("uq_match_clearances_request", "party_seq", "request_id", unique=True),
)

# Bumped, in the same transaction, by every change to a party's violations and clearances: with
# the party's revision and its ledger version, it tells whether anything a decision rests on has
# changed without reading those records.
party_record_versions = Table(
    "party_record_versions",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# Per party and purpose: the decision in force and the stamp of the facts it was last confirmed
# against (revisions, versions, lists, policy), valid until the first moment the passing of time
# alone could change it.
vetting_stamps = Table(
    "vetting_stamps",
    metadata,
    Column("party_seq", SurrogateKey, ForeignKey("parties.seq"), primary_key=True),
    Column("purpose", String(32), primary_key=True),
    Column("stamp", String(400), nullable=False),
    Column("valid_until", UtcDateTime, nullable=False),
    Column("decision_seq", SurrogateKey, ForeignKey("decisions.seq"), nullable=False),
)

policy_texts = Table(
    "policy_texts",
    metadata,
    Column("version", String(100), primary_key=True),
    Column("text", Text, nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("algorithm", String(16), nullable=False),
    # Hex of the raw public key.
    Column("public_key", String(200), nullable=False),
    Column("create_time", UtcDateTime, nullable=False),
)
