"""SQLAlchemy repository for parties, their identifiers, countries and revisions."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import AlreadyExistsError, NotFoundError
from knownparty_service.domain.party_registry import IdempotencyKey, PartyChangeSet
from knownparty_service.domain.parties import Party, PartyChange, PartyQuery, PartyRevision, PartyState
from knownparty_service.storage.database import Database, FastQuery, one_of
from knownparty_service.storage.party_codec import dump_document, dump_snapshot, load_snapshot, party_from_row
from knownparty_service.storage.field_cipher import FieldCipher
from knownparty_service.storage.idempotency import find_earlier_result, remember_result
from knownparty_service.storage.protected_identifiers import IdentifierSealer
from knownparty_service.storage.tables import parties, party_countries, party_identifiers, party_revisions

_PARTY_COLUMNS = (
    parties.c.seq,
    parties.c.party_id,
    parties.c.organization,
    parties.c.kind,
    parties.c.legal_name,
    parties.c.state,
    parties.c.document,
    parties.c.revision,
    parties.c.create_time,
    parties.c.update_time,
)


_DECODED_CACHE_SIZE = 200_000
_GET_PARTY = select(*_PARTY_COLUMNS).where(parties.c.party_id == bindparam("party_id"))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlPartyRepository:
    def __init__(self, database: Database, cipher: FieldCipher):
        self._db = database
        # Protected identifiers are stored encrypted (documents, snapshots) or digested (lookups).
        self._sealer = IdentifierSealer(cipher)
        self._get_party = FastQuery(database, _GET_PARTY)
        self._get_parties = FastQuery(
            database, select(*_PARTY_COLUMNS).where(one_of(database, parties.c.party_id, "party_ids"))
        )
        # Decoded parties by (party_id, revision): a revision never changes once written, so a
        # hit is exact; only the JSON decoding is saved, the row is always read.
        self._decoded: BoundedCache = BoundedCache(_DECODED_CACHE_SIZE)

    # -- create -------------------------------------------------------------------------------

    def create(self, party: Party, idempotency: IdempotencyKey | None) -> Party:
        if idempotency:
            idempotency = dataclasses.replace(
                idempotency, fingerprint=self._sealer.request_fingerprint(idempotency.fingerprint)
            )
        try:
            with self._db.writing() as conn:
                if idempotency:
                    earlier = self._replay(conn, idempotency)
                    if earlier:
                        return earlier
                if conn.scalar(select(parties.c.seq).where(parties.c.party_id == party.id)) is not None:
                    raise AlreadyExistsError(f"{party.name} already exists", metadata={"name": party.name})
                self._check_identifiers_free(conn, party, own_seq=None)
                seq = conn.execute(
                    insert(parties).values(
                        party_id=party.id,
                        organization=party.organization,
                        kind=party.fields.kind.value,
                        legal_name=party.fields.legal_name,
                        name_key=party.fields.legal_name.casefold(),
                        state=party.state.value,
                        document=dump_document(self._sealer.seal(party).fields),
                        revision=party.revision,
                        create_time=party.create_time,
                        update_time=party.update_time,
                    )
                ).inserted_primary_key[0]
                self._write_children(conn, seq, party, replace=False)
                self._record_revision(conn, seq, party, PartyChange.CREATED, ())
                if idempotency:
                    remember_result(conn, idempotency, seq, party.revision, party.create_time)
                return party
        except (IntegrityError, AlreadyExistsError) as exc:
            # A concurrent writer got there first. When it was this very request (same
            # request_id), its result is the answer; otherwise the conflict stands.
            if idempotency:
                with self._db.reading() as conn:
                    earlier = self._replay(conn, idempotency)
                if earlier:
                    return earlier
            if isinstance(exc, AlreadyExistsError):
                raise
            raise AlreadyExistsError(
                f"{party.name} or one of its identifiers was taken by a concurrent request", reason="CONCURRENT_CONFLICT"
            ) from None

    def _replay(self, conn: Connection, key: IdempotencyKey) -> Party | None:
        earlier = find_earlier_result(conn, key)
        if earlier is None:
            return None
        seq, revision = earlier
        snapshot = conn.scalar(
            select(party_revisions.c.snapshot).where(
                party_revisions.c.party_seq == seq, party_revisions.c.revision == revision
            )
        )
        return self._sealer.open(load_snapshot(snapshot))

    def _check_identifiers_free(self, conn: Connection, party: Party, own_seq: int | None) -> None:
        if party.state is PartyState.ARCHIVED:
            return
        for i, identifier in enumerate(party.fields.identifiers):
            query = (
                select(parties.c.party_id)
                .join(party_identifiers, party_identifiers.c.party_seq == parties.c.seq)
                .where(
                    party_identifiers.c.held,
                    party_identifiers.c.organization == party.organization,
                    party_identifiers.c.id_type == identifier.type.value,
                    party_identifiers.c.value == self._sealer.lookup_value(identifier.type, identifier.value),
                    party_identifiers.c.issuing_country == identifier.issuing_country,
                )
            )
            if own_seq is not None:
                query = query.where(parties.c.seq != own_seq)
            holder = conn.scalar(query.limit(1))
            if holder is not None:
                raise AlreadyExistsError(
                    # Never the value itself: it may be a protected one.
                    f"party.identifiers[{i}]: this {identifier.type.value} identifier is already held by "
                    f"active party parties/{holder}",
                    reason="IDENTIFIER_IN_USE",
                    metadata={"field": f"party.identifiers[{i}]", "holder": f"parties/{holder}"},
                )

    def _write_children(self, conn: Connection, seq: int, party: Party, *, replace: bool) -> None:
        if replace:
            conn.execute(delete(party_identifiers).where(party_identifiers.c.party_seq == seq))
            conn.execute(delete(party_countries).where(party_countries.c.party_seq == seq))
        held = party.state is not PartyState.ARCHIVED
        identifiers = [
            {"party_seq": seq, "organization": party.organization, "id_type": i.type.value, "value": self._sealer.lookup_value(i.type, i.value), "issuing_country": i.issuing_country, "held": held}
            for i in party.fields.identifiers
        ]
        if identifiers:
            conn.execute(insert(party_identifiers), identifiers)
        countries = sorted({a.country for a in party.fields.addresses})
        if countries:
            conn.execute(insert(party_countries), [{"party_seq": seq, "country": c} for c in countries])

    def _record_revision(self, conn: Connection, seq: int, party: Party, change: PartyChange, fields: tuple[str, ...]) -> None:
        conn.execute(
            insert(party_revisions).values(
                party_seq=seq,
                revision=party.revision,
                change=change.value,
                changed_fields=json.dumps(list(fields)),
                change_time=party.update_time,
                snapshot=dump_snapshot(self._sealer.seal(party)),
            )
        )

    # -- read ---------------------------------------------------------------------------------

    def get(self, party_id: str) -> Party | None:
        row = self._db.fetch_one(self._get_party, {"party_id": party_id})
        return None if row is None else self._decoded_party(row)

    def get_many(self, party_ids) -> dict[str, Party]:
        """The parties of these ids that exist, by id: one read per few hundred."""
        rows = self._db.fetch_for_each(self._get_parties, "party_ids", party_ids)
        return {row.party_id: self._decoded_party(row) for row in rows}

    def _decoded_party(self, row) -> Party:
        key = (row.party_id, row.revision)
        party = self._decoded.get(key)
        if party is None:
            party = self._decoded.put(key, self._sealer.open(party_from_row(row)))
        return party

    def owner_of(self, party_id: str) -> str | None:
        party = self.get(party_id)
        return party.organization if party is not None else None

    def list(self, query: PartyQuery, after: int, limit: int) -> tuple[list[Party], int | None]:
        conditions = [parties.c.seq > after]
        if query.organization is not None:
            conditions.append(parties.c.organization == query.organization)
        if query.kind:
            conditions.append(parties.c.kind == query.kind.value)
        if query.state:
            conditions.append(parties.c.state == query.state.value)
        elif not query.show_archived:
            conditions.append(parties.c.state != PartyState.ARCHIVED.value)
        if query.country:
            conditions.append(
                exists().where(party_countries.c.party_seq == parties.c.seq, party_countries.c.country == query.country)
            )
        if query.identifier_type:
            conditions.append(
                exists().where(
                    party_identifiers.c.party_seq == parties.c.seq,
                    party_identifiers.c.id_type == query.identifier_type.value,
                    party_identifiers.c.value == self._sealer.lookup_value(query.identifier_type, query.identifier_value),
                )
            )
        if query.name_prefix:
            conditions.append(parties.c.name_key.like(_escape_like(query.name_prefix) + "%", escape="\\"))
        statement = select(*_PARTY_COLUMNS).where(and_(*conditions)).order_by(parties.c.seq).limit(limit + 1)
        with self._db.reading() as conn:
            rows = conn.execute(statement).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [self._sealer.open(party_from_row(r)) for r in rows], (rows[-1].seq if more else None)

    def revisions(self, party_id: str, after: int, limit: int) -> tuple[list[PartyRevision], int | None] | None:
        with self._db.snapshot() as conn:
            seq = conn.scalar(select(parties.c.seq).where(parties.c.party_id == party_id))
            if seq is None:
                return None
            rows = conn.execute(
                select(party_revisions)
                .where(party_revisions.c.party_seq == seq, party_revisions.c.revision > after)
                .order_by(party_revisions.c.revision)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = [
            PartyRevision(
                revision=r.revision,
                change=PartyChange(r.change),
                changed_fields=tuple(json.loads(r.changed_fields)),
                change_time=r.change_time,
                snapshot=self._sealer.open(load_snapshot(r.snapshot)),
            )
            for r in rows
        ]
        return items, (rows[-1].revision if more else None)

    # -- change -------------------------------------------------------------------------------

    def change(self, party_id: str, decide: Callable[[Party], PartyChangeSet], now: datetime) -> Party:
        try:
            with self._db.writing() as conn:
                row = conn.execute(
                    select(*_PARTY_COLUMNS).where(parties.c.party_id == party_id).with_for_update()
                ).first()
                if row is None:
                    raise NotFoundError(f"parties/{party_id} does not exist", metadata={"name": f"parties/{party_id}"})
                current = self._sealer.open(party_from_row(row))
                change_set = decide(current)
                party = Party(
                    id=current.id,
                    fields=change_set.fields,
                    state=change_set.state,
                    create_time=current.create_time,
                    update_time=now,
                    revision=current.revision + 1,
                    organization=current.organization,
                )
                self._check_identifiers_free(conn, party, own_seq=row.seq)
                conn.execute(
                    update(parties)
                    .where(parties.c.seq == row.seq)
                    .values(
                        legal_name=party.fields.legal_name,
                        name_key=party.fields.legal_name.casefold(),
                        state=party.state.value,
                        document=dump_document(self._sealer.seal(party).fields),
                        revision=party.revision,
                        update_time=party.update_time,
                    )
                )
                self._write_children(conn, row.seq, party, replace=True)
                self._record_revision(conn, row.seq, party, change_set.change, change_set.changed_fields)
                return party
        except IntegrityError:
            raise AlreadyExistsError(
                "one of the party's identifiers was taken by a concurrent request", reason="CONCURRENT_CONFLICT"
            ) from None
