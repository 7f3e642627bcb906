"""The payment import's server-side work alone, in one process: no gRPC, no client.

A scratch SQLite (or PostgreSQL) database, the benchmark's shippers, the generated fee file read
with the CLI's CSV reader into ImportPaymentsRow messages, then timed: the servicer's translation
of each batch and PaymentLedger.import_batch, in batches as the CLI sends them. Prints rows per
second of wall time and CPU microseconds per row. With no network and no client on the other
core, it is the figure to compare two versions of the import code with (run them back to back).

    PYTHONPATH=client:service .venv/bin/python bench/import_in_process.py --rows 200000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

import servers
from bench_payments import create_shippers, postgres_database, sqlite_database
from generate_fee_file import generate

from knownparty_client._generated import payment_pb2 as pb
from knownparty_client._requests import filled_messages
from knownparty_client.payments_csv import read_rows
from knownparty_service.api.payment_messages import TimeCache, import_row
from knownparty_service.app.collector import pace_garbage_collector
from knownparty_service.domain.payment_ledger import ImportSummary, PaymentLedger
from knownparty_service.domain.policy import load_policy
from knownparty_service.settings import DEFAULT_POLICY_FILE
from knownparty_service.storage.database import Database
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.payment_repository import SqlPaymentRepository

CARRIER = "BENCH"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--shippers", type=int, default=2_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="cProfile the import (slower: read shares)")
    args = parser.parse_args(argv)

    scratch_database = sqlite_database() if args.backend == "sqlite" else postgres_database()
    with tempfile.TemporaryDirectory() as scratch, scratch_database as url:
        fee_file = Path(scratch) / "fees.csv"
        generate(fee_file, rows=args.rows, shippers=args.shippers, carrier=CARRIER, seed=1)
        # The shippers through a server (as the other benchmarks), which also migrates.
        with servers.start_server("knownparty", "process", database_url=url, max_workers=8) as server:
            create_shippers(server.target, args.shippers)
        database = Database(url)
        upgrade(url, engine=database.engine)
        policy = load_policy(DEFAULT_POLICY_FILE)
        repository = SqlPaymentRepository(database)
        repository.ensure_policy(policy)
        ledger = PaymentLedger(repository, policy)
        pace_garbage_collector()  # as create_server does
        with fee_file.open(newline="") as handle:
            batches = list(filled_messages(read_rows(handle, CARRIER, []), args.batch_size, pb.ImportPaymentsBatch, "rows"))
        summary = ImportSummary()
        profiler = cProfile.Profile() if args.profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for batch in batches:
            times = TimeCache()
            ledger.import_batch(CARRIER, [import_row(CARRIER, r, times) for r in batch.rows], summary)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows = summary.rows_received
        print(
            f"{args.backend}: {rows:,} rows in {wall:.1f} s = {rows / wall:,.0f} rows/s; {cpu / rows * 1e6:.1f} us CPU a row; "
            f"fees {summary.fees_recorded:,}, payments {summary.payments_recorded:,}, rejected {summary.rows_rejected:,}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        database.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
