"""Sweeps server and load-generator settings to choose the defaults (figures in bench/README.md).

For every combination of server kind, server thread-pool size, load-generator kind and number of
load-generator processes it measures the given scenarios; the whole grid is repeated `--rounds`
times in the same order (so slow drift spreads over all combinations) and the median is reported.
The database is seeded once and shared by every knownparty server of the run.

    # pool size and load-generator processes, real stack, SQLite:
    PYTHONPATH=client:service .venv/bin/python bench/sweep.py --workers 8,16,32 --processes 1,2
    # load-generator kind, on the bare sync server:
    PYTHONPATH=client:service .venv/bin/python bench/sweep.py --server-kinds sync-echo --generators aio,thread
    # sync thread pool against grpc.aio, echo only:
    PYTHONPATH=client:service .venv/bin/python bench/sweep.py --server-kinds sync-echo,aio-echo,knownparty \\
        --scenarios echo --workers 16 --processes 1,2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import bench_parties
import harness
import scenarios
import servers

SERVER_KINDS = ("knownparty", "sync-echo", "aio-echo")


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="grid of server / load-generator settings")
    parser.add_argument("--backend", choices=bench_parties.BACKENDS, default="sqlite")
    parser.add_argument("--server-kinds", type=_names, default=["knownparty"], help=",".join(SERVER_KINDS))
    parser.add_argument("--server-mode", choices=bench_parties.SERVER_MODES, default="process")
    parser.add_argument("--server-modes", type=_names, default=None, help="several modes, e.g. process,inprocess")
    parser.add_argument("--workers", type=_ints, default=[16], help="server pool sizes, e.g. 8,16,32")
    parser.add_argument("--processes", type=_ints, default=[1], help="load-generator processes, e.g. 1,2")
    parser.add_argument("--generators", type=_names, default=[harness.DEFAULT_GENERATOR], help="aio,thread")
    parser.add_argument("--scenarios", type=_names, default=["echo", "get_party"])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2000)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args(argv)
    bench_parties.unwind_on_sigterm()
    modes = args.server_modes or [args.server_mode]

    samples: dict[tuple, list[harness.Result]] = defaultdict(list)
    with bench_parties.backend_database(args.backend) as url:
        if url is None:
            return 1
        names: list[str] = []
        if "knownparty" in args.server_kinds:
            with servers.start_server("knownparty", "process", database_url=url, max_workers=16) as server:
                names = bench_parties.seed_parties(server.target, args.seed)
        params = {"echo": {}, "get_party": {"names": names}, "create_party": {}, "list_parties": {"page_size": 20}}
        for round_no in range(args.rounds):
            for kind in args.server_kinds:
                for mode in modes if kind == "knownparty" else ["process"]:
                    for workers in args.workers if kind != "aio-echo" else [0]:
                        with servers.start_server(kind, mode, database_url=url, max_workers=workers or 1) as server:
                            for generator in args.generators:
                                for processes in args.processes:
                                    for scenario in args.scenarios if kind == "knownparty" else ["echo"]:
                                        result = harness.drive(
                                            server.target, scenario, args.duration, args.concurrency, processes,
                                            scenario=getattr(scenarios, scenario), params=params[scenario],
                                            generator=generator, server_pid=server.pid,
                                        )
                                        key = (kind, mode, workers, generator, processes, scenario)
                                        samples[key].append(result)
                                        print(f"round {round_no + 1}: {key}: {result.throughput:,.0f} calls/s "
                                              f"p50 {result.p50_ms:.2f} p99 {result.p99_ms:.2f} "
                                              f"srv {result.server_cpu_us_per_call or 0:.0f} us/call", flush=True)

    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    header = f"{'server':<11}{'mode':<10}{'workers':>8}{'gen':>7}{'procs':>6}  {'scenario':<13}{'calls/s':>9}" \
             f"{'p50 ms':>8}{'p99 ms':>8}{'cli us':>8}{'srv us':>8}{'x echo':>8}"
    print(f"\nmedian of {args.rounds} round(s), {args.duration:g} s each, concurrency {args.concurrency}, "
          f"backend {args.backend}")
    print(header)
    print("-" * len(header))
    summary = []
    for key, results in samples.items():
        kind, mode, workers, generator, processes, scenario = key
        tput = med([r.throughput for r in results])
        echo = med([r.throughput for r in samples.get((kind, mode, workers, generator, processes, "echo"), [])])
        row = {
            "server": kind, "mode": mode, "workers": workers or None, "generator": generator, "processes": processes,
            "scenario": scenario, "throughput": tput, "p50_ms": med([r.p50_ms for r in results]),
            "p99_ms": med([r.p99_ms for r in results]),
            "client_cpu_us_per_call": med([r.client_cpu_us_per_call for r in results]),
            "server_cpu_us_per_call": med([r.server_cpu_us_per_call for r in results]),
            "ratio_to_echo": tput / echo if echo else None, "samples": [r.throughput for r in results],
        }
        summary.append(row)
        print(f"{kind:<11}{mode:<10}{workers or '-':>8}{generator:>7}{processes:>6}  {scenario:<13}{tput:>9,.0f}"
              f"{row['p50_ms']:>8.2f}{row['p99_ms']:>8.2f}{row['client_cpu_us_per_call'] or 0:>8.0f}"
              f"{row['server_cpu_us_per_call'] or 0:>8.0f}{row['ratio_to_echo'] or 0:>8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"settings": vars(args), "rows": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
