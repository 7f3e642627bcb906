"""SIGKILL of `knownparty serve` in the middle of a watchlist import and of a payment import: after
a restart on the same database the active list is the old version or the new one, never a mix,
and the payment ledger's derived tables equal a recomputation from its fee lines."""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from faults_support import ROOT, Call, HeldStream, wait_for
from knownparty_client import KnownPartyClient, errors, types
from knownparty_client.payments_csv import read_rows
from knownparty_service.domain.policy import load_policy
from knownparty_service.settings import DEFAULT_POLICY_FILE
from knownparty_service.storage.database import Database
from knownparty_service.storage.payment_repository import SqlPaymentRepository
from knownparty_service.storage.payment_tables import fee_lines, ledger_heads, standing_amounts, standing_days
from knownparty_service.storage.watchlist_tables import watchlist_entries, watchlist_versions, watchlists

OLD_ENTRIES = 200
NEW_ENTRIES = 40_000  # enough for the server to spend a second or more storing it
FEE_ROWS = 12_000
SHIPPERS = 8
CARRIER = "UPS"


def write_list(path: Path, count: int, tag: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "type", "countries"])
        for i in range(count):
            writer.writerow([f"{tag}-{i:06d}", f"{tag} Fault Trading Company {i:06d} Limited", "entity", "IR"])


def import_list(client: KnownPartyClient, path: Path) -> types.ImportWatchlistResponse:
    return client.import_watchlist(
        "faults", types.LIST_FORMAT_GENERIC_CSV, [("entries", path.name, path.read_bytes())], timeout=300
    )


def writer_transaction_open(database_url: str) -> bool:
    """Whether the server holds an open write transaction storing watchlist entries."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        # A writer holds SQLite's write lock: BEGIN IMMEDIATE fails at once.
        connection = sqlite3.connect(url.database, timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            connection.close()
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                        " AND query ILIKE 'INSERT INTO watchlist_entries%'"
                    )
                )
            )
    finally:
        engine.dispose()


def assert_versions_complete(database_url: str) -> None:
    """Every stored version holds exactly its entries; the active pointer names a stored version."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = dict(
                conn.execute(
                    select(watchlist_versions.c.seq, watchlist_versions.c.entry_count)
                ).all()
            )
            counted = dict(
                conn.execute(
                    select(watchlist_entries.c.version_seq, func.count()).group_by(watchlist_entries.c.version_seq)
                ).all()
            )
            active = list(conn.scalars(select(watchlists.c.active_version_seq)))
    finally:
        engine.dispose()
    assert counted == stored, "entries without their version, or a version without all its entries"
    assert set(active) <= set(stored)


@pytest.mark.parametrize("kill_while", ["uploading", "storing"])
def test_sigkill_during_a_list_import_leaves_the_old_version_whole(
    database_url, serve_process, local_key, tmp_path, kill_while
):
    old_file, new_file = tmp_path / "old.csv", tmp_path / "new.csv"
    write_list(old_file, OLD_ENTRIES, "OLDLIST")
    write_list(new_file, NEW_ENTRIES, "NEWLIST")
    token = local_key(database_url)
    server = serve_process(database_url)
    with KnownPartyClient(server.target, timeout=60, api_key=token) as client:
        assert import_list(client, old_file).version.name == "watchlists/faults/versions/1"
        data = new_file.read_bytes()
        chunk = 256 * 1024
        files = [("entries", new_file.name, data)]
        stream = HeldStream(
            _import_messages(files, chunk),
            # Uploading: held half-way through the chunks. Storing: every chunk is sent at once.
            release_after=(len(data) // chunk) // 2 if kill_while == "uploading" else 10**9,
        )
        call = Call(lambda: client._call(client._watchlists.ImportWatchlist, iter(stream), 300, ()))
        call.start()
        try:
            if kill_while == "uploading":
                wait_for(stream.holding.is_set, 60, "half of the new list sent")
            else:
                wait_for(stream.sent_all.is_set, 60, "the new list sent")
                wait_for(lambda: writer_transaction_open(database_url), 120, "the server storing the new version", 0.01)
                # Meanwhile readers see the old version only.
                assert client.get_watchlist_version("faults").name == "watchlists/faults/versions/1"
            server.kill()
        finally:
            stream.release.set()
        call.join(60)
        assert isinstance(call.error, errors.Unavailable), call.error or call.result

    assert_versions_complete(database_url)
    restarted = serve_process(database_url)
    with KnownPartyClient(restarted.target, timeout=60, api_key=token) as client:
        (summary,) = client.list_watchlists()
        assert (summary.active_version, summary.entry_count) == ("watchlists/faults/versions/1", OLD_ENTRIES)
        assert [v.name for v in client.list_watchlist_versions("faults")] == ["watchlists/faults/versions/1"]
        assert len(list(client.list_watchlist_entries("faults/1", page_size=1000))) == OLD_ENTRIES
        assert _top_match(client, "OLDLIST Fault Trading Company 000007 Limited") == "OLDLIST-000007"

        # The import sent again completes, and the new version is whole.
        response = import_list(client, new_file)
        version = response.version
        assert (response.created, version.name, version.entry_count) == (True, "watchlists/faults/versions/2", NEW_ENTRIES)
        assert _top_match(client, "NEWLIST Fault Trading Company 012345 Limited") == "NEWLIST-012345"
    assert_versions_complete(database_url)


def _import_messages(files, chunk_size: int):
    # The client's own request stream, for a call whose stream the test controls.
    from knownparty_client import _requests

    return _requests.import_watchlist_stream("faults", types.LIST_FORMAT_GENERIC_CSV, "", files, chunk_size)


def _top_match(client: KnownPartyClient, name: str) -> str:
    response = client.screen_name(name, limit=1)
    assert response.matches, f"no match for {name!r}"
    return response.matches[0].entry.source_id


# -- payments --------------------------------------------------------------------------------------


def _fee_file_generator():
    spec = importlib.util.spec_from_file_location("generate_fee_file", ROOT / "bench" / "generate_fee_file.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _ledger_tables(conn) -> dict[str, list]:
    return {
        "standing_days": sorted(tuple(r) for r in conn.execute(select(standing_days)).all()),
        "standing_amounts": sorted(tuple(r) for r in conn.execute(select(standing_amounts)).all()),
        "fee_lines": sorted(
            tuple(r)
            for r in conn.execute(
                select(fee_lines.c.seq, fee_lines.c.settle_time, fee_lines.c.is_open, fee_lines.c.default_time)
            ).all()
        ),
    }


def assert_ledger_equals_recomputation(database_url: str) -> int:
    """Compares the stored standing tables with the ones the policy rebuild computes from the fee
    lines (inside a transaction rolled back afterwards); returns the number of fee lines."""
    database = Database(database_url)
    repository = SqlPaymentRepository(database)
    policy = load_policy(DEFAULT_POLICY_FILE)  # the one `knownparty serve` runs with here
    try:
        with database.engine.connect() as conn:
            conn = conn.execution_options(knownparty_writes=True)
            transaction = conn.begin()
            try:
                stored = _ledger_tables(conn)
                parties_with_lines = set(conn.scalars(select(fee_lines.c.party_seq).distinct()))
                parties_with_heads = set(conn.scalars(select(ledger_heads.c.party_seq)))
                repository._rebuild(conn, policy)
                recomputed = _ledger_tables(conn)
            finally:
                transaction.rollback()
    finally:
        database.dispose()
    for table in stored:
        assert stored[table] == recomputed[table], f"{table} differs from its recomputation"
    assert parties_with_lines <= parties_with_heads, "a shipper's ledger version was not bumped"
    return len(stored["fee_lines"])


def _stored_payments(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return sum(len(json.loads(p)) for p in conn.scalars(select(fee_lines.c.payments)))
    finally:
        engine.dispose()


def test_sigkill_during_a_payment_import_keeps_the_ledger_equal_to_a_recomputation(
    database_url, serve_process, local_key, tmp_path
):
    generator = _fee_file_generator()
    fee_file = tmp_path / "fees.csv"
    stats = generator.generate(fee_file, FEE_ROWS, shippers=SHIPPERS, seed=11, carrier=CARRIER)
    token = local_key(database_url)
    server = serve_process(database_url)
    with KnownPartyClient(server.target, timeout=60, api_key=token) as client:
        for party_id in generator.shipper_ids(SHIPPERS):
            client.create_party(
                types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name=f"Shipper {party_id}", addresses=[types.Address(country="US")]),
                party_id=party_id,
            )
        with fee_file.open(newline="") as handle:
            local_errors: list = []
            stream = HeldStream(read_rows(handle, CARRIER, local_errors), release_after=FEE_ROWS * 3 // 4)
            call = Call(lambda: client.import_payments(CARRIER, stream, batch_size=250, timeout=300))
            call.start()
            try:
                # Killed right after the first batches are committed, while later ones are applied.
                wait_for(lambda: _count_fee_lines(database_url) > 0, 120, "the first batches committed", 0.01)
                server.kill()
            finally:
                stream.release.set()
            call.join(60)
        assert not local_errors
        assert isinstance(call.error, errors.Unavailable), call.error or call.result

    lines_after_crash = assert_ledger_equals_recomputation(database_url)
    assert 0 < lines_after_crash < stats.fee_rows

    restarted = serve_process(database_url)
    with KnownPartyClient(restarted.target, timeout=60, api_key=token) as client, fee_file.open(newline="") as handle:
        report = client.import_payments(CARRIER, read_rows(handle, CARRIER, []), batch_size=1000, timeout=300)
    assert report.rows_rejected == 0, list(report.errors)[:5]
    assert report.rows_received == FEE_ROWS
    assert report.fees_recorded + report.payments_recorded + report.rows_unchanged == FEE_ROWS
    assert report.rows_unchanged > 0  # the rows committed before the crash
    assert assert_ledger_equals_recomputation(database_url) == stats.fee_rows
    assert _stored_payments(database_url) == stats.payment_rows


def _count_fee_lines(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(fee_lines))
    except Exception:  # noqa: BLE001 - the tables may not exist yet
        return 0
    finally:
        engine.dispose()
