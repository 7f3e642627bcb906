"""SQLAlchemy repository of vetting decisions, their changes, match clearances, kept policy
texts and signing keys."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import FailedPreconditionError
from knownparty_service.domain.party_registry import utc_now
from knownparty_service.domain.vetting.codec import decision_from_payload, inputs_from_dict
from knownparty_service.domain.vetting.model import (
    Attestation,
    Decision,
    DecisionChange,
    MatchClearance,
    Outcome,
    Purpose,
    VetState,
)
from knownparty_service.storage.database import (
    BulkStatement,
    Database,
    FastQuery,
    driver_rows_for_each,
    one_of,
    time_writer,
)
from knownparty_service.storage.tables import parties
from knownparty_service.storage.payment_tables import ledger_heads
from knownparty_service.storage.record_versions import bump_record_version
from knownparty_service.storage.vetting_tables import (
    decision_changes,
    decisions,
    match_clearances,
    party_record_versions,
    policy_texts,
    signing_keys,
    vetting_stamps,
)
from knownparty_service.storage.vet_state_cache import VetStateCache

_INSERTED_DECISION = (
    "decision_id", "party_seq", "purpose", "outcome", "decide_time", "valid_until", "policy_version", "high_volume",
    "inputs_digest", "payload", "inputs", "key_id", "algorithm", "signature", "requested_by",
)
_INSERTED_CHANGE = ("decision_seq", "previous_outcome", "change_time")
_DECISION_COLUMNS = (
    decisions.c.seq,
    decisions.c.payload,
    decisions.c.inputs,
    decisions.c.inputs_digest,
    decisions.c.key_id,
    decisions.c.algorithm,
    decisions.c.signature,
    decisions.c.requested_by,
)


def _decision_from_row(row) -> Decision:
    payload = row.payload.encode()
    decision = decision_from_payload(
        json.loads(payload),
        inputs_from_dict(json.loads(row.inputs)),
        Attestation(row.key_id, row.algorithm, payload, bytes.fromhex(row.signature)),
    )
    return dataclasses.replace(decision, requested_by=row.requested_by) if row.requested_by else decision


def _clearance_from_row(row) -> MatchClearance:
    return MatchClearance(
        id=row.clearance_id,
        party_id=row.party_id,
        list_id=row.list_id,
        list_version=row.list_version,
        source_id=row.source_id,
        fingerprint=row.fingerprint,
        analyst=row.analyst,
        reason=row.reason,
        create_time=row.create_time,
        revoke_time=row.revoke_time,
        revoked_by=row.revoked_by,
    )


def _vet_state_from_row(row) -> VetState:
    return VetState(
        kind=row.kind,
        state=row.state,
        revision=row.revision,
        records_version=row.records or 0,
        ledger_version=row.ledger or 0,
        stamp=row.stamp,
        stamp_valid_until=row.valid_until,
        decision_seq=row.decision_seq,
    )


_CLEARANCE_FROM = match_clearances.join(parties, parties.c.seq == match_clearances.c.party_seq)


_DECODED_CACHE_SIZE = 200_000


def _decided_parties_query(which=None):
    """(party id, purpose, high_volume) of the latest decision of each party and purpose: of the
    parties `which` selects (a condition on decisions), or of all."""
    latest = select(decisions.c.party_seq, decisions.c.purpose, func.max(decisions.c.seq).label("seq"))
    if which is not None:
        latest = latest.where(which)
    latest = latest.group_by(decisions.c.party_seq, decisions.c.purpose).subquery()
    return (
        select(parties.c.party_id, decisions.c.purpose, decisions.c.high_volume)
        .select_from(latest.join(decisions, decisions.c.seq == latest.c.seq).join(parties, parties.c.seq == latest.c.party_seq))
        .order_by(latest.c.party_seq)
    )


class SqlDecisionRepository:
    def __init__(self, database: Database):
        self._db = database
        self._write_time = time_writer(database)
        with_party = decisions.join(parties, parties.c.seq == decisions.c.party_seq)
        self._in_force = FastQuery(
            database,
            select(*_DECISION_COLUMNS)
            .select_from(with_party)
            .where(
                parties.c.party_id == bindparam("party_id"),
                decisions.c.purpose == bindparam("purpose"),
                decisions.c.decide_time <= bindparam("at"),
            )
            .order_by(decisions.c.decide_time.desc(), decisions.c.seq.desc())
            .limit(1),
        )
        self._active_clearances = FastQuery(
            database,
            select(match_clearances, parties.c.party_id)
            .select_from(_CLEARANCE_FROM)
            .where(parties.c.party_id == bindparam("party_id"), match_clearances.c.revoke_time.is_(None))
            .order_by(match_clearances.c.seq),
        )
        self._clearances_of_parties = FastQuery(
            database,
            select(match_clearances, parties.c.party_id)
            .select_from(_CLEARANCE_FROM)
            .where(one_of(database, parties.c.party_id, "party_ids"), match_clearances.c.revoke_time.is_(None))
            .order_by(match_clearances.c.seq),
        )
        # The decision in force of each party and purpose: its seq and digest only (the decision
        # itself is usually decoded already).
        ranked = (
            select(
                decisions.c.seq,
                decisions.c.inputs_digest,
                decisions.c.purpose,
                parties.c.party_id,
                func.row_number()
                .over(
                    partition_by=(decisions.c.party_seq, decisions.c.purpose),
                    order_by=(decisions.c.decide_time.desc(), decisions.c.seq.desc()),
                )
                .label("newness"),
            )
            .select_from(with_party)
            .where(one_of(database, parties.c.party_id, "party_ids"), decisions.c.decide_time <= bindparam("at"))
            .subquery()
        )
        self._in_force_of_parties = FastQuery(
            database,
            select(ranked.c.seq, ranked.c.inputs_digest, ranked.c.purpose, ranked.c.party_id).where(ranked.c.newness == 1),
        )
        self._by_seqs = FastQuery(
            database, select(*_DECISION_COLUMNS).where(one_of(database, decisions.c.seq, "seqs"))
        )
        # Compiled once: it runs after every batch of fee lines or violations, next to an import
        # whose thread it would otherwise hold up with SQLAlchemy's per-call compilation.
        self._decided_of_parties = FastQuery(
            database,
            _decided_parties_query(decisions.c.party_seq.in_(select(parties.c.seq).where(one_of(database, parties.c.party_id, "party_ids")))),
        )
        vet_state_columns = (
                parties.c.seq,
                parties.c.kind,
                parties.c.state,
                parties.c.revision,
                party_record_versions.c.version.label("records"),
                ledger_heads.c.version.label("ledger"),
                vetting_stamps.c.stamp,
                vetting_stamps.c.valid_until,
                vetting_stamps.c.decision_seq,
        )
        with_versions = (
            parties.outerjoin(party_record_versions, party_record_versions.c.party_seq == parties.c.seq)
            .outerjoin(ledger_heads, ledger_heads.c.party_seq == parties.c.seq)
            .outerjoin(
                vetting_stamps,
                and_(vetting_stamps.c.party_seq == parties.c.seq, vetting_stamps.c.purpose == bindparam("purpose")),
            )
        )
        self._vet_state = FastQuery(
            database,
            select(*vet_state_columns).select_from(with_versions).where(parties.c.party_id == bindparam("party_id")),
        )
        self._vet_states = FastQuery(
            database,
            select(parties.c.party_id, *vet_state_columns)
            .select_from(with_versions)
            .where(one_of(database, parties.c.party_id, "party_ids")),
        )
        self._by_seq = FastQuery(database, select(*_DECISION_COLUMNS).where(decisions.c.seq == bindparam("seq")))
        dialect = database.engine.dialect.name
        self._upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._bulk_writes(database)
        # When a list: (seq, decision) of each decision written, for another process to keep.
        self.written: list[tuple[int, Decision]] | None = None
        # Decisions are immutable: each is decoded once. Only the newest of each party and purpose
        # is kept (the one vetting returns again and again): a shipper whose ledger changes all
        # day gets a new decision with each change, and the superseded ones are rarely read.
        self._decoded: BoundedCache = BoundedCache(_DECODED_CACHE_SIZE)
        self._newest: BoundedCache = BoundedCache(_DECODED_CACHE_SIZE)  # (party, purpose) -> seq
        self.states = VetStateCache(database)

    def _bulk_writes(self, database: Database) -> None:
        """The writes of a batch of decisions on the driver's own executemany: SQLAlchemy's
        per-row parameter work was a fifth of a bulk vetting's time."""
        self._insert_decisions = BulkStatement(
            database, insert(decisions).values({c: bindparam(c) for c in _INSERTED_DECISION}), {}
        )
        assert self._insert_decisions.order == list(_INSERTED_DECISION), self._insert_decisions.order
        self._seqs_of = FastQuery(
            database,
            select(decisions.c.decision_id, decisions.c.seq).where(one_of(database, decisions.c.decision_id, "ids")),
        )
        self._party_seqs = FastQuery(
            database, select(parties.c.party_id, parties.c.seq).where(one_of(database, parties.c.party_id, "ids"))
        )
        self._insert_changes = BulkStatement(
            database, insert(decision_changes).values({c: bindparam(c) for c in _INSERTED_CHANGE}), {}
        )
        assert self._insert_changes.order == list(_INSERTED_CHANGE), self._insert_changes.order
        stamps = self._upsert(vetting_stamps).values({c.name: bindparam(c.name) for c in vetting_stamps.columns})
        self._upsert_stamps = BulkStatement(
            database,
            stamps.on_conflict_do_update(
                index_elements=[vetting_stamps.c.party_seq, vetting_stamps.c.purpose],
                set_={
                    "stamp": stamps.excluded.stamp,
                    "valid_until": stamps.excluded.valid_until,
                    "decision_seq": stamps.excluded.decision_seq,
                },
            ),
            {},
        )
        assert self._upsert_stamps.order == [c.name for c in vetting_stamps.columns], self._upsert_stamps.order

    def _decision(self, row) -> Decision:
        decision = self._decoded.get(row.seq)
        if decision is None:
            decision = _decision_from_row(row)
            self._keep_decoded(row.seq, decision)
        return decision

    def keep_decoded(self, written: list[tuple[int, Decision]]) -> None:
        """Decisions another process wrote (seq, decision), kept as if written here: the bulk
        vetting helper's, so that vetting their parties again here does not read them back."""
        for seq, decision in written:
            self._keep_decoded(seq, decision)

    def _keep_decoded(self, seq: int, decision: Decision) -> None:
        """Keeps the newest decision of its party and purpose; an older one is not kept."""
        slot = (decision.party_id, decision.purpose)
        newest = self._newest.get(slot)
        if newest is not None and newest > seq:
            return
        if newest is not None and newest != seq:
            self._decoded.pop(newest, None)
        self._newest.put(slot, seq)
        self._decoded.put(seq, decision)

    def read_mark(self) -> int:
        return self.states.epoch()

    def keep_states(self, states, mark: int, decided) -> None:
        self.states.adopt(states, mark, decided)

    @staticmethod
    def _party_seq(conn: Connection, party_id: str) -> int | None:
        return conn.scalar(select(parties.c.seq).where(parties.c.party_id == party_id))

    # -- decisions --------------------------------------------------------------------------------

    def add_many(self, items: list[tuple[Decision, str, Decision | None]], stamps=()) -> None:
        write_time = self._write_time
        with self._db.writing(keyed=True) as conn:
            party_seqs = dict(driver_rows_for_each(self._db, conn, self._party_seqs, "ids", {d.party_id for d, _, _ in items}))
            rows = []
            for decision, digest, _ in items:
                attestation = decision.attestation
                rows.append(
                    (
                        decision.id,
                        party_seqs[decision.party_id],
                        decision.purpose.value,
                        decision.outcome.value,
                        write_time(decision.decide_time),
                        write_time(decision.valid_until),
                        decision.policy_version,
                        "y" if decision.inputs.high_volume else "n",
                        digest,
                        attestation.payload.decode(),
                        decision.inputs.stored_json(),
                        attestation.key_id,
                        attestation.algorithm,
                        attestation.signature.hex(),
                        decision.requested_by,
                    )
                )
            self._insert_decisions.run_tuples(conn, rows)
            seqs = dict(driver_rows_for_each(self._db, conn, self._seqs_of, "ids", [d.id for d, _, _ in items]))
            changed = [(d, r) for d, _, r in items if r is not None and r.outcome is not d.outcome]
            self._insert_changes.run_tuples(
                conn, [(seqs[d.id], r.outcome.value, write_time(d.decide_time)) for d, r in changed]
            )
            written = {d.id: (seqs[d.id], party_seqs[d.party_id]) for d, _, _ in items}
            kept = self._keep_stamps(conn, list(stamps), written)
        # A new decision outdates a state kept for its key (the stamp moves on, or stays behind).
        self.states.restamped(kept, decided=[(d.party_id, d.purpose) for d, _, _ in items])
        # Committed: kept as decoded, since decoding the stored row gives the same decision (the
        # next vetting of the party returns it without reading it back).
        for decision, _, _ in items:
            self._keep_decoded(seqs[decision.id], decision)
        if self.written is not None:
            self.written.extend((seqs[d.id], d) for d, _, _ in items)

    def get(self, party_id: str, decision_id: str) -> Decision | None:
        with self._db.reading() as conn:
            row = conn.execute(
                select(*_DECISION_COLUMNS)
                .select_from(decisions.join(parties, parties.c.seq == decisions.c.party_seq))
                .where(decisions.c.decision_id == decision_id, parties.c.party_id == party_id)
            ).first()
        return None if row is None else self._decision(row)

    def in_force(self, party_id: str, purpose: Purpose, at: datetime) -> tuple[Decision, str] | None:
        row = self._db.fetch_one(
            self._in_force, {"party_id": party_id, "purpose": purpose.value, "at": self._write_time(at)}
        )
        return None if row is None else (self._decision(row), row.inputs_digest)

    def in_force_of_parties(self, party_ids, at: datetime) -> dict[tuple[str, Purpose], tuple[Decision, str]]:
        """in_force of every purpose of these parties, by (party id, purpose): a few reads for a
        few hundred parties."""
        newest = self._db.fetch_for_each(self._in_force_of_parties, "party_ids", party_ids, {"at": self._write_time(at)})
        missing = [r.seq for r in newest if self._decoded.get(r.seq) is None]
        for row in self._db.fetch_for_each(self._by_seqs, "seqs", missing):
            self._decision(row)
        found = {}
        for r in newest:
            decision = self.decision_by_seq(r.seq)  # decoded just above, or kept from before
            if decision is not None:
                found[(r.party_id, Purpose(r.purpose))] = (decision, r.inputs_digest)
        return found

    def vet_state(self, party_id: str, purpose: Purpose) -> VetState | None:
        """One indexed read: what a repeated vetting needs to tell that nothing changed; none at
        all when this process may trust the state it kept (storage/vet_state_cache.py)."""
        key = (party_id, purpose)
        state = self.states.trusted(key)
        if state is not None:
            return state
        mark = self.states.mark(key)
        row = self._db.fetch_one(self._vet_state, {"party_id": party_id, "purpose": purpose.value})
        if row is None:
            return None
        state = _vet_state_from_row(row)
        self.states.keep(key, mark, state)
        return state

    def vet_states(self, keys) -> dict[tuple[str, Purpose], VetState]:
        """vet_state of each (party id, purpose) that exists: one read per purpose and few hundred."""
        found = {}
        by_purpose: dict[Purpose, list[str]] = {}
        keys = set(keys)
        marks = {key: self.states.mark(key) for key in keys} if self.states.keeping else None
        for party_id, purpose in keys:
            by_purpose.setdefault(purpose, []).append(party_id)
        for purpose, ids in by_purpose.items():
            for row in self._db.fetch_for_each(self._vet_states, "party_ids", ids, {"purpose": purpose.value}):
                found[(row.party_id, purpose)] = _vet_state_from_row(row)
        if marks is not None:
            for key, state in found.items():
                self.states.keep(key, marks[key], state)
        return found

    def decision_by_seq(self, seq: int) -> Decision | None:
        decision = self._decoded.get(seq)
        if decision is None:
            row = self._db.fetch_one(self._by_seq, {"seq": seq})
            decision = None if row is None else self._decision(row)
        return decision

    def keep_stamps(self, stamps: list) -> None:
        with self._db.writing(keyed=True) as conn:
            kept = self._keep_stamps(conn, stamps)
        self.states.restamped(kept)

    def _keep_stamps(self, conn: Connection, stamps, written: dict[str, tuple[int, int]] | None = None) -> list:
        """`written`: (seq, party seq) by id of the decisions this transaction wrote. Returns
        what VetStateCache.restamped takes once the transaction has committed."""
        if not stamps:
            return []
        found = dict(written or {})
        ids = [s[4] for s in stamps if s[4] not in found]
        if ids:
            found.update(
                (r.decision_id, (r.seq, r.party_seq))
                for r in conn.execute(
                    select(decisions.c.decision_id, decisions.c.seq, decisions.c.party_seq).where(
                        decisions.c.decision_id.in_(ids)
                    )
                )
            )
        write_time = self._write_time
        rows = [
            (found[decision_id][1], purpose.value, stamp, write_time(valid_until), found[decision_id][0])
            for _, purpose, stamp, valid_until, decision_id in stamps
        ]
        self._upsert_stamps.run_tuples(conn, rows)
        return [
            ((party_id, purpose), stamp, valid_until, found[decision_id][0])
            for party_id, purpose, stamp, valid_until, decision_id in stamps
        ]

    def active_clearances(self, party_id: str) -> list[MatchClearance]:
        return [_clearance_from_row(r) for r in self._db.fetch_all(self._active_clearances, {"party_id": party_id})]

    def active_clearances_of_parties(self, party_ids) -> dict[str, list[MatchClearance]]:
        found: dict[str, list[MatchClearance]] = {party_id: [] for party_id in party_ids}
        for r in self._db.fetch_for_each(self._clearances_of_parties, "party_ids", found):
            found[r.party_id].append(_clearance_from_row(r))
        return found

    def list(
        self, party_id: str, purpose: Purpose | None, outcome: Outcome | None, after: int, limit: int, organization: str | None
    ):
        # Newest first: the cursor is the seq of the last decision returned (0 on the first page).
        conditions = []
        if after:
            conditions.append(decisions.c.seq < after)
        if purpose is not None:
            conditions.append(decisions.c.purpose == purpose.value)
        if outcome is not None:
            conditions.append(decisions.c.outcome == outcome.value)
        if organization is not None:
            conditions.append(decisions.c.party_seq.in_(select(parties.c.seq).where(parties.c.organization == organization)))
        with self._db.reading() as conn:
            if party_id:
                conditions.append(decisions.c.party_seq == self._party_seq(conn, party_id))
            rows = conn.execute(
                select(*_DECISION_COLUMNS).where(and_(True, *conditions)).order_by(decisions.c.seq.desc()).limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_decision_from_row(r) for r in rows], (rows[-1].seq if more else None)

    def changes(self, after: int, limit: int, organization: str | None = None) -> list[DecisionChange]:
        conditions = [decision_changes.c.seq > after]
        if organization is not None:
            conditions.append(parties.c.organization == organization)
        with self._db.reading() as conn:
            rows = conn.execute(
                select(
                    decision_changes.c.seq.label("change_seq"),
                    decision_changes.c.previous_outcome,
                    decision_changes.c.change_time,
                    *_DECISION_COLUMNS,
                )
                .select_from(
                    decision_changes.join(decisions, decisions.c.seq == decision_changes.c.decision_seq).join(
                        parties, parties.c.seq == decisions.c.party_seq
                    )
                )
                .where(*conditions)
                .order_by(decision_changes.c.seq)
                .limit(limit)
            ).all()
        return [
            DecisionChange(
                r.change_seq,
                _decision_from_row(r),
                Outcome(r.previous_outcome) if r.previous_outcome else None,
                r.change_time,
            )
            for r in rows
        ]

    def last_change_cursor(self) -> int:
        with self._db.reading() as conn:
            return conn.scalar(select(func.max(decision_changes.c.seq))) or 0

    def decided_parties(self, party_ids: set[str] | None = None) -> list[tuple[str, Purpose, bool]]:
        """(party id, purpose, high_volume of its latest decision) of the parties decided so far:
        all of them, or those of `party_ids`."""
        if party_ids is not None:
            rows = self._db.fetch_for_each(self._decided_of_parties, "party_ids", party_ids)
        else:
            with self._db.reading() as conn:
                rows = conn.execute(_decided_parties_query()).all()
        return [(r.party_id, Purpose(r.purpose), r.high_volume == "y") for r in rows]

    # -- clearances -------------------------------------------------------------------------------

    def add_clearance(self, clearance: MatchClearance, request_id: str) -> MatchClearance:
        try:
            with self._db.writing() as conn:
                party_seq = self._party_seq(conn, clearance.party_id)
                if request_id:
                    earlier = self._clearance_by_request(conn, party_seq, request_id)
                    if earlier is not None:
                        return earlier
                bump_record_version(conn, party_seq)
                conn.execute(
                    insert(match_clearances).values(
                        clearance_id=clearance.id,
                        party_seq=party_seq,
                        list_id=clearance.list_id,
                        list_version=clearance.list_version,
                        source_id=clearance.source_id,
                        fingerprint=clearance.fingerprint,
                        analyst=clearance.analyst,
                        reason=clearance.reason,
                        create_time=clearance.create_time,
                        revoked_by="",
                        request_id=request_id or None,
                    )
                )
                return clearance
        except IntegrityError:
            # The same request_id, committed by a concurrent call first.
            with self._db.reading() as conn:
                earlier = self._clearance_by_request(conn, self._party_seq(conn, clearance.party_id), request_id)
            if earlier is None:
                raise
            return earlier

    @staticmethod
    def _clearance_by_request(conn: Connection, party_seq: int, request_id: str) -> MatchClearance | None:
        row = conn.execute(
            select(match_clearances, parties.c.party_id)
            .select_from(_CLEARANCE_FROM)
            .where(match_clearances.c.party_seq == party_seq, match_clearances.c.request_id == request_id)
        ).first()
        return None if row is None else _clearance_from_row(row)

    def clearances(self, party_id: str, include_revoked: bool, after: int, limit: int):
        conditions = [parties.c.party_id == party_id, match_clearances.c.seq > after]
        if not include_revoked:
            conditions.append(match_clearances.c.revoke_time.is_(None))
        with self._db.reading() as conn:
            rows = conn.execute(
                select(match_clearances, parties.c.party_id)
                .select_from(_CLEARANCE_FROM)
                .where(*conditions)
                .order_by(match_clearances.c.seq)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_clearance_from_row(r) for r in rows], (rows[-1].seq if more else None)

    def revoke_clearance(self, party_id: str, clearance_id: str, analyst: str, now: datetime) -> MatchClearance | None:
        with self._db.writing() as conn:
            row = conn.execute(
                select(match_clearances, parties.c.party_id)
                .select_from(_CLEARANCE_FROM)
                .where(parties.c.party_id == party_id, match_clearances.c.clearance_id == clearance_id)
                .with_for_update(of=match_clearances)
            ).first()
            if row is None:
                return None
            if row.revoke_time is not None:
                raise FailedPreconditionError(
                    f"parties/{party_id}/matchClearances/{clearance_id} is already revoked", reason="ALREADY_REVOKED"
                )
            conn.execute(
                update(match_clearances)
                .where(match_clearances.c.seq == row.seq)
                .values(revoke_time=now, revoked_by=analyst)
            )
            bump_record_version(conn, row.party_seq)
        return dataclasses.replace(_clearance_from_row(row), revoke_time=now, revoked_by=analyst)

    # -- policy texts and signing keys ------------------------------------------------------------

    def keep_policy(self, version: str, text: str) -> None:
        try:
            with self._db.writing() as conn:
                stored = conn.scalar(select(policy_texts.c.text).where(policy_texts.c.version == version))
                if stored is None:
                    conn.execute(insert(policy_texts).values(version=version, text=text, create_time=utc_now()))
        except IntegrityError:
            # Another replica starting at the same time recorded this version first.
            stored = self.policy_text(version)
        if stored is not None and stored != text:
            raise PolicyConflict(
                f"policy version {version!r} is already recorded with other values; "
                "give the changed policy a new version"
            )

    def policy_text(self, version: str) -> str | None:
        with self._db.reading() as conn:
            return conn.scalar(select(policy_texts.c.text).where(policy_texts.c.version == version))

    def register_key(self, key_id: str, algorithm: str, public_key: bytes) -> None:
        try:
            with self._db.writing() as conn:
                if conn.scalar(select(signing_keys.c.key_id).where(signing_keys.c.key_id == key_id)) is None:
                    conn.execute(
                        insert(signing_keys).values(
                            key_id=key_id, algorithm=algorithm, public_key=public_key.hex(), create_time=utc_now()
                        )
                    )
        except IntegrityError:
            pass  # another replica with the same key file registered it first; the id names the key

    def keys(self) -> list[tuple[str, str, bytes, datetime]]:
        with self._db.reading() as conn:
            rows = conn.execute(select(signing_keys).order_by(signing_keys.c.create_time)).all()
        return [(r.key_id, r.algorithm, bytes.fromhex(r.public_key), r.create_time) for r in rows]


class PolicyConflict(ValueError):
    """The policy file reuses a recorded version with other values."""
