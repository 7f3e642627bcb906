"""SQLAlchemy repository of the fee-payment ledger and its standing buckets.

A batch of rows is applied in one transaction: the stored lines and shipments the batch touches
are read once (locked on PostgreSQL), the domain decides each row in order, and the writes go out
as a few executemany statements, bucket changes as atomic increments (upserts), so concurrent
writers never lose an update.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, func, insert, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import TransactionConflictError
from knownparty_service.domain.parties import PartyKind, PartyState
from knownparty_service.domain.payment_ledger import (
    LedgerRow,
    RowOutcome,
    RowRejected,
    ShipmentRecord,
    decide_fee,
    decide_payment,
    missing_shipper,
)
from knownparty_service.domain.payments import (
    FeeInput,
    FeeKey,
    FeeLine,
    FeeResolution,
    FeeType,
    OpenLine,
    PaymentRecord,
    WindowTotals,
    day_number,
    difference,
    line_facts,
    record_builder,
)
from knownparty_service.domain.policy import Policy
from knownparty_service.storage.database import (
    BulkStatement,
    Database,
    FastQuery,
    driver_rows,
    fetched,
    list_parameter,
    one_of,
    stored_times,
    time_texts,
)
from knownparty_service.storage.payment_tables import (
    COUNTER_COLUMNS,
    fee_lines,
    ledger_heads,
    shipments,
    standing_amounts,
    standing_days,
    standing_meta,
)
from knownparty_service.storage.tables import parties

log = logging.getLogger(__name__)

# Keys per IN (...) list: well under SQLite's bound-parameter limit.
_CHUNK = 900
_RETRIES = 3
_POLICY_KEY = "policy_fingerprint"
_POLICY_LOCK_ID = 0x6B70706F6C  # "kppol": apart from the migrations' lock
_UPDATED = (
    "currency", "billed_minor", "bill_time", "due_time", "resolution",
    "paid_minor", "payments", "settle_time", "is_open", "default_time", "update_time",
)
_INSERTED = ("line_id", "party_seq", "carrier", "shipment_reference", "fee_type", "shipment_time", *_UPDATED)
_STANDING_CACHE_SIZE = 50_000


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


_encode_string = json.encoder.encode_basestring_ascii


def _payments_json(payments: tuple[PaymentRecord, ...]) -> str:
    """[[reference, amount, currency, paid time], ...] as JSON, written directly (json.dumps
    costs several microseconds a line, and every import row writes one)."""
    if not payments:
        return "[]"
    return "[" + ",".join(
        f'[{_encode_string(p.payment_reference)},{p.amount_minor},{_encode_string(p.currency)},"{p.paid_time.isoformat()}"]'
        for p in payments
    ) + "]"


_fee_line, _fee_input, _fee_key = record_builder(FeeLine), record_builder(FeeInput), record_builder(FeeKey)
_shipment, _outcome = record_builder(ShipmentRecord), record_builder(RowOutcome)
_FEE_TYPES = {t.value: t for t in FeeType}
_RESOLUTIONS = {r.value: r for r in FeeResolution}
# The stored text of each member (a dict look-up is cheaper than an enum's .value).
_FEE_TYPE_TEXT = {t: t.value for t in FeeType}
_RESOLUTION_TEXT = {r: r.value for r in FeeResolution}


_fromiso = datetime.fromisoformat


def _payments_from(text: str) -> tuple[PaymentRecord, ...]:
    if text == "[]":
        return ()
    return tuple(PaymentRecord(ref, amount, cur, _fromiso(t)) for ref, amount, cur, t in json.loads(text))


def _line_from(row, party_id: str) -> FeeLine:
    return FeeLine(
        line_id=row.line_id,
        party_id=party_id,
        bill=FeeInput(
            key=FeeKey(row.carrier, row.shipment_reference, FeeType(row.fee_type)),
            shipment_time=row.shipment_time,
            currency=row.currency,
            billed_minor=row.billed_minor,
            bill_time=row.bill_time,
            due_time=row.due_time,
            resolution=FeeResolution(row.resolution),
        ),
        payments=_payments_from(row.payments),
        update_time=row.update_time,
    )


# The columns of a stored line as the import reads them, in this order (see _line_from_raw).
_LINE_COLUMNS = (
    "seq", "line_id", "party_seq", "carrier", "shipment_reference", "fee_type", "shipment_time", "currency",
    "billed_minor", "bill_time", "due_time", "resolution", "payments", "update_time",
)


def _line_from_raw(raw: tuple, party_id: str, read_time: dict) -> FeeLine:
    _, line_id, _, carrier, reference, fee_type, shipment_time, currency, billed, bill_time, due_time, resolution, payments, update_time = raw
    return _fee_line(
        (
            line_id,
            party_id,
            _fee_input(
                (
                    _fee_key((carrier, reference, _FEE_TYPES[fee_type])),
                    read_time[shipment_time],
                    currency,
                    billed,
                    read_time[bill_time],
                    read_time[due_time],
                    _RESOLUTIONS[resolution],
                )
            ),
            _payments_from(payments) if payments != "[]" else (),
            read_time[update_time],
        )
    )


def _refusal(party_id: str, found: tuple[int, str, str] | None) -> RowRejected | None:
    """Why rows of this shipper cannot be applied; None when they can."""
    if found is None:
        return missing_shipper(party_id)
    _, kind, state = found
    if kind != PartyKind.SHIPPER.value:
        return RowRejected("shipper", f"parties/{party_id} is a {kind}, not a shipper", reason="NOT_A_SHIPPER")
    if state == PartyState.ARCHIVED.value:
        return RowRejected("shipper", f"parties/{party_id} is archived", reason="PARTY_ARCHIVED")
    return None


class _BucketChanges:
    """What a batch adds to the standing buckets, summed per bucket before it is written."""

    __slots__ = ("days", "amounts", "parties")

    def __init__(self):
        # (party, day) -> [shipments, *COUNTER_COLUMNS, first shipment time, last shipment time]
        self.days: dict[tuple[int, int], list] = {}
        # (party, day, currency) -> [billed, paid]
        self.amounts: dict[tuple[int, int, str], list[int]] = {}
        self.parties: set[int] = set()

    def _day(self, party_seq: int, day: int) -> list:
        totals = self.days.get((party_seq, day))
        if totals is None:
            totals = self.days[(party_seq, day)] = [0, 0, 0, 0, 0, None, None]
        return totals

    def add_shipment(self, party_seq: int, shipment_time: datetime) -> None:
        totals = self._day(party_seq, day_number(shipment_time))
        totals[0] += 1
        if totals[5] is None or shipment_time < totals[5]:
            totals[5] = shipment_time
        if totals[6] is None or shipment_time > totals[6]:
            totals[6] = shipment_time

    def add_line(self, party_seq: int, day: int, counters: tuple[int, int, int, int], amounts) -> None:
        """`counters` in the order of COUNTER_COLUMNS; `amounts` (currency, billed, paid) changes."""
        self.parties.add(party_seq)
        if any(counters):
            totals = self._day(party_seq, day)
            totals[1] += counters[0]
            totals[2] += counters[1]
            totals[3] += counters[2]
            totals[4] += counters[3]
        for currency, billed, paid in amounts:
            totals = self.amounts.get((party_seq, day, currency))
            if totals is None:
                totals = self.amounts[(party_seq, day, currency)] = [0, 0]
            totals[0] += billed
            totals[1] += paid

    # Both in key order: concurrent batches then take their bucket rows' locks in one order, and
    # cannot deadlock on PostgreSQL (each waits for the other's bucket otherwise).
    def day_rows(self, write_time) -> list[tuple]:
        """In the days upsert's parameter order (checked in SqlPaymentRepository.__init__)."""
        return [
            (party_seq, day, shipments_added, write_time[first], write_time[last], *counters)
            for (party_seq, day), (shipments_added, *counters, first, last) in sorted(self.days.items())
        ]

    def amount_rows(self) -> list[tuple]:
        return [
            (party_seq, day, currency, billed, paid)
            for (party_seq, day, currency), (billed, paid) in sorted(self.amounts.items())
        ]


class SqlPaymentRepository:
    def __init__(self, database: Database):
        self._db = database
        dialect = database.engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # LEAST/GREATEST ignore NULLs on PostgreSQL; SQLite's scalar min/max would return NULL.
        if dialect == "postgresql":
            self._least, self._greatest = func.least, func.greatest
        else:
            self._least = lambda a, b: func.min(func.coalesce(a, b), func.coalesce(b, a))
            self._greatest = lambda a, b: func.max(func.coalesce(a, b), func.coalesce(b, a))
        types = {c.name: c.type for c in fee_lines.columns}
        self._insert_lines = BulkStatement(
            database, insert(fee_lines).values({c: bindparam(c) for c in _INSERTED}), types
        )
        self._update_lines = BulkStatement(
            database,
            update(fee_lines).where(fee_lines.c.seq == bindparam("target_seq")).values({c: bindparam(c) for c in _UPDATED}),
            types,
        )
        # _write_lines builds its tuples in these orders (the table's column order).
        assert self._insert_lines.order == list(_INSERTED), self._insert_lines.order
        assert self._update_lines.order == [*_UPDATED, "target_seq"], self._update_lines.order
        self._insert_shipments = BulkStatement(
            database,
            insert(shipments).values({c.name: bindparam(c.name) for c in shipments.columns}),
            {c.name: c.type for c in shipments.columns},
        )
        self._upsert_days = BulkStatement(database, self._days_upsert(), {c.name: c.type for c in standing_days.columns})
        self._upsert_amounts = BulkStatement(database, self._amounts_upsert(), {})
        assert self._upsert_days.order == ["party_seq", "day", "shipments", "first_shipment_time", "last_shipment_time", *COUNTER_COLUMNS]
        assert self._upsert_amounts.order == ["party_seq", "day", "currency", "billed_minor", "paid_minor"]
        self._bump_heads = BulkStatement(database, self._heads_upsert(), {})
        self._shipments_of = FastQuery(
            database,
            select(shipments.c.carrier, shipments.c.shipment_reference, shipments.c.party_seq, shipments.c.shipment_time)
            .where(shipments.c.carrier == bindparam("carrier"), one_of(database, shipments.c.shipment_reference, "refs")),
        )
        self._lines_of = FastQuery(
            database,
            select(*[fee_lines.c[name] for name in _LINE_COLUMNS])
            .where(fee_lines.c.carrier == bindparam("carrier"), one_of(database, fee_lines.c.shipment_reference, "refs"))
            .order_by(fee_lines.c.seq)
            .with_for_update(),
        )
        self._head = FastQuery(
            database,
            select(ledger_heads.c.version, parties.c.seq)
            .select_from(parties.outerjoin(ledger_heads, ledger_heads.c.party_seq == parties.c.seq))
            .where(parties.c.party_id == bindparam("party_id")),
        )
        self._standing_queries(database)
        # Standing inputs by party id, with the (ledger version, first day) they were read at: exact
        # while those hold; one entry a shipper, so steady writes do not fill it with old versions.
        # Each also carries the stamp of this process's last write to that ledger (_note_written).
        self._standing_cache: BoundedCache = BoundedCache(_STANDING_CACHE_SIZE)
        self._stamps = itertools.count(1)
        self._written: dict[str, int] = {}
        self._epoch = 0  # a new stamp after a policy change rebuilt every shipper's buckets

    def _standing_queries(self, database: Database) -> None:
        """The reads of a shipper's standing inputs, compiled once (the first vetting of each
        shipper runs them)."""
        seq, first_day = bindparam("party_seq"), bindparam("first_day")
        self._standing_version = FastQuery(database, select(ledger_heads.c.version).where(ledger_heads.c.party_seq == seq))
        self._standing_days = FastQuery(
            database,
            select(
                func.coalesce(func.sum(standing_days.c.shipments), 0).label("shipments"),
                func.min(standing_days.c.first_shipment_time).label("first_shipment_time"),
                func.max(standing_days.c.last_shipment_time).label("last_shipment_time"),
                *[func.coalesce(func.sum(standing_days.c[c]), 0).label(c) for c in COUNTER_COLUMNS],
            ).where(standing_days.c.party_seq == seq, standing_days.c.day >= first_day),
        )
        self._standing_amounts = FastQuery(
            database,
            select(
                standing_amounts.c.currency,
                func.sum(standing_amounts.c.billed_minor).label("billed"),
                func.sum(standing_amounts.c.paid_minor).label("paid"),
            )
            .where(standing_amounts.c.party_seq == seq, standing_amounts.c.day >= first_day)
            .group_by(standing_amounts.c.currency),
        )
        self._open_lines = FastQuery(
            database,
            select(
                fee_lines.c.currency, fee_lines.c.billed_minor, fee_lines.c.paid_minor, fee_lines.c.due_time, fee_lines.c.resolution
            ).where(fee_lines.c.party_seq == seq, fee_lines.c.is_open == true()),
        )
        self._last_default = FastQuery(
            database,
            select(func.max(fee_lines.c.default_time).label("last_default")).where(
                fee_lines.c.party_seq == seq, fee_lines.c.default_time.is_not(None)
            ),
        )

    # -- writes -------------------------------------------------------------------------------

    def apply(self, rows: list[LedgerRow], policy: Policy, now: datetime) -> list[RowOutcome]:
        for attempt in range(_RETRIES):
            try:
                with self._db.writing() as conn:
                    outcomes, written = self._apply(conn, rows, policy, now)
                self._note_written(written)
                return outcomes
            except (IntegrityError, TransactionConflictError):
                # A concurrent batch created the same shipment or line first, or collided with
                # this one (a deadlock): this one was rolled back whole; read again and retry.
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _note_written(self, party_ids) -> None:
        """After a commit: what was computed from these shippers' ledgers before it is out of date.
        Each gets a new stamp, never one a reader may have seen (a shared counter, not += 1)."""
        for party_id in party_ids:
            self._written[party_id] = next(self._stamps)

    def _apply(self, conn: Connection, rows: list[LedgerRow], policy: Policy, now: datetime):
        """(outcome of each row, ids of the shippers whose ledger it changed)."""
        rules = policy.repeat_customer
        shipper_ids = {r.shipper_id for r in rows}
        shippers = self._shippers(conn, shipper_ids)
        refused = {party_id: _refusal(party_id, shippers.get(party_id)) for party_id in shipper_ids}
        party_ids = {seq: pid for pid, (seq, _, _) in shippers.items()}
        # (carrier, shipment reference) of every row: a FeeKey's first two fields.
        carriers_refs = sorted({(r.fee.key if r.fee is not None else r.payment[0])[:2] for r in rows})
        write_time = time_texts(self._db)
        read_time = stored_times(self._db, write_time)
        stored_shipments = self._load_shipments(conn, carriers_refs, party_ids, read_time)
        stored_lines = self._load_lines(conn, carriers_refs, party_ids, read_time)

        current: dict[FeeKey, FeeLine] = {k: line for k, (_, line) in stored_lines.items()}
        new_shipments: dict[tuple[str, str], ShipmentRecord] = {}
        touched: dict[FeeKey, None] = {}  # ordered, so writes go out in row order
        outcomes: list[RowOutcome] = []
        for row in rows:
            rejection = refused[row.shipper_id]
            if rejection is None:
                try:
                    fee = row.fee
                    if fee is not None:
                        key = fee.key
                        ship_key = key[:2]
                        shipment = stored_shipments.get(ship_key) or new_shipments.get(ship_key)
                        decided = decide_fee(row, current.get(key), shipment, now)
                        if shipment is None:
                            new_shipments[ship_key] = _shipment((row.shipper_id, fee.shipment_time))
                        status = "fee"
                    else:
                        key = row.payment[0]
                        decided = decide_payment(row, current.get(key), now)
                        status = "payment"
                except RowRejected as rejected:
                    rejection = rejected
            if rejection is not None:
                outcomes.append(_outcome((row.line, "rejected", None, rejection)))
            elif decided is None:
                outcomes.append(_outcome((row.line, "unchanged", current[key], None)))
            else:
                current[key] = touched[key] = decided
                outcomes.append(_outcome((row.line, status, decided, None)))

        seq_of = {party_id: seq for party_id, (seq, _, _) in shippers.items()}
        buckets = _BucketChanges()
        self._write_shipments(conn, new_shipments, seq_of, write_time, buckets)
        self._write_lines(conn, touched, stored_lines, seq_of, rules, write_time, write_time[now], buckets)
        self._write_buckets(conn, buckets, write_time)
        return outcomes, {line.party_id for line in touched.values()}

    def _shippers(self, conn: Connection, party_ids: set[str]) -> dict[str, tuple[int, str, str]]:
        found = {}
        for chunk in _chunks(sorted(party_ids)):
            query = select(parties.c.party_id, parties.c.seq, parties.c.kind, parties.c.state).where(
                parties.c.party_id.in_(chunk)
            )
            for party_id, seq, kind, state in conn.execute(query).all():
                found[party_id] = (seq, kind, state)
        return found

    def _load_shipments(self, conn, keys, party_ids, read_time) -> dict[tuple[str, str], ShipmentRecord]:
        found = {}
        for carrier, references in self._by_carrier(keys):
            for carrier_, reference, party_seq, shipment_time in driver_rows(
                conn, self._shipments_of, {"carrier": carrier, "refs": references}
            ):
                party_id = party_ids.get(party_seq) or self._party_id(conn, party_seq)
                found[(carrier_, reference)] = _shipment((party_id, read_time[shipment_time]))
        return found

    def _load_lines(self, conn, keys, party_ids, read_time) -> dict[FeeKey, tuple[int, FeeLine]]:
        found = {}
        for carrier, references in self._by_carrier(keys):
            for raw in driver_rows(conn, self._lines_of, {"carrier": carrier, "refs": references}):
                party_seq = raw[2]
                party_id = party_ids.get(party_seq) or self._party_id(conn, party_seq)
                line = _line_from_raw(raw, party_id, read_time)
                found[line.bill.key] = (raw[0], line)
        return found

    def _by_carrier(self, keys):
        """(carrier, references parameter) per carrier: the look-ups go through the key index by
        carrier, then reference, with one parameter whatever the batch size, so the statement
        text never changes (SQLite's statement cache keeps one, PostgreSQL plans it once)."""
        grouped: dict[str, list[str]] = defaultdict(list)
        for carrier, reference in keys:
            grouped[carrier].append(reference)
        for carrier, references in grouped.items():
            yield carrier, list_parameter(self._db, references)

    @staticmethod
    def _party_id(conn: Connection, seq: int) -> str:
        return conn.scalar(select(parties.c.party_id).where(parties.c.seq == seq))

    def _write_shipments(self, conn, new_shipments, seq_of, write_time, buckets: "_BucketChanges") -> None:
        inserted = []
        for (carrier, reference), record in new_shipments.items():
            party_seq = seq_of[record.party_id]
            inserted.append((carrier, reference, party_seq, write_time[record.shipment_time]))
            buckets.add_shipment(party_seq, record.shipment_time)
        self._insert_shipments.run_tuples(conn, inserted)

    def _write_lines(self, conn, touched, stored, seq_of, rules, write_time, written_now, buckets: "_BucketChanges") -> None:
        """Inserts the new lines, updates the changed ones, and adds to `buckets` what each
        change makes to its shipment day (the whole line when new, the difference otherwise)."""
        inserts, updates = [], []
        for key, line in touched.items():
            bill = line.bill
            settled, is_open, share = line_facts(line, rules)
            party_seq = seq_of[line.party_id]
            values = (
                bill.currency,
                bill.billed_minor,
                write_time[bill.bill_time],
                write_time[bill.due_time],
                _RESOLUTION_TEXT[bill.resolution],
                share.paid_minor,
                _payments_json(line.payments),
                write_time[settled],
                is_open,
                write_time[share.default_time],
                written_now,
            )
            found = stored.get(key)
            if found is None:
                inserts.append(
                    (
                        line.line_id,
                        party_seq,
                        key.carrier,
                        key.shipment_reference,
                        _FEE_TYPE_TEXT[key.fee_type],
                        write_time[bill.shipment_time],
                        *values,
                    )
                )
                buckets.add_line(party_seq, share.day, share.counters, ((share.currency, share.billed_minor, share.paid_minor),))
            else:
                updates.append((*values, found[0]))
                buckets.add_line(party_seq, share.day, *difference(line_facts(found[1], rules).contribution, share))
        self._insert_lines.run_tuples(conn, inserts)
        self._update_lines.run_tuples(conn, updates)

    def _write_buckets(self, conn, buckets: "_BucketChanges", write_time) -> None:
        self._upsert_days.run_tuples(conn, buckets.day_rows(write_time))
        self._upsert_amounts.run_tuples(conn, buckets.amount_rows())
        self._bump_heads.run(conn, [{"party_seq": p, "version": 1} for p in sorted(buckets.parties)])

    def _days_upsert(self):
        statement = self._insert(standing_days).values({c.name: bindparam(c.name) for c in standing_days.columns})
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[standing_days.c.party_seq, standing_days.c.day],
            set_={
                "shipments": standing_days.c.shipments + excluded.shipments,
                "first_shipment_time": self._least(standing_days.c.first_shipment_time, excluded.first_shipment_time),
                "last_shipment_time": self._greatest(standing_days.c.last_shipment_time, excluded.last_shipment_time),
                **{c: standing_days.c[c] + excluded[c] for c in COUNTER_COLUMNS},
            },
        )

    def _amounts_upsert(self):
        statement = self._insert(standing_amounts).values(
            {c.name: bindparam(c.name) for c in standing_amounts.columns}
        )
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[standing_amounts.c.party_seq, standing_amounts.c.day, standing_amounts.c.currency],
            set_={
                "billed_minor": standing_amounts.c.billed_minor + excluded.billed_minor,
                "paid_minor": standing_amounts.c.paid_minor + excluded.paid_minor,
            },
        )

    def _heads_upsert(self):
        statement = self._insert(ledger_heads).values(party_seq=bindparam("party_seq"), version=bindparam("version"))
        return statement.on_conflict_do_update(
            index_elements=[ledger_heads.c.party_seq], set_={"version": ledger_heads.c.version + 1}
        )

    # -- reads --------------------------------------------------------------------------------

    def list_lines(self, party_id: str, after: int, limit: int, outstanding_only: bool):
        with self._db.snapshot() as conn:
            seq = conn.scalar(select(parties.c.seq).where(parties.c.party_id == party_id))
            if seq is None:
                return None
            query = select(fee_lines).where(fee_lines.c.party_seq == seq, fee_lines.c.seq > after)
            if outstanding_only:
                query = query.where(fee_lines.c.is_open == true())
            rows = conn.execute(query.order_by(fee_lines.c.seq).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        return [_line_from(r, party_id) for r in rows], (rows[-1].seq if more else None)

    def standing_inputs(self, party_id: str, first_day: int):
        """(ledger version, inputs) of the standing: one indexed row read when nothing changed
        since last time (the version changes with every write to the shipper's ledger), and no
        read at all on a database this process alone writes, until it writes that ledger."""
        # Taken before anything is read: an entry read before a write commits carries the stamp
        # from before it, which that write replaces.
        written = (self._epoch, self._written.get(party_id, 0))
        cached = self._standing_cache.get(party_id)
        if cached is not None and self._db.sole_writer and cached[2] == written and cached[0][1] == first_day:
            return cached[0][0], cached[1]
        head = self._db.fetch_one(self._head, {"party_id": party_id})
        if head is None:
            return None
        version = head.version or 0
        if cached is not None and cached[0] == (version, first_day):
            if cached[2] != written:
                self._standing_cache.put(party_id, (cached[0], cached[1], written))
            return version, cached[1]
        version, inputs = self._read_standing_inputs(head.seq, first_day)
        self._standing_cache.put(party_id, ((version, first_day), inputs, written))
        return version, inputs

    def _read_standing_inputs(self, seq: int, first_day: int):
        values = {"party_seq": seq, "first_day": first_day}
        with self._db.snapshot() as conn:
            heads = driver_rows(conn, self._standing_version, values)
            (days,) = fetched(conn, self._standing_days, values)
            amounts = driver_rows(conn, self._standing_amounts, values)
            open_rows = fetched(conn, self._open_lines, values)
            (last_default,) = fetched(conn, self._last_default, values)[0]
        version = heads[0][0] if heads else 0
        shipments_count, first, last, *counts = days
        totals = WindowTotals(
            shipments=int(shipments_count),
            first_shipment_time=_utc(first),
            last_shipment_time=_utc(last),
            counters=Counter({c: int(v) for c, v in zip(COUNTER_COLUMNS, counts) if v}),
            billed={cur: int(b) for cur, b, _ in amounts if b},
            paid={cur: int(p) for cur, _, p in amounts if p},
        )
        open_lines = [
            OpenLine(currency, billed, paid, due, FeeResolution(resolution)) for currency, billed, paid, due, resolution in open_rows
        ]
        return version, (totals, open_lines, _utc(last_default))

    def ledger_of(self, party_id: str) -> tuple[list[FeeLine], list[datetime]]:
        """Every fee line and shipment time of a shipper: for recomputation and its tests (the
        shipments are scanned: they have no index by shipper)."""
        with self._db.snapshot() as conn:
            seq = conn.scalar(select(parties.c.seq).where(parties.c.party_id == party_id))
            lines = [_line_from(r, party_id) for r in conn.execute(select(fee_lines).where(fee_lines.c.party_seq == seq))]
            times = list(conn.scalars(select(shipments.c.shipment_time).where(shipments.c.party_seq == seq)))
        return lines, times

    # -- policy changes -----------------------------------------------------------------------

    def ensure_policy(self, policy: Policy) -> bool:
        """Rebuilds the derived columns and buckets when they were computed under another
        policy. Returns whether it rebuilt."""
        with self._db.writing() as conn:
            if not self._db.is_sqlite:
                # Replicas starting together: one rebuilds, the others wait and then find its fingerprint.
                conn.execute(select(func.pg_advisory_xact_lock(_POLICY_LOCK_ID)))
            stored = conn.scalar(select(standing_meta.c.value).where(standing_meta.c.name == _POLICY_KEY))
            if stored == policy.fingerprint:
                return False
            log.info("policy changed (%s -> %s): rebuilding payment standings", stored, policy.fingerprint)
            self._rebuild(conn, policy)
            conn.execute(delete(standing_meta).where(standing_meta.c.name == _POLICY_KEY))
            conn.execute(insert(standing_meta).values(name=_POLICY_KEY, value=policy.fingerprint))
        self._epoch = next(self._stamps)
        return True

    def _rebuild(self, conn: Connection, policy: Policy) -> None:
        rules = policy.repeat_customer
        conn.execute(delete(standing_days))
        conn.execute(delete(standing_amounts))
        buckets = _BucketChanges()
        for row in conn.execute(select(shipments.c.party_seq, shipments.c.shipment_time)):
            buckets.add_shipment(row.party_seq, row.shipment_time)
        updates = []
        for row in conn.execute(select(fee_lines)).all():
            line = _line_from(row, "")
            facts = line_facts(line, rules)
            share = facts.contribution
            buckets.add_line(row.party_seq, share.day, share.counters, ((share.currency, share.billed_minor, share.paid_minor),))
            updates.append(
                {
                    "target_seq": row.seq,
                    "settle_time": facts.settle_time,
                    "is_open": facts.is_open,
                    "default_time": share.default_time,
                }
            )
        for chunk in _chunks(updates, 5000):
            conn.execute(
                update(fee_lines)
                .where(fee_lines.c.seq == bindparam("target_seq"))
                .values({c: bindparam(c) for c in ("settle_time", "is_open", "default_time")}),
                chunk,
            )
        self._upsert_days.run_tuples(conn, buckets.day_rows(time_texts(self._db)))
        self._upsert_amounts.run_tuples(conn, buckets.amount_rows())
        # Every cached standing was computed under the old rules.
        conn.execute(update(ledger_heads).values(version=ledger_heads.c.version + 1))


def _utc(value):
    from datetime import timezone

    if value is None:
        return None
    if isinstance(value, str):  # SQLite aggregates return the stored text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
