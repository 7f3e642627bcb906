"""Vetting benchmark (issue #5): VetSeller and CheckShipper against echo, VetParties decisions per
second, and the background re-evaluation of every decided party after a list update.

For each backend: a scratch database and a knownparty server in its own process; the real OFAC
SDN list (2024-05-03 release) and the UN list imported from ../shared; `--parties` sellers and a
tenth as many shippers created through the client (names drawn from a vocabulary of company words,
so screening does real work; a few are near listed names and raise alerts); then

1. VetParties over every party, one stream: decisions per second (all new decisions, signed and
   stored);
2. Echo, VetSeller of a random seller, CheckShipper of a random shipper, Echo (harness, same
   run): calls per second and the ratio to the mean echo. Once a party is decided, vetting it
   again with nothing changed returns the decision in force (it still reads the party, its
   violations and standing, screens it on the index, and compares);
3. a new version of an in-house list that names `--changed` of the parties (the first and the
   last created among them) is imported; every decided party is re-evaluated in the background
   and the changed decisions appear as changes. Measured: from the import call to the last
   expected change being listed.

    PYTHONPATH=client:service .venv/bin/python bench/bench_vetting.py --backends sqlite,postgresql
    PYTHONPATH=client:service .venv/bin/python bench/bench_vetting.py --quick   # 5,000 parties, 3 s

Targets: VetSeller and CheckShipper at least 0.5 of echo; VetParties at least 5,000 decisions a
second; re-evaluating 100,000 parties after a list update in at most 60 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from concurrent import futures

import harness
import servers
from bench_parties import backend_database, unwind_on_sigterm
from bench_payments import peak_rss_mb

from knownparty_client import KnownPartyClient, types

LISTS = harness.REPO_ROOT.parent / "shared" / "data" / "watchlists"
WORDS = (
    "Harbor Lane Summit Pacific Golden River Maple Crescent Silver Northern Eastern Bright Union Delta Prime Apex "
    "Blue Orchard Cedar Willow Granite Coastal Royal Liberty Pioneer Horizon Evergreen Sunrise Atlas Vertex"
).split()
KINDS = ("Trading", "Goods", "Imports", "Supply", "Retail", "Home", "Outfitters", "Electronics", "Apparel", "Crafts")
FORMS = ("Inc", "LLC", "Ltd", "Co", "GmbH", "Corp")
SCENARIOS = "vetting_scenarios"


def party_names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {rng.choice(FORMS)} {n}" for n in range(count)]


def import_lists(client: KnownPartyClient) -> None:
    sdn = LISTS / "ofac-sdn-history" / "sdn-2024-05-03.csv"
    client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, [("sdn", sdn.name, sdn.read_bytes())], timeout=600)
    un = LISTS / "un" / "UN_consolidated.xml"
    client.import_watchlist("un", types.LIST_FORMAT_UN, [("un", un.name, un.read_bytes())], timeout=600)


def create_parties(target: str, sellers: list[str], shippers: list[str]) -> float:
    started = time.monotonic()
    with KnownPartyClient(target, timeout=60) as client:
        verified = types.Timestamp()
        verified.GetCurrentTime()

        def seller(item):
            n, name = item
            client.create_party(
                types.Party(
                    kind=types.PARTY_KIND_SELLER,
                    legal_name=name,
                    addresses=[types.Address(lines=[f"{n} Market St"], city="Austin", country="US")],
                    verifications=[
                        types.FieldVerification(field="legal_name", method=types.VERIFICATION_METHOD_DOCUMENT, verify_time=verified)
                    ],
                ),
                party_id=f"bench-seller-{n:06d}",
                request_id=f"bench-seller-{n:06d}",
            )

        def shipper(item):
            n, name = item
            client.create_party(
                types.Party(
                    kind=types.PARTY_KIND_SHIPPER,
                    legal_name=name,
                    addresses=[types.Address(lines=[f"{n} Dock Rd"], city="Long Beach", country="US")],
                ),
                party_id=f"bench-shipper-{n:06d}",
                request_id=f"bench-shipper-{n:06d}",
            )

        with futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(seller, enumerate(sellers)))
            list(pool.map(shipper, enumerate(shippers)))
    return time.monotonic() - started


def vet_all(target: str, sellers: int, shippers: int) -> tuple[float, dict]:
    requests = [types.VetPartyRequest(tag=str(n), vet_seller=types.VetSellerRequest(party=f"parties/bench-seller-{n:06d}")) for n in range(sellers)]
    requests += [
        types.VetPartyRequest(tag=f"s{n}", check_shipper=types.CheckShipperRequest(party=f"parties/bench-shipper-{n:06d}"))
        for n in range(shippers)
    ]
    outcomes: dict[str, int] = {}
    started = time.monotonic()
    with KnownPartyClient(target, timeout=3600) as client:
        for answer in client.vet_parties(requests):
            key = answer.error.code if answer.HasField("error") else types.Outcome.Name(answer.decision.outcome)
            outcomes[key] = outcomes.get(key, 0) + 1
    return time.monotonic() - started, outcomes


def reevaluate_after_list_update(target: str, sellers: list[str], changed: int) -> dict:
    """Imports an in-house list naming `changed` sellers (the last created among them) and waits
    until each of their decisions has changed."""
    picks = sorted({0, len(sellers) - 1, *random.Random(7).sample(range(len(sellers)), min(changed, len(sellers)) - 2)})
    rows = "".join(f"B{n},\"{sellers[n]}\",entity\n" for n in picks)
    with KnownPartyClient(target, timeout=600) as client:
        before = [c.cursor for c in client.list_decision_changes(page_size=1000)]
        cursor = before[-1] if before else ""
        expected = {f"parties/bench-seller-{n:06d}" for n in picks}
        started = time.monotonic()
        client.import_watchlist("bench-in-house", types.LIST_FORMAT_GENERIC_CSV, [("entries", "in-house.csv", f"id,name,type\n{rows}".encode())])
        imported = time.monotonic() - started
        seen: set[str] = set()
        deadline = started + 1800
        while expected - seen and time.monotonic() < deadline:
            for change in client.list_decision_changes(cursor=cursor, page_size=1000):
                cursor = change.cursor
                seen.add(change.decision.name.rsplit("/decisions/", 1)[0])
            if expected - seen:
                time.sleep(0.5)
        elapsed = time.monotonic() - started
    return {"changed_expected": len(expected), "changed_seen": len(expected & seen), "seconds": elapsed, "import_seconds": imported}


def run_backend(backend: str, args) -> dict | None:
    with backend_database(backend) as url:
        if url is None:
            return None
        with servers.start_server("knownparty", "process", database_url=url, max_workers=args.server_workers, max_lifetime_s=7200) as server:
            print(f"[{backend}] server {server.target} (pid {server.pid})", flush=True)
            with KnownPartyClient(server.target, timeout=600) as client:
                import_lists(client)
            print(f"[{backend}] imported OFAC SDN and UN", flush=True)
            sellers = party_names(args.parties, seed=1)
            shippers = party_names(max(1, args.parties // 10), seed=2)
            seconds = create_parties(server.target, sellers, shippers)
            print(f"[{backend}] created {len(sellers):,} sellers and {len(shippers):,} shippers in {seconds:.0f} s", flush=True)
            vet_seconds, outcomes = vet_all(server.target, len(sellers), len(shippers))
            total = len(sellers) + len(shippers)
            print(f"[{backend}] VetParties: {total:,} decisions in {vet_seconds:.1f} s = {total / vet_seconds:,.0f}/s; {outcomes}", flush=True)
            plan = [
                ("echo", "Echo (before)", {}),
                (f"{SCENARIOS}:vet_seller", "VetSeller", {"count": len(sellers)}),
                (f"{SCENARIOS}:check_shipper", "CheckShipper", {"count": len(shippers)}),
                ("echo", "Echo (after)", {}),
            ]
            results = []
            for scenario, label, params in plan:
                result = harness.drive(server.target, label, args.duration, args.concurrency, scenario=scenario, params=params,
                                       server_pid=server.pid)
                print(f"[{backend}] {label}: {result.throughput:,.0f} calls/s ({result.errors} errors)", flush=True)
                results.append(result)
            reevaluation = reevaluate_after_list_update(server.target, sellers, args.changed)
            reevaluation["server_peak_rss_mb"] = peak_rss_mb(server.pid)
            print(
                f"[{backend}] list update: {reevaluation['changed_seen']}/{reevaluation['changed_expected']} expected changes "
                f"published {reevaluation['seconds']:.1f} s after the import call (import {reevaluation['import_seconds']:.1f} s) "
                f"over {total:,} decided parties; server peak RSS {reevaluation['server_peak_rss_mb']:,.0f} MB",
                flush=True,
            )
    baseline = (results[0].throughput + results[-1].throughput) / 2
    print(harness.format_table(results, baseline, title=f"\n== {backend}: echo baseline {baseline:,.0f} calls/s =="))
    return {"backend": backend, "parties": total, "vet_parties_per_s": total / vet_seconds, "results": results,
            "baseline": baseline, "reevaluation": reevaluation}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--parties", type=int, default=100_000, help="sellers (shippers: a tenth as many)")
    parser.add_argument("--changed", type=int, default=100, help="sellers the list update names")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--server-workers", type=int, default=8, help="the server's RPC threads (KNOWNPARTY_MAX_WORKERS' default)")
    parser.add_argument("--quick", action="store_true", help="5,000 parties, 3 s per scenario")
    args = parser.parse_args(argv)
    unwind_on_sigterm()  # a killed run still drops its scratch database and stops its server
    if args.quick:
        args.parties, args.duration = 5000, 3.0
    runs = [r for r in (run_backend(b.strip(), args) for b in args.backends.split(",")) if r]
    print("\n== summary ==")
    for run in runs:
        by = {r.scenario: r.throughput for r in run["results"]}
        re = run["reevaluation"]
        print(
            f"{run['backend']}: VetSeller {by['VetSeller'] / run['baseline']:.2f} x echo, CheckShipper "
            f"{by['CheckShipper'] / run['baseline']:.2f} x echo (targets 0.5); VetParties {run['vet_parties_per_s']:,.0f} "
            f"decisions/s (target 5,000); re-evaluation of {run['parties']:,} parties after a list update "
            f"{re['seconds']:.1f} s (target 60 s), {re['changed_seen']}/{re['changed_expected']} changes seen"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
