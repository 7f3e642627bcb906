"""VetParties' server-side work alone, in one process: no gRPC, no client.

A scratch database seeded as bench_vetting.py seeds it (the real OFAC SDN and UN lists, `--parties`
sellers and a tenth as many shippers, created through a server in its own process), then the
VetParties servicer wired as create_server wires it, in this process, fed the benchmark's requests
in batches as the stream hands them over: every answer a new decision (screened, signed, stored)
and its reply message. Prints decisions per second of wall time and CPU microseconds a decision,
and with --profile where they go. With no network and no client on the other core it is the
figure to compare two versions of the vetting code with (run them back to back).

    PYTHONPATH=client:service .venv/bin/python bench/vet_in_process.py --parties 20000 [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import servers
from bench_parties import backend_database
from bench_vetting import create_parties, import_lists, party_names

from knownparty_client import KnownPartyClient, types
from knownparty_service.app.collector import bulk_work, pace_garbage_collector, round_done
from knownparty_service.app.vetting_composition import vetting_servicer
from knownparty_service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--parties", type=int, default=20_000, help="sellers (shippers: a tenth as many)")
    parser.add_argument("--batch-size", type=int, default=250, help="requests a round (the servicer's batch)")
    parser.add_argument("--profile", action="store_true", help="cProfile the vetting (slower: read shares)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch, backend_database(args.backend) as url:
        # The same key files for the seeding server and the desk here (parties' fields are encrypted).
        os.environ["KNOWNPARTY_SIGNING_KEY_FILE"] = str(Path(scratch) / "signing.key")
        os.environ["KNOWNPARTY_DATA_KEY_FILE"] = str(Path(scratch) / "data.key")
        sellers = party_names(args.parties, seed=1)
        shippers = party_names(max(1, args.parties // 10), seed=2)
        with servers.start_server("knownparty", "process", database_url=url, max_workers=8) as server:
            with KnownPartyClient(server.target, timeout=600) as client:
                import_lists(client)
            create_parties(server.target, sellers, shippers)
        requests = [
            types.VetPartyRequest(tag=str(n), vet_seller=types.VetSellerRequest(party=f"parties/bench-seller-{n:06d}"))
            for n in range(len(sellers))
        ] + [
            types.VetPartyRequest(tag=f"s{n}", check_shipper=types.CheckShipperRequest(party=f"parties/bench-shipper-{n:06d}"))
            for n in range(len(shippers))
        ]
        batches = [requests[i : i + args.batch_size] for i in range(0, len(requests), args.batch_size)]

        parts = vetting_servicer(Settings(database_url=url))
        servicer = parts.servicer
        pace_garbage_collector()  # as create_server does
        # Warm up on the first batch: the screening index's caches, compiled statements.
        servicer.vet_round(batches[0])
        profiler = cProfile.Profile() if args.profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        answered = errors = 0
        with bulk_work():  # as a VetParties stream runs its rounds
            for batch in batches[1:]:
                for answer in servicer.vet_round(batch).answers:
                    answered += 1
                    errors += answer.HasField("error")
                round_done()
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{args.backend}: {answered:,} decisions in {wall:.1f} s = {answered / wall:,.0f}/s; "
            f"{cpu / answered * 1e6:.0f} us CPU a decision ({errors} errors)"
        )
        # Each seller vetted again, one call at a time (VetSeller's path): the decision in force;
        # then each shipper (CheckShipper's).
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(len(sellers)):
            servicer.VetSeller(types.VetSellerRequest(party=f"parties/bench-seller-{n:06d}"), None)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{args.backend}: vetting each seller again: {cpu / len(sellers) * 1e6:.0f} us CPU a call")
        cpu = time.process_time()
        for n in range(len(shippers)):
            servicer.CheckShipper(types.CheckShipperRequest(party=f"parties/bench-shipper-{n:06d}"), None)
        cpu = time.process_time() - cpu
        print(f"{args.backend}: checking each shipper again: {cpu / len(shippers) * 1e6:.0f} us CPU a call")
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(45)
        parts.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
