"""A 1,000,000-name in-house list through the real service: import, index build, query latency.

Writes a generic CSV list of N synthetic names (deterministic), starts a server in its own
process on a scratch SQLite file, imports the list with ImportWatchlist (the call returns once the
server's screening index includes the new version), and reports the import time, the server's
peak and current resident memory, then ScreenName latency (p50/p99) over listed-name variants and
strangers, one call at a time.

    .venv/bin/python bench/screening_service_scale.py [--names 1000000] [--queries 2000]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness  # noqa: F401  (import paths)
import servers
from knownparty_client import KnownPartyClient, types

FIRST = ("james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan joseph "
         "jessica thomas sarah charles karen ahmed fatima mohammed aisha wei li jun hui yuki hiroshi olga ivan dmitri "
         "anna sergei maria jose carlos luis ana juan pedro sofia hans klaus ingrid pierre amelie giulia marco").split()
LAST = ("smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson "
        "anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis "
        "robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall "
        "rivera campbell mitchell carter roberts khan ali hussain chen wang zhang liu yang huang ivanov petrov "
        "smirnov kuznetsov popov schmidt schneider fischer weber meyer wagner becker schulz hoffmann rossi russo "
        "ferrari esposito bianchi romano colombo ricci marino greco dubois durand lefebvre moreau laurent").split()
WORDS = ("global trade import export shipping logistics holdings industrial technology energy capital marine "
         "pacific atlantic golden star dragon phoenix eagle united general national international royal "
         "metals chemicals textiles electronics machinery petroleum mining trading investment group").split()
FORMS = ("LTD", "LLC", "INC", "CO LTD", "GMBH", "SA", "OOO", "JSC", "CORP", "LIMITED", "SRL", "BV")


def synthetic_name(rng: random.Random, i: int) -> tuple[str, str]:
    # A numbered syllable keeps names distinct at a million without making them unrealistic.
    syllables = "ka lo mi ra ne to su vi da pe zo ru".split()
    tag = "".join(syllables[(i // 12**k) % 12] for k in range(3))
    if rng.random() < 0.6:
        return f"{rng.choice(LAST).upper()}{tag.upper()}, {rng.choice(FIRST).title()} {rng.choice(FIRST).title()}", "individual"
    return f"{rng.choice(WORDS).upper()} {tag.upper()} {rng.choice(WORDS).upper()} {rng.choice(FORMS)}", "entity"


def write_list(path: Path, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    sample = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "type", "countries"])
        for i in range(count):
            name, kind = synthetic_name(rng, i)
            writer.writerow([f"X{i:07d}", name, kind, rng.choice(["US", "CN", "RU", "IR", "DE", ""])])
            if i % max(1, count // 2000) == 0:
                sample.append(name)
    return sample


def variant(rng: random.Random, name: str) -> str:
    letters = list(name)
    i = rng.randrange(len(letters))
    if letters[i].isalpha():
        letters[i] = rng.choice("aeiourstn")
    return "".join(letters)


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed + 1)
    with tempfile.TemporaryDirectory() as folder:
        list_path = Path(folder) / "inhouse.csv"
        started = time.monotonic()
        sample = write_list(list_path, args.names, args.seed)
        print(f"generated {args.names:,} names ({list_path.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.1f} s")
        url = f"sqlite:///{folder}/scale.db"
        with servers.start_server("knownparty", "process", database_url=url, max_workers=8, max_lifetime_s=3600) as server:
            before = rss_mb(server.pid)
            with KnownPartyClient(server.target, timeout=3600) as client:
                started = time.monotonic()
                response = client.import_watchlist(
                    "inhouse", types.LIST_FORMAT_GENERIC_CSV, [("entries", list_path.name, list_path.read_bytes())]
                )
                import_s = time.monotonic() - started
                after = rss_mb(server.pid)
                print(f"import + index build: {import_s:.1f} s for {response.version.entry_count:,} entries "
                      f"(target: import <= 120 s)")
                print(f"server RSS: {before[0]:.0f} MB before, {after[0]:.0f} MB after, peak {after[1]:.0f} MB "
                      f"(target: <= 2048 MB)")
                queries = [variant(rng, rng.choice(sample)) if i % 2 else synthetic_name(rng, 10**7 + i)[0]
                           for i in range(args.queries)]
                latencies = []
                for query in queries:
                    t = time.perf_counter()
                    client.screen_name(query, limit=10)
                    latencies.append((time.perf_counter() - t) * 1000)
            latencies.sort()
            p50 = statistics.median(latencies)
            p99 = latencies[int(len(latencies) * 0.99) - 1]
            print(f"ScreenName over gRPC, one at a time: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 <= 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
