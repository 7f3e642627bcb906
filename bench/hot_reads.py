"""The hot single-row read on PostgreSQL, three ways, in one process: how a repeated vetting's
one read (DecisionRepository.vet_state) is best made.

Seeds a scratch PostgreSQL database with `--parties` sellers (through a server, as the vetting
benchmarks do), then reads random sellers' vetting states from `--threads` threads at once (as
the server's RPC threads do) for `--duration` seconds per way, the ways in turn, `--rounds` times:

- cursor, custom plans: a psycopg cursor per read on a connection that plans every run (the hot
  reads before 2026-12-05);
- cursor, generic plans: the same with PostgreSQL keeping a prepared statement's generic plan;
- libpq: Database.fetch_one as it is now (storage/pg_prepared.py: libpq's own prepare and execute
  calls, psycopg's adaptation).

Prints reads a second, the CPU of this process and of PostgreSQL's processes a read, and each
way's ratio to the first. Absolute figures move with the machine; the ratios are the result.

    PYTHONPATH=client:service .venv/bin/python bench/hot_reads.py [--parties 2000] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time

import servers
from bench_parties import backend_database
from bench_vetting import create_parties, party_names
from vet_parties_cpu import postgres_cpu_seconds

from knownparty_service.domain.vetting.model import Purpose
from knownparty_service.storage.database import Database
from knownparty_service.storage.decision_repository import SqlDecisionRepository


def cursor_reader(url: str, query, custom_plans: bool):
    """A read through a psycopg cursor on a connection of this thread's own."""
    import psycopg

    connection = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    if custom_plans:
        connection.execute("SET plan_cache_mode = force_custom_plan")

    def read(values):
        cursor = connection.cursor()
        try:
            cursor.execute(query.sql, query.parameters(values))
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else query.make_row(row)

    return read, connection.close


def run_way(way: str, url: str, database: Database, query, keys: list[dict], threads: int, duration: float) -> dict:
    counts = [0] * threads
    readers = []
    for _ in range(threads):
        if way == "libpq":
            readers.append((lambda values: database.fetch_one(query, values), lambda: None))
        else:
            readers.append(cursor_reader(url, query, custom_plans=way == "cursor, custom plans"))
    for read, _ in readers:  # connected, prepared and planned before the clock starts
        for values in keys[:10]:
            assert read(values) is not None
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def work(index: int) -> None:
        read = readers[index][0]
        pick = random.Random(index).choice
        start.wait()
        n = 0
        while not stop.is_set():
            read(pick(keys))
            n += 1
        counts[index] = n

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    cpu, postgres, began = time.process_time(), postgres_cpu_seconds(), time.monotonic()
    time.sleep(duration)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - began
    cpu, postgres = time.process_time() - cpu, postgres_cpu_seconds() - postgres
    for _, close in readers:
        close()
    reads = sum(counts)
    return {"reads_per_s": reads / elapsed, "cpu_us": cpu / reads * 1e6, "postgres_us": postgres / reads * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parties", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per way and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    ways = ("cursor, custom plans", "cursor, generic plans", "libpq")

    with backend_database("postgresql") as url:
        if url is None:
            print("PostgreSQL is not reachable: nothing measured", file=sys.stderr)
            return 1
        sellers = party_names(args.parties, seed=1)
        with servers.start_server("knownparty", "process", database_url=url, max_workers=8) as server:
            create_parties(server.target, sellers, [])
        database = Database(url)
        try:
            query = SqlDecisionRepository(database)._vet_state
            purpose = Purpose.KNOWN_MARKETPLACE_SELLER.value
            keys = [{"party_id": f"bench-seller-{n:06d}", "purpose": purpose} for n in range(args.parties)]
            results: dict[str, list[dict]] = {way: [] for way in ways}
            for _ in range(args.rounds):
                for way in ways:
                    results[way].append(run_way(way, url, database, query, keys, args.threads, args.duration))
        finally:
            database.dispose()

    print(f"\n== one-row vetting-state read, {args.threads} threads, {args.parties:,} sellers, pid {os.getpid()} ==")
    print(f"{'way':<24} {'reads/s':>9} {'this process us/read':>21} {'PostgreSQL us/read':>19} {'x first':>8}")
    base = None
    for way in ways:
        runs = results[way]
        mean = {k: sum(r[k] for r in runs) / len(runs) for k in runs[0]}
        base = base or mean["reads_per_s"]
        print(f"{way:<24} {mean['reads_per_s']:>9,.0f} {mean['cpu_us']:>21,.0f} {mean['postgres_us']:>19,.0f} {mean['reads_per_s'] / base:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
