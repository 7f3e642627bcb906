"""SQLAlchemy repository for violations and their status history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import Connection, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.errors import AlreadyExistsError, NotFoundError
from knownparty_service.domain.money import Money
from knownparty_service.domain.parties import PartyState
from knownparty_service.domain.party_registry import IdempotencyKey
from knownparty_service.domain.vetting.model import ViolationFact
from knownparty_service.domain.violations import (
    Category,
    ProductCategory,
    Source,
    Status,
    StatusChange,
    Violation,
    ViolationFields,
    ViolationQuery,
)
from knownparty_service.storage.database import Database, FastQuery, one_of
from knownparty_service.storage.record_versions import bump_record_version
from knownparty_service.storage.idempotency import find_earlier_result, remember_result
from knownparty_service.storage.tables import parties, violation_status_changes, violations

_COLUMNS = (
    violations.c.seq,
    violations.c.party_seq,
    parties.c.party_id,
    violations.c.violation_id,
    violations.c.category,
    violations.c.source,
    violations.c.reference_number,
    violations.c.occur_time,
    violations.c.report_time,
    violations.c.product_category,
    violations.c.quantity,
    violations.c.value_currency,
    violations.c.value_amount_minor,
    violations.c.note,
    violations.c.status,
    violations.c.revision,
    violations.c.create_time,
    violations.c.update_time,
)
_FROM = violations.join(parties, parties.c.seq == violations.c.party_seq)


def _violation_from_row(row, history: list[StatusChange]) -> Violation:
    value = Money(row.value_currency, row.value_amount_minor) if row.value_currency is not None else None
    return Violation(
        id=row.violation_id,
        party_id=row.party_id,
        fields=ViolationFields(
            category=Category(row.category),
            source=Source(row.source),
            reference_number=row.reference_number,
            occur_time=row.occur_time,
            report_time=row.report_time,
            product_category=ProductCategory(row.product_category) if row.product_category else None,
            quantity=row.quantity,
            value=value,
            note=row.note,
        ),
        status=Status(row.status),
        status_history=tuple(history),
        create_time=row.create_time,
        update_time=row.update_time,
        revision=row.revision,
    )


def _histories(conn: Connection, seqs: list[int]) -> dict[int, list[StatusChange]]:
    found: dict[int, list[StatusChange]] = defaultdict(list)
    if not seqs:
        return found
    rows = conn.execute(
        select(violation_status_changes)
        .where(violation_status_changes.c.violation_seq.in_(seqs))
        .order_by(violation_status_changes.c.violation_seq, violation_status_changes.c.revision)
    ).all()
    for r in rows:
        found[r.violation_seq].append(StatusChange(Status(r.status), r.change_time, r.note))
    return found


def _load(conn: Connection, rows) -> list[Violation]:
    histories = _histories(conn, [r.seq for r in rows])
    return [_violation_from_row(r, histories[r.seq]) for r in rows]


def _record_change(conn: Connection, seq: int, revision: int, change: StatusChange) -> None:
    conn.execute(
        insert(violation_status_changes).values(
            violation_seq=seq,
            revision=revision,
            status=change.status.value,
            change_time=change.change_time,
            note=change.note,
        )
    )


class SqlViolationRepository:
    def __init__(self, database: Database):
        self._db = database
        self._facts = FastQuery(
            database,
            select(violations.c.violation_id, violations.c.category, violations.c.status, violations.c.occur_time)
            .select_from(_FROM)
            .where(parties.c.party_id == bindparam("party_id"))
            .order_by(violations.c.seq),
        )
        self._facts_of_parties = FastQuery(
            database,
            select(parties.c.party_id, violations.c.violation_id, violations.c.category, violations.c.status, violations.c.occur_time)
            .select_from(_FROM)
            .where(one_of(database, parties.c.party_id, "party_ids"))
            .order_by(violations.c.seq),
        )

    # -- create -------------------------------------------------------------------------------

    def create(
        self,
        violation: Violation,
        idempotency: IdempotencyKey | None,
        admit: Callable[[PartyState | None], None],
    ) -> Violation:
        try:
            with self._db.writing() as conn:
                if idempotency:
                    earlier = self._replay(conn, idempotency)
                    if earlier:
                        return earlier
                # A shared lock: archiving the party (SELECT ... FOR UPDATE) waits for this record.
                party = conn.execute(
                    select(parties.c.seq, parties.c.state)
                    .where(parties.c.party_id == violation.party_id)
                    .with_for_update(read=True)
                ).first()
                admit(PartyState(party.state) if party else None)
                self._check_free(conn, party.seq, violation)
                fields = violation.fields
                seq = conn.execute(
                    insert(violations).values(
                        party_seq=party.seq,
                        violation_id=violation.id,
                        category=fields.category.value,
                        source=fields.source.value,
                        reference_number=fields.reference_number,
                        occur_time=fields.occur_time,
                        report_time=fields.report_time,
                        product_category=fields.product_category.value if fields.product_category else None,
                        quantity=fields.quantity,
                        value_currency=fields.value.currency if fields.value else None,
                        value_amount_minor=fields.value.amount_minor if fields.value else None,
                        note=fields.note,
                        status=violation.status.value,
                        revision=violation.revision,
                        create_time=violation.create_time,
                        update_time=violation.update_time,
                    )
                ).inserted_primary_key[0]
                for revision, change in enumerate(violation.status_history, start=1):
                    _record_change(conn, seq, revision, change)
                bump_record_version(conn, party.seq)
                if idempotency:
                    remember_result(conn, idempotency, seq, violation.revision, violation.create_time)
                return violation
        except (IntegrityError, AlreadyExistsError) as exc:
            # A concurrent writer won a race that the checks above could not see yet; when it was
            # the same request (same request_id), its result is this call's result.
            if idempotency:
                with self._db.reading() as conn:
                    earlier = self._replay(conn, idempotency)
                if earlier:
                    return earlier
            if isinstance(exc, AlreadyExistsError):
                raise
            raise AlreadyExistsError(
                f"{violation.name} or its reference number was taken by a concurrent request",
                reason="CONCURRENT_CONFLICT",
            ) from None

    def _check_free(self, conn: Connection, party_seq: int, violation: Violation) -> None:
        taken = conn.scalar(
            select(violations.c.seq).where(
                violations.c.party_seq == party_seq, violations.c.violation_id == violation.id
            )
        )
        if taken is not None:
            raise AlreadyExistsError(f"{violation.name} already exists", metadata={"name": violation.name})
        fields = violation.fields
        holder = conn.scalar(
            select(violations.c.violation_id).where(
                violations.c.party_seq == party_seq,
                violations.c.source == fields.source.value,
                violations.c.reference_number == fields.reference_number,
            )
        )
        if holder is not None:
            existing = f"{violation.parent}/violations/{holder}"
            raise AlreadyExistsError(
                f"violation.reference_number: {fields.source.value} reference {fields.reference_number!r} is "
                f"already recorded for {violation.parent} as {existing}",
                reason="REFERENCE_NUMBER_IN_USE",
                metadata={"field": "violation.reference_number", "existing": existing},
            )

    def _replay(self, conn: Connection, key: IdempotencyKey) -> Violation | None:
        earlier = find_earlier_result(conn, key)
        if earlier is None:
            return None
        seq, first_revision = earlier
        found = conn.execute(select(*_COLUMNS).select_from(_FROM).where(violations.c.seq == seq)).first()
        current = _load(conn, [found])[0]
        # The violation as the first call returned it: status changes since then are left out.
        history = current.status_history[:first_revision]
        return Violation(
            id=current.id,
            party_id=current.party_id,
            fields=current.fields,
            status=history[-1].status,
            status_history=history,
            create_time=current.create_time,
            update_time=history[-1].change_time,
            revision=first_revision,
        )

    # -- read ---------------------------------------------------------------------------------

    def get(self, party_id: str, violation_id: str) -> Violation | None:
        with self._db.reading() as conn:
            row = conn.execute(
                select(*_COLUMNS)
                .select_from(_FROM)
                .where(parties.c.party_id == party_id, violations.c.violation_id == violation_id)
            ).first()
            return _load(conn, [row])[0] if row else None

    def list(self, query: ViolationQuery, after: int, limit: int) -> tuple[list[Violation], int | None] | None:
        conditions = [violations.c.seq > after]
        if query.category:
            conditions.append(violations.c.category == query.category.value)
        if query.status:
            conditions.append(violations.c.status == query.status.value)
        if query.source:
            conditions.append(violations.c.source == query.source.value)
        if query.occur_after:
            conditions.append(violations.c.occur_time >= query.occur_after)
        if query.occur_before:
            conditions.append(violations.c.occur_time < query.occur_before)
        if query.organization is not None:
            conditions.append(parties.c.organization == query.organization)
        with self._db.reading() as conn:
            if query.party_id:
                party_seq = conn.scalar(select(parties.c.seq).where(parties.c.party_id == query.party_id))
                if party_seq is None:
                    return None
                conditions.append(violations.c.party_seq == party_seq)
            rows = conn.execute(
                select(*_COLUMNS).select_from(_FROM).where(and_(*conditions)).order_by(violations.c.seq).limit(limit + 1)
            ).all()
            more = len(rows) > limit
            rows = rows[:limit]
            items = _load(conn, rows)
        return items, (rows[-1].seq if more else None)

    def facts_of_party(self, party_id: str) -> list[ViolationFact]:
        """(name, category, status, occur time) of every violation of a party, for vetting."""
        rows = self._db.fetch_all(self._facts, {"party_id": party_id})
        return [
            ViolationFact(f"parties/{party_id}/violations/{r.violation_id}", r.category, r.status, r.occur_time)
            for r in rows
        ]

    def facts_of_parties(self, party_ids) -> dict[str, list[ViolationFact]]:
        """facts_of_party of each of these parties (an empty list for one without violations)."""
        found: dict[str, list[ViolationFact]] = {party_id: [] for party_id in party_ids}
        for r in self._db.fetch_for_each(self._facts_of_parties, "party_ids", found):
            found[r.party_id].append(
                ViolationFact(f"parties/{r.party_id}/violations/{r.violation_id}", r.category, r.status, r.occur_time)
            )
        return found

    # -- change -------------------------------------------------------------------------------

    def change_status(
        self, party_id: str, violation_id: str, decide: Callable[[Violation], StatusChange]
    ) -> Violation:
        with self._db.writing() as conn:
            row = conn.execute(
                select(*_COLUMNS)
                .select_from(_FROM)
                .where(parties.c.party_id == party_id, violations.c.violation_id == violation_id)
                .with_for_update(of=violations)
            ).first()
            name = f"parties/{party_id}/violations/{violation_id}"
            if row is None:
                raise NotFoundError(f"{name} does not exist", metadata={"name": name})
            current = _load(conn, [row])[0]
            change = decide(current)
            revision = current.revision + 1
            conn.execute(
                update(violations)
                .where(violations.c.seq == row.seq)
                .values(status=change.status.value, revision=revision, update_time=change.change_time)
            )
            _record_change(conn, row.seq, revision, change)
            bump_record_version(conn, row.party_seq)
            return Violation(
                id=current.id,
                party_id=current.party_id,
                fields=current.fields,
                status=change.status,
                status_history=(*current.status_history, change),
                create_time=current.create_time,
                update_time=change.change_time,
                revision=revision,
            )

