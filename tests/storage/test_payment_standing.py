"""The incrementally kept standing equals a recomputation from the ledger, on both databases,
including with concurrent writers and after a policy change."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from knownparty_service.domain.parties import Address, PartyFields, PartyKind
from knownparty_service.domain.party_registry import PartyRegistry
from knownparty_service.domain.payment_ledger import ImportSummary, PaymentLedger
from knownparty_service.domain.payment_rules import FeeDraft, PaymentDraft
from knownparty_service.domain.payments import FeeResolution, FeeType, recompute_window, standing
from knownparty_service.domain.policy import load_policy
from knownparty_service.settings import DEFAULT_POLICY_FILE
from knownparty_service.storage.database import BulkStatement, Database
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.field_cipher import DataKeys, FieldCipher
from knownparty_service.storage.party_repository import SqlPartyRepository
from knownparty_service.storage.payment_repository import SqlPaymentRepository
from knownparty_service.storage.payment_tables import ledger_heads, standing_days
from knownparty_service.storage.tables import parties

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
POLICY = load_policy(DEFAULT_POLICY_FILE)


@pytest.fixture
def ledger_setup(database_url):
    upgrade(database_url)
    database = Database(database_url)
    repository = SqlPaymentRepository(database)
    repository.ensure_policy(POLICY)
    registry = PartyRegistry(SqlPartyRepository(database, FieldCipher(DataKeys.generate())), clock=lambda: NOW)
    shippers = []
    for i in range(3):
        registry.create(
            PartyFields(kind=PartyKind.SHIPPER, legal_name=f"Shipper {i}", addresses=(Address(country="US"),)),
            party_id=f"shipper-{i}",
        )
        shippers.append(f"shipper-{i}")
    yield database, repository, PaymentLedger(repository, POLICY, clock=lambda: NOW), shippers
    database.dispose()


def fee(shipment: str, fee_type: FeeType, shipped: datetime, amount: int, currency: str = "USD", **extra) -> FeeDraft:
    return FeeDraft(
        carrier="UPS",
        shipment_reference=shipment,
        fee_type=fee_type,
        shipment_time=shipped,
        currency=currency,
        billed_minor=amount,
        bill_time=shipped + timedelta(hours=1),
        due_time=shipped + timedelta(days=15),
        resolution=extra.get("resolution"),
    )


def payment(shipment: str, fee_type: FeeType, reference: str, amount: int, paid: datetime, currency="USD") -> PaymentDraft:
    return PaymentDraft("UPS", shipment, fee_type, reference, currency, amount, paid)


def random_operations(rng: random.Random, shippers: list[str], count: int, prefix: str = "S"):
    """A plausible stream of fee lines, payments, corrections and resolutions."""
    known: list[tuple[str, str, FeeType, datetime, int, str]] = []
    for n in range(count):
        roll = rng.random()
        if roll < 0.45 or not known:
            shipper = rng.choice(shippers)
            shipment = f"{prefix}{n}"
            shipped = NOW - timedelta(days=rng.randint(0, 500), minutes=rng.randint(0, 1440))
            currency = rng.choice(["USD", "USD", "EUR", "JPY"])
            for fee_type in rng.sample(list(FeeType), rng.randint(1, 3)):
                amount = rng.randint(1, 50_000)
                known.append((shipper, shipment, fee_type, shipped, amount, currency))
                yield shipper, fee(shipment, fee_type, shipped, amount, currency)
        elif roll < 0.85:
            shipper, shipment, fee_type, shipped, amount, currency = rng.choice(known)
            paid = min(NOW, shipped + timedelta(hours=2, days=rng.choice([1, 10, 20, 40, 90])))
            part = rng.choice([amount, amount, amount // 2 or 1, amount - amount // 300])
            yield shipper, payment(shipment, fee_type, f"P{n}", part, paid, currency)
        else:
            shipper, shipment, fee_type, shipped, amount, currency = rng.choice(known)
            resolution = rng.choice(list(FeeResolution))
            yield shipper, fee(shipment, fee_type, shipped, amount, currency, resolution=resolution)


def import_all(ledger: PaymentLedger, operations) -> ImportSummary:
    summary = ImportSummary()
    rows = [(i + 1, shipper, draft, []) for i, (shipper, draft) in enumerate(operations)]
    for start in range(0, len(rows), 50):
        ledger.import_batch("UPS", rows[start : start + 50], summary)
    return summary


def assert_incremental_equals_recomputed(repository: SqlPaymentRepository, ledger: PaymentLedger, shippers, when=NOW):
    rules = POLICY.repeat_customer
    for shipper in shippers:
        kept = ledger.standing(f"parties/{shipper}", now=when)
        lines, shipment_times = repository.ledger_of(shipper)
        window, open_lines, last_default = recompute_window(lines, shipment_times, when, rules)
        recomputed = standing(shipper, window, open_lines, last_default, when, POLICY.version, rules)
        assert kept == recomputed, shipper


def test_incremental_standing_equals_recomputation(ledger_setup):
    database, repository, ledger, shippers = ledger_setup
    summary = import_all(ledger, random_operations(random.Random(7), shippers, 400))
    assert summary.fees_recorded > 100 and summary.payments_recorded > 50
    assert_incremental_equals_recomputed(repository, ledger, shippers)
    # The window slides: the same buckets answer correctly months later, too.
    assert_incremental_equals_recomputed(repository, ledger, shippers, when=NOW + timedelta(days=90))


def test_resending_the_same_rows_changes_nothing(ledger_setup):
    database, repository, ledger, shippers = ledger_setup
    # A daily file states each fee line once (later corrections come in later files).
    operations, seen = [], set()
    for shipper, draft in random_operations(random.Random(11), shippers, 150):
        if isinstance(draft, FeeDraft):
            key = (draft.shipment_reference, draft.fee_type)
            if key in seen:
                continue
            seen.add(key)
        operations.append((shipper, draft))
    first = import_all(ledger, operations)
    before = [ledger.standing(f"parties/{s}") for s in shippers]
    again = import_all(ledger, operations)
    assert again.fees_recorded == 0 and again.payments_recorded == 0
    assert again.rows_unchanged == first.fees_recorded + first.payments_recorded + first.rows_unchanged
    assert [ledger.standing(f"parties/{s}") for s in shippers] == before


def test_concurrent_writers_keep_standing_exact(ledger_setup):
    database, repository, ledger, shippers = ledger_setup
    streams = [list(random_operations(random.Random(seed), shippers, 120, prefix=f"T{seed}-")) for seed in range(4)]
    errors: list[BaseException] = []

    def run(operations):
        try:
            import_all(ledger, operations)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ops,)) for ops in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert_incremental_equals_recomputed(repository, ledger, shippers)
    total_lines = sum(len(repository.ledger_of(s)[0]) for s in shippers)
    assert total_lines == sum(1 for ops in streams for _, d in ops if isinstance(d, FeeDraft) and d.resolution is None)


def test_policy_change_rebuilds_the_buckets(ledger_setup):
    database, repository, ledger, shippers = ledger_setup
    import_all(ledger, random_operations(random.Random(3), shippers, 200))
    stricter = dataclasses.replace(
        POLICY,
        version="stricter",
        fingerprint="stricter",
        repeat_customer=dataclasses.replace(POLICY.repeat_customer, grace_period_days=0, payment_tolerance_bps=0),
    )
    assert repository.ensure_policy(stricter) is True
    assert repository.ensure_policy(stricter) is False
    strict_ledger = PaymentLedger(repository, stricter, clock=lambda: NOW)
    rules = stricter.repeat_customer
    for shipper in shippers:
        lines, times = repository.ledger_of(shipper)
        window, open_lines, last_default = recompute_window(lines, times, NOW, rules)
        assert strict_ledger.standing(f"parties/{shipper}") == standing(
            shipper, window, open_lines, last_default, NOW, "stricter", rules
        )


def test_standing_reasons_follow_the_policy(ledger_setup):
    database, repository, ledger, shippers = ledger_setup
    shipper = f"parties/{shippers[0]}"
    fresh = ledger.standing(shipper)
    assert not fresh.repeat_customer
    assert {r.code for r in fresh.reasons} == {"TOO_FEW_SHIPMENTS", "SPAN_TOO_SHORT"}

    for i, days_ago in enumerate([200, 120, 60, 20]):
        shipped = NOW - timedelta(days=days_ago)
        ledger.record_fee(shipper, fee(f"R{i}", FeeType.DUTY, shipped, 10_000))
        ledger.record_payment(shipper, payment(f"R{i}", FeeType.DUTY, f"PR{i}", 10_000, shipped + timedelta(days=3)))
    good = ledger.standing(shipper)
    assert good.repeat_customer and [r.code for r in good.reasons] == ["REPEAT_CUSTOMER"]
    assert good.shipments == 4 and good.billed == {"USD": 40_000} and good.paid == {"USD": 40_000}
    assert good.on_time_ratio == 1.0 and good.outstanding == {}

    # A bill 30 days overdue (15 due + 7 grace < 40) spoils it.
    shipped = NOW - timedelta(days=40)
    ledger.record_fee(shipper, fee("LATE", FeeType.TAX, shipped, 5_000, "EUR"))
    bad = ledger.standing(shipper)
    assert not bad.repeat_customer
    assert {"OVERDUE_BALANCE", "LATE_PAYMENTS"} <= {r.code for r in bad.reasons}
    assert bad.overdue == {"EUR": 5_000} and bad.outstanding == {"EUR": 5_000} and bad.overdue_lines == 1
    assert bad.last_default_time == shipped + timedelta(days=15 + 7)

    # Paying within the tolerance (0.5 %) settles it, late.
    ledger.record_payment(shipper, payment("LATE", FeeType.TAX, "PL", 4_990, NOW - timedelta(days=1), "EUR"))
    settled = ledger.standing(shipper)
    assert settled.overdue == {} and settled.settled_late == 1 and settled.settled_on_time == 4
    assert settled.on_time_ratio == pytest.approx(0.8)


def test_a_kept_standing_turns_overdue_when_a_deadline_passes(ledger_setup):
    database, repository, ledger, shippers = ledger_setup
    shipper = f"parties/{shippers[1]}"
    shipped = NOW - timedelta(days=10)
    ledger.record_fee(shipper, fee("DUE", FeeType.DUTY, shipped, 7_000))
    deadline = shipped + timedelta(days=15 + POLICY.repeat_customer.grace_period_days)
    before = ledger.standing(shipper, now=deadline - timedelta(minutes=1))
    again = ledger.standing(shipper, now=deadline)  # served from the kept standing
    assert before.overdue == {} and again.overdue == {} and again.as_of == deadline
    after = ledger.standing(shipper, now=deadline + timedelta(seconds=1))
    assert after.overdue == {"USD": 7_000} and after.overdue_lines == 1
    assert "OVERDUE_BALANCE" in {r.code for r in after.reasons}
    # A payment changes the ledger version, so the kept standing is not used either.
    ledger.record_payment(shipper, payment("DUE", FeeType.DUTY, "P-DUE", 7_000, NOW - timedelta(days=1)))
    assert ledger.standing(shipper, now=deadline + timedelta(seconds=2)).overdue == {}


def test_a_sole_writer_reads_a_standing_without_a_query_until_it_writes_that_ledger(ledger_setup, monkeypatch):
    database, repository, ledger, shippers = ledger_setup
    database.sole_writer = True
    first, second = shippers[0], shippers[1]
    ledger.record_fee(f"parties/{first}", fee("SOLE-1", FeeType.DUTY, NOW - timedelta(days=40), 1000))
    ledger.record_fee(f"parties/{second}", fee("SOLE-2", FeeType.DUTY, NOW - timedelta(days=40), 500))
    assert ledger.standing(f"parties/{first}").billed == {"USD": 1000}
    assert ledger.standing(f"parties/{second}").billed == {"USD": 500}

    queries = []
    fetch_one = database.fetch_one
    monkeypatch.setattr(database, "fetch_one", lambda *args: queries.append(args) or fetch_one(*args))
    assert ledger.standing(f"parties/{first}").billed == {"USD": 1000}
    assert queries == []  # nothing written since: no query

    ledger.record_fee(f"parties/{first}", fee("SOLE-3", FeeType.TAX, NOW - timedelta(days=39), 250))
    assert ledger.standing(f"parties/{first}").billed == {"USD": 1250}
    assert len(queries) == 1  # its ledger changed: read again
    assert ledger.standing(f"parties/{second}").billed == {"USD": 500}
    assert len(queries) == 1  # the other shipper's standing still holds

    # Not the only writer (PostgreSQL replicas, workers): every read asks the database.
    database.sole_writer = False
    assert ledger.standing(f"parties/{second}").billed == {"USD": 500}
    assert len(queries) == 2


def test_a_standing_read_while_a_write_commits_is_not_kept_past_it(ledger_setup):
    """A reader that began before a write committed puts what it read in the cache after the
    write: it carries the stamp from before the write, so the sole writer does not trust it."""
    database, repository, ledger, shippers = ledger_setup
    database.sole_writer = True
    shipper = shippers[0]
    ledger.record_fee(f"parties/{shipper}", fee("RACE-1", FeeType.DUTY, NOW - timedelta(days=40), 1000))
    assert ledger.standing(f"parties/{shipper}").billed == {"USD": 1000}
    read_before_the_write = repository._standing_cache[shipper]
    ledger.record_fee(f"parties/{shipper}", fee("RACE-2", FeeType.DUTY, NOW - timedelta(days=39), 1000))
    repository._standing_cache.put(shipper, read_before_the_write)  # the slow reader stores it now
    assert ledger.standing(f"parties/{shipper}").billed == {"USD": 2000}


def test_driver_level_writes_raise_sqlalchemy_errors_and_roll_back(ledger_setup):
    """The bulk paths run statements on the driver's own cursor; their errors must still be
    SQLAlchemy's (what the retry and the callers catch), and leave nothing written."""
    database, repository, ledger, shippers = ledger_setup
    with database.reading() as conn:
        seq = conn.execute(select(parties.c.seq).where(parties.c.party_id == shippers[0])).scalar_one()
    heads = BulkStatement(database, insert(ledger_heads).values(party_seq=bindparam("party_seq"), version=bindparam("version")), {})
    with pytest.raises(IntegrityError):
        with database.writing() as conn:
            heads.run(conn, [{"party_seq": seq, "version": 1}, {"party_seq": seq, "version": 2}])
    with database.reading() as conn:
        assert conn.execute(select(func.count()).select_from(ledger_heads)).scalar_one() == 0


def test_a_deadlocked_batch_is_retried(ledger_setup, database_url):
    """PostgreSQL aborts one side of a deadlock; a batch it aborts is applied again, whole."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no deadlocks")
    database, repository, ledger, shippers = ledger_setup
    shipped = NOW - timedelta(days=3)
    import_all(ledger, [(s, fee(f"first-{s}", FeeType.DUTY, shipped, 100)) for s in shippers[:2]])
    with database.reading() as conn:
        seqs = dict(conn.execute(select(parties.c.party_id, parties.c.seq).where(parties.c.party_id.in_(shippers[:2]))).all())
    outcome: list = []
    try:
        _deadlock_against_a_batch(database, ledger, shippers, seqs, shipped, outcome)
    except _ThisSideAborted:
        pass  # PostgreSQL chose to abort the test's side; the batch goes on
    assert len(outcome) == 1 and isinstance(outcome[0], ImportSummary), outcome
    assert outcome[0].fees_recorded == 2
    assert_incremental_equals_recomputed(repository, ledger, shippers)


def _someone_waits_for_a_lock(database) -> bool:
    # From a connection of its own: inside a transaction, pg_stat_activity is read once.
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
    with database.reading() as conn:
        return conn.execute(waiting).scalar_one() > 0


class _ThisSideAborted(Exception):
    pass


def _deadlock_against_a_batch(database, ledger, shippers, seqs, shipped, outcome) -> None:
    first, second = sorted(seqs.values())
    with database.writing() as blocker:
        # Hold the later bucket: the batch (which locks buckets in key order) takes the earlier
        # one and waits for this one; asking for the earlier one then closes the cycle.
        lock_days = select(standing_days.c.day).where(standing_days.c.party_seq == bindparam("seq")).with_for_update()
        blocker.execute(lock_days, {"seq": second})
        batch = [(s, fee(f"second-{s}", FeeType.DUTY, shipped, 50)) for s in shippers[:2]]

        def run():
            try:
                outcome.append(import_all(ledger, batch))
            except BaseException as exc:  # noqa: BLE001 - reported by the caller's assertion
                outcome.append(exc)

        worker = threading.Thread(target=run)
        worker.start()
        deadline = time.monotonic() + 30
        while not _someone_waits_for_a_lock(database):
            assert time.monotonic() < deadline, "the batch never waited for the held bucket"
            time.sleep(0.05)
        try:
            blocker.execute(lock_days, {"seq": first})
        except OperationalError as exc:
            worker.join(timeout=60)
            raise _ThisSideAborted from exc
    worker.join(timeout=60)
