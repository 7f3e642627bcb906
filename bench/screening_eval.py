"""Screening quality through the real gRPC service: recall and false-positive rate.

Starts a knownparty server on a scratch SQLite file, imports the OFAC SDN list (with aliases,
addresses and comments) and the UN consolidated list through ImportWatchlist, then screens every
row of ../shared/eval/screening-dev.jsonl through ScreenNames at the default alert threshold and
prints recall and false-positive rate, overall and per kind, with the misses and false alarms.

    .venv/bin/python bench/screening_eval.py [--eval PATH] [--show 20] [--json PATH]
    .venv/bin/python bench/screening_eval.py --throughput 10   # also ScreenName calls/s vs echo
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import harness  # sets up the import paths
import scenarios
import screening_scenarios
import servers
from knownparty_client import KnownPartyClient, types

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LISTS = SHARED / "data" / "watchlists"


def import_lists(client: KnownPartyClient) -> None:
    sdn = LISTS / "ofac-sdn"
    roles = {"sdn.csv": "sdn", "alt.csv": "alt", "add.csv": "add", "sdn_comments.csv": "comments"}
    files = [(role, name, (sdn / name).read_bytes()) for name, role in roles.items()]
    started = time.monotonic()
    client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, files, timeout=600)
    un = LISTS / "un" / "UN_consolidated.xml"
    client.import_watchlist("un", types.LIST_FORMAT_UN, [("un", un.name, un.read_bytes())], timeout=600)
    print(f"imported ofac-sdn and un in {time.monotonic() - started:.1f} s")


def evaluate(client: KnownPartyClient, rows: list[dict]) -> dict:
    queries = [
        types.ScreenNameRequest(
            name=row["query"], type=types.ENTRY_TYPE_INDIVIDUAL if row.get("type") == "individual" else 0, tag=str(i)
        )
        for i, row in enumerate(rows)
    ]
    started = time.monotonic()
    answers = {int(a.tag): a for a in client.screen_names(queries, timeout=3600)}
    elapsed = time.monotonic() - started
    per_kind: dict[str, Counter] = defaultdict(Counter)
    misses, false_alarms = [], []
    for i, row in enumerate(rows):
        answer = answers[i]
        kind = row["kind"]
        alerted = [(m.entry.list, m.entry.source_id, m.score, m.matched_name) for m in answer.result.matches if m.alert]
        if row["expect"] is None:
            per_kind[kind]["negatives"] += 1
            if alerted:
                per_kind[kind]["false_positives"] += 1
                false_alarms.append((row["query"], kind, alerted[:2]))
        else:
            per_kind[kind]["positives"] += 1
            expected = tuple(row["expect"])
            if any((lst, sid) == expected for lst, sid, _, _ in alerted):
                per_kind[kind]["found"] += 1
            else:
                best = [(m.entry.list, m.entry.source_id, round(m.score, 3)) for m in answer.result.matches[:2]]
                misses.append((row["query"], kind, expected, best))
    totals = Counter()
    for counts in per_kind.values():
        totals.update(counts)
    return {
        "per_kind": per_kind,
        "totals": totals,
        "misses": misses,
        "false_alarms": false_alarms,
        "seconds": elapsed,
        "threshold": answers[0].result.alert_threshold if rows else None,
    }


def report(result: dict, show: int) -> None:
    totals = result["totals"]
    recall = totals["found"] / totals["positives"] if totals["positives"] else 0.0
    fpr = totals["false_positives"] / totals["negatives"] if totals["negatives"] else 0.0
    print(f"\nalert threshold {result['threshold']}; {totals['positives'] + totals['negatives']} queries "
          f"in {result['seconds']:.1f} s")
    print(f"{'kind':<26} {'n':>5} {'recall':>8} {'FPR':>8}")
    for kind in sorted(result["per_kind"]):
        c = result["per_kind"][kind]
        if c["positives"]:
            print(f"{kind:<26} {c['positives']:>5} {c['found'] / c['positives']:>8.3f} {'':>8}")
        else:
            print(f"{kind:<26} {c['negatives']:>5} {'':>8} {c['false_positives'] / c['negatives']:>8.4f}")
    print(f"{'overall':<26} {'':>5} {recall:>8.4f} {fpr:>8.4f}")
    print(f"targets: recall >= 0.99 ({'met' if recall >= 0.99 else 'MISSED'}), "
          f"FPR <= 0.005 ({'met' if fpr <= 0.005 else 'MISSED'})")
    for query, kind, expected, best in result["misses"][:show]:
        print(f"  miss  [{kind}] {query!r}: expected {expected}, best {best}")
    for query, kind, alerted in result["false_alarms"][:show]:
        print(f"  false [{kind}] {query!r}: {alerted}")
    result["recall"], result["fpr"] = recall, fpr


def throughput(target: str, pid: int, rows: list[dict], duration: float, concurrency: int) -> None:
    mix = [(row["query"], row.get("type", "")) for row in rows]
    echo_before = harness.drive(target, "Echo (before)", duration, concurrency, scenario=scenarios.echo, server_pid=pid)
    screen = harness.drive(
        target, "ScreenName", duration, concurrency, scenario=screening_scenarios.screen_name,
        params={"queries": mix}, server_pid=pid,
    )
    echo_after = harness.drive(target, "Echo (after)", duration, concurrency, scenario=scenarios.echo, server_pid=pid)
    baseline = (echo_before.throughput + echo_after.throughput) / 2
    print(harness.format_table([echo_before, screen, echo_after], baseline, title="\n== ScreenName vs echo =="))
    ratio = screen.throughput / baseline if baseline else 0.0
    print(f"ScreenName / echo = {ratio:.2f}: {'meets' if ratio >= 0.5 else 'MISSES'} the target of 0.5")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=SHARED / "eval" / "screening-dev.jsonl")
    parser.add_argument("--show", type=int, default=20, help="misses and false alarms to print")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--throughput", type=float, default=0, metavar="SECONDS",
                        help="also measure ScreenName calls/s against echo for this long each")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.eval.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/eval.db"
        with servers.start_server("knownparty", "process", database_url=url, max_workers=8) as server:
            with KnownPartyClient(server.target, timeout=600) as client:
                import_lists(client)
                result = evaluate(client, rows)
            report(result, args.show)
            if args.throughput:
                throughput(server.target, server.pid, rows, args.throughput, args.concurrency)
    if args.json:
        args.json.write_text(json.dumps(
            {"recall": result["recall"], "fpr": result["fpr"], "threshold": result["threshold"],
             "per_kind": {k: dict(v) for k, v in result["per_kind"].items()}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
