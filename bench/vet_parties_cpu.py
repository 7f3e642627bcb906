"""VetParties alone through gRPC, with the CPU each process spent: server, helper, client (and
PostgreSQL's own processes on that backend).

Seeds a scratch database as bench_vetting.py does (the real OFAC SDN and UN lists, `--parties`
sellers and a tenth as many shippers), then vets every party in one stream and reads each
process's CPU time from /proc (Linux). With --warm the helper process is started (one party
vetted) and left to build its index first, so that only the steady state is timed. The per-process
split shows which process bounds the rate and how busy each core was.

    PYTHONPATH=client:service .venv/bin/python bench/vet_parties_cpu.py --parties 20000 [--backend postgresql] [--warm]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import servers
from bench_parties import backend_database
from bench_vetting import create_parties, import_lists, party_names, vet_all

from knownparty_client import KnownPartyClient

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    name, rest = text.split(" (", 1)[1].rsplit(") ", 1)
    return [name, *rest.split()]


def cpu_seconds(pid: int) -> float:
    fields = _stat(str(pid))
    return 0.0 if fields is None else (int(fields[12]) + int(fields[13])) / _TICKS


def children_of(pid: int) -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and (f := _stat(p)) is not None and int(f[2]) == pid]


def postgres_cpu_seconds() -> float:
    total = 0.0
    for p in os.listdir("/proc"):
        if p.isdigit() and (f := _stat(p)) is not None and f[0] == "postgres":
            total += (int(f[12]) + int(f[13])) / _TICKS
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--parties", type=int, default=20_000, help="sellers (shippers: a tenth as many)")
    parser.add_argument("--warm", action="store_true", help="start the helper first and time only the steady state")
    args = parser.parse_args(argv)

    with backend_database(args.backend) as url:
        if url is None:
            print(f"{args.backend}: not reachable", file=sys.stderr)
            return 1
        with servers.start_server("knownparty", "process", database_url=url, max_workers=8) as server:
            with KnownPartyClient(server.target, timeout=600) as client:
                import_lists(client)
            sellers, shippers = party_names(args.parties, seed=1), party_names(max(1, args.parties // 10), seed=2)
            create_parties(server.target, sellers, shippers)
            if args.warm:
                vet_all(server.target, 1, 0)
                time.sleep(15)  # the helper builds its index of the lists
            processes = [server.pid, *children_of(server.pid)]
            before = {pid: cpu_seconds(pid) for pid in processes}
            postgres_before = postgres_cpu_seconds()
            mine = resource.getrusage(resource.RUSAGE_SELF)
            seconds, outcomes = vet_all(server.target, len(sellers), len(shippers))
            after = resource.getrusage(resource.RUSAGE_SELF)
            processes = [server.pid, *children_of(server.pid)]
            total = len(sellers) + len(shippers)
            print(f"{args.backend}: {total:,} decisions in {seconds:.2f} s = {total / seconds:,.0f}/s {outcomes}")
            for pid in processes:
                used = cpu_seconds(pid) - before.get(pid, 0.0)
                role = "server" if pid == server.pid else "helper"
                print(f"  {role} (pid {pid}): {used / total * 1e6:.0f} us CPU a decision, {used / seconds:.0%} of a core")
            if args.backend == "postgresql":
                print(f"  postgresql: {(postgres_cpu_seconds() - postgres_before) / total * 1e6:.0f} us CPU a decision")
            client_cpu = (after.ru_utime + after.ru_stime) - (mine.ru_utime + mine.ru_stime)
            print(f"  client: {client_cpu / total * 1e6:.0f} us CPU a decision")
    return 0


if __name__ == "__main__":
    sys.exit(main())
