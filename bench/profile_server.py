"""Where a knownparty server spends its time on one method: cProfile in the server's pool threads.

Seeds a scratch database with a plain server, then starts a second server on it whose every pool
thread runs under cProfile (timing CPU time per thread, so GIL waits are not counted), drives one scenario at it with the harness, stops it and prints the
merged profile (the pool threads only: gRPC's own polling thread and C core are not in it, but the
server's total CPU per call is printed next to it). cProfile slows Python code down, so read the
shares, not the absolute times.

    PYTHONPATH=client:service .venv/bin/python bench/profile_server.py --backend sqlite --scenario get_party
"""

from __future__ import annotations

import argparse
import io
import os
import pstats
import sys
import tempfile

import bench_parties
import harness
import scenarios
import servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile a knownparty server under load")
    parser.add_argument("--backend", choices=bench_parties.BACKENDS, default="sqlite")
    parser.add_argument("--scenario", choices=bench_parties.SCENARIOS, default="get_party")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--server-workers", type=int, default=16)
    parser.add_argument("--seed", type=int, default=2000)
    parser.add_argument("--top", type=int, default=35, help="rows of each listing")
    parser.add_argument("--save", metavar="PATH", help="also keep the raw profile (pstats format)")
    args = parser.parse_args(argv)
    bench_parties.unwind_on_sigterm()

    with bench_parties.backend_database(args.backend) as url, tempfile.TemporaryDirectory() as folder:
        if url is None:
            return 1
        with servers.start_server("knownparty", database_url=url, max_workers=16) as server:
            names = bench_parties.seed_parties(server.target, args.seed)
        profile_path = args.save or os.path.join(folder, "server.prof")
        params = {"echo": {}, "get_party": {"names": names}, "create_party": {}, "list_parties": {"page_size": 20}}
        with servers.start_server(
            "knownparty", database_url=url, max_workers=args.server_workers, profile_path=profile_path
        ) as server:
            result = harness.drive(
                server.target, args.scenario, args.duration, args.concurrency, 1,
                scenario=getattr(scenarios, args.scenario), params=params[args.scenario], server_pid=server.pid,
            )
        print(harness.format_table([result], title=f"{args.scenario} on {args.backend}, server under cProfile"))
        stats = pstats.Stats(profile_path)
        calls = result.calls + result.errors
        total = stats.total_tt
        print(f"\nprofiled time in pool threads: {total:.2f} s over about {calls} calls in the window "
              "(the profile also covers warm-up and drain)")
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile_path, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
            text = out.getvalue()
            print(f"\n--- by {order} ---\n" + text[text.find("   ncalls"):])
    return 0


if __name__ == "__main__":
    sys.exit(main())
