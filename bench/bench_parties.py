"""The PartyService benchmark: Echo, GetParty, CreateParty and ListParties on SQLite and PostgreSQL,
each reported as a ratio of the Echo throughput of the same server measured in the same run.

For each backend: a scratch database (a temporary SQLite file; a kp_bench_<random> PostgreSQL
database, dropped afterwards even on error), a knownparty server on 127.0.0.1 with `--server-workers`
threads, `--seed` parties created through the API, then for `--duration` seconds each with
`--concurrency` calls in flight: Echo, GetParty (random seeded name), CreateParty (every call a new
party: unique legal name and request_id), ListParties(page_size=20), and Echo again. The echo
baseline is the mean of the two Echo runs, which cancels slow drift of a noisy machine.

    PYTHONPATH=client:service .venv/bin/python bench/bench_parties.py            # both backends, 10 s each
    PYTHONPATH=client:service .venv/bin/python bench/bench_parties.py --quick    # 2 s each, smoke run
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import secrets
import signal
import sys
import tempfile
import time
from concurrent import futures
from datetime import datetime, timezone
from pathlib import Path

import harness
import scenarios
import servers

BACKENDS = ("sqlite", "postgresql")
SCENARIOS = ("echo", "get_party", "create_party", "list_parties")
LABELS = {"echo": "Echo", "get_party": "GetParty", "create_party": "CreateParty", "list_parties": "ListParties(20)"}
TARGET_RATIO = 0.6  # the target for GetParty / echo
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

# Where the server runs. "process" (the default): a spawned process of its own, so the server has
# a GIL and an interpreter to itself, its CPU time can be read from /proc without counting the
# benchmark's own, a crash or hang in it cannot take the benchmark down, and it is what a deployment
# looks like. "inprocess" runs it in this (otherwise idle) process; measured on this machine the two
# gave the same figures within noise (see bench/README.md), so the cleaner separation wins.
SERVER_MODES = ("process", "inprocess")


# -- databases ----------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="kp_bench_") as folder:
        yield f"sqlite:///{folder}/knownparty.db"


@contextlib.contextmanager
def postgres_database(admin_dsn: str = PG_ADMIN_DSN):
    """A fresh scratch database; yields None (after printing why) when PostgreSQL is unreachable."""
    import psycopg

    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"note: PostgreSQL at {admin_dsn} is unreachable, skipping it ({str(exc).strip()})")
        yield None
        return
    name = f"kp_bench_{secrets.token_hex(6)}"
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.format(name=name)
    finally:
        admin.close()
        # A fresh connection: the first may have gone stale during a long run.
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backend_database(backend: str):
    return sqlite_database() if backend == "sqlite" else postgres_database()


# -- seeding ------------------------------------------------------------------------------------


def seed_parties(target: str, count: int, threads: int = 8) -> list[str]:
    """Creates `count` parties through the API; returns their resource names."""
    import grpc

    from knownparty_client._generated import party_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        create = party_pb2_grpc.PartyServiceStub(harness.keyed(channel)).CreateParty

        def one(i: int) -> str:
            return create(scenarios.new_party_request(f"Seed Party {i:05d}", request_id=f"seed-{i}"), timeout=30).name

        with futures.ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(one, range(count)))


# -- the run ------------------------------------------------------------------------------------


def run_backend(backend: str, args) -> dict | None:
    with backend_database(backend) as url:
        if url is None:
            return None
        with servers.start_server("knownparty", args.server_mode, database_url=url, max_workers=args.server_workers) as server:
            started = time.monotonic()
            names = seed_parties(server.target, args.seed)
            print(f"[{backend}] seeded {len(names)} parties in {time.monotonic() - started:.1f} s; "
                  f"server {server.target} (pid {server.pid}, {args.server_mode}, {args.server_workers} workers)")
            params = {"echo": {}, "get_party": {"names": names}, "create_party": {}, "list_parties": {"page_size": 20}}
            plan = [("echo", "Echo (before)")]
            plan += [(s, LABELS[s]) for s in args.scenarios if s != "echo"]
            plan += [("echo", "Echo (after)")]
            results = []
            for scenario, label in plan:
                result = harness.drive(
                    server.target,
                    label,
                    args.duration,
                    args.concurrency,
                    args.processes,
                    scenario=getattr(scenarios, scenario),
                    params=params[scenario],
                    generator=args.generator,
                    server_pid=server.pid,
                )
                print(f"[{backend}] {label}: {result.throughput:,.0f} calls/s", flush=True)
                results.append(result)
    baseline = (results[0].throughput + results[-1].throughput) / 2
    return {"backend": backend, "echo_baseline": baseline, "results": results}


def report(run: dict) -> str:
    backend, baseline, results = run["backend"], run["echo_baseline"], run["results"]
    lines = [harness.format_table(results, baseline, title=f"\n== {backend}: echo baseline {baseline:,.0f} calls/s "
                                                            "(mean of before/after) ==")]
    by_name = {r.scenario: r for r in results}
    if "GetParty" in by_name and baseline:
        ratio = by_name["GetParty"].throughput / baseline
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        lines.append(f"GetParty / echo = {ratio:.2f}: {verdict} the target of {TARGET_RATIO}")
        echo_cpu = [r.server_cpu_us_per_call for r in (results[0], results[-1]) if r.server_cpu_us_per_call]
        get_cpu = by_name["GetParty"].server_cpu_us_per_call
        if echo_cpu and get_cpu:
            mean = sum(echo_cpu) / len(echo_cpu)
            # Steadier than throughput on a shared machine: what one call costs the server.
            lines.append(f"server CPU per call: GetParty {get_cpu:,.0f} us, echo {mean:,.0f} us ({get_cpu / mean:.1f}x)")
    return "\n".join(lines)


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description="PartyService throughput and latency as ratios of echo")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per scenario (default 10)")
    parser.add_argument("--quick", action="store_true", help="2 s per scenario and 500 seeded parties: a smoke run")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight (default 16)")
    parser.add_argument("--processes", type=int, default=1, help="load-generator processes (default 1)")
    parser.add_argument("--generator", choices=harness.GENERATORS, default=harness.DEFAULT_GENERATOR)
    parser.add_argument("--server-workers", type=int, default=16, help="server thread pool size (default 16)")
    parser.add_argument("--server-mode", choices=SERVER_MODES, default="process")
    parser.add_argument("--seed", type=int, default=2000, help="parties created before measuring (default 2000)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="subset of " + ",".join(SCENARIOS))
    parser.add_argument("--json", metavar="PATH", help="also write all figures as JSON ('-' for stdout)")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for value, allowed, flag in ((args.backends, BACKENDS, "--backends"), (args.scenarios, SCENARIOS, "--scenarios")):
        unknown = set(value) - set(allowed)
        if unknown:
            parser.error(f"{flag}: unknown {', '.join(sorted(unknown))}")
    if args.quick:
        args.duration = 2.0
        args.seed = min(args.seed, 500)
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def unwind_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so servers stop and scratch databases are dropped."""
    signal.signal(signal.SIGTERM, _interrupt)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    unwind_on_sigterm()
    print(f"knownparty bench {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; python {platform.python_version()}; "
          f"{args.duration:g} s per scenario; concurrency {args.concurrency} over {args.processes} "
          f"{args.generator} load-generator process(es); server {args.server_mode} with {args.server_workers} workers")
    runs = []
    for backend in args.backends:
        run = run_backend(backend, args)
        if run is not None:
            runs.append(run)
            print(report(run), flush=True)
    if args.json:
        document = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "settings": {k: v for k, v in vars(args).items() if k != "json"},
            "runs": [
                {**run, "results": [r.as_dict() for r in run["results"]],
                 "ratios": {r.scenario: r.throughput / run["echo_baseline"] for r in run["results"]}}
                for run in runs
            ],
        }
        text = json.dumps(document, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main())
