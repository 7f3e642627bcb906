"""Screening quality, in process: the matching engine against shared/eval/screening-dev.jsonl.

Loads the OFAC SDN list (as "ofac-sdn") and the UN consolidated list (as "un") from
shared/data/watchlists, screens every row at the alert threshold, and prints recall and
false-positive rate overall and per kind, for the two halves of the set (split by a hash of the
query: tune on one, check on the other), then the first misses and false positives.
With --brute-force it also runs the floor to beat: rapidfuzz.process.extract with token_sort_ratio
over every listed name, at its best-F1 cutoff and at 85, with per-query timings of both.

    .venv/bin/python bench/screening_eval_local.py [--threshold 0.75] [--brute-force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from knownparty_service.domain.watchlists.entries import EntryType, ListFormat
from knownparty_service.domain.watchlists.scoring import TUNED_ALERT_THRESHOLD
from knownparty_service.domain.watchlists.screening import ScreeningIndex, ScreeningQuery

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_THRESHOLD = TUNED_ALERT_THRESHOLD


def load_items(data: Path) -> list[tuple[str, str, object]]:
    from knownparty_service.domain.watchlists.formats import parse_list

    sdn_dir = data / "ofac-sdn"
    sdn_files = {
        role: (name, (sdn_dir / name).read_bytes())
        for role, name in (("sdn", "sdn.csv"), ("alt", "alt.csv"), ("add", "add.csv"), ("comments", "sdn_comments.csv"))
        if (sdn_dir / name).exists()
    }
    un_path = data / "un" / "UN_consolidated.xml"
    sdn = parse_list(ListFormat.OFAC_SDN, sdn_files)
    un = parse_list(ListFormat.UN, {"un": (un_path.name, un_path.read_bytes())})
    return [("ofac-sdn", "dev", e) for e in sdn] + [("un", "dev", e) for e in un]


def half_of(query: str) -> str:
    return "A" if hashlib.sha256(query.encode()).digest()[0] % 2 == 0 else "B"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


def report(title: str, rows: list[dict], found: dict[int, bool], alerted: dict[int, bool]) -> None:
    print(f"\n== {title}")
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_kind[r["kind"]].append(i)
    print(f"{'kind':24} {'half':>4} {'n':>5} {'recall':>8} {'FPR':>8}")
    for half in ("A", "B", "all"):
        idx = [i for i in range(len(rows)) if half == "all" or rows[i]["half"] == half]
        pos = [i for i in idx if rows[i]["expect"]]
        neg = [i for i in idx if not rows[i]["expect"]]
        rec = sum(found[i] for i in pos) / max(len(pos), 1)
        fpr = sum(alerted[i] for i in neg) / max(len(neg), 1)
        print(f"{'OVERALL':24} {half:>4} {len(idx):5} {rec:8.4f} {fpr:8.4f}")
    for kind in sorted(by_kind):
        for half in ("A", "B"):
            idx = [i for i in by_kind[kind] if rows[i]["half"] == half]
            pos = [i for i in idx if rows[i]["expect"]]
            neg = [i for i in idx if not rows[i]["expect"]]
            rec = f"{sum(found[i] for i in pos) / len(pos):8.4f}" if pos else f"{'-':>8}"
            fpr = f"{sum(alerted[i] for i in neg) / len(neg):8.4f}" if neg else f"{'-':>8}"
            print(f"{kind:24} {half:>4} {len(idx):5} {rec} {fpr}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--eval", type=Path, default=SHARED / "eval" / "screening-dev.jsonl")
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "watchlists")
    ap.add_argument("--brute-force", action="store_true", help="also run the rapidfuzz full-scan baseline")
    ap.add_argument("--show", type=int, default=20, help="misses and false positives to print")
    args = ap.parse_args()

    t0 = time.perf_counter()
    items = load_items(args.data)
    t1 = time.perf_counter()
    index = ScreeningIndex.build(items)
    t2 = time.perf_counter()
    print(f"loaded {len(items)} entries in {t1 - t0:.2f} s; index of {index.name_count} names built in {t2 - t1:.2f} s")

    rows = [json.loads(line) for line in args.eval.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["half"] = half_of(r["query"])
    found: dict[int, bool] = {}
    alerted: dict[int, bool] = {}
    top: dict[int, list] = {}
    times: list[float] = []
    for i, r in enumerate(rows):
        q = ScreeningQuery(name=r["query"], entry_type=EntryType(r["type"]) if r["type"] else None)
        s = time.perf_counter()
        matches = index.screen(q, min_score=args.threshold, limit=10)
        times.append((time.perf_counter() - s) * 1000)
        alerted[i] = bool(matches)
        found[i] = bool(r["expect"]) and any([m.list_name, m.entry.source_id] == r["expect"] for m in matches)
        if (r["expect"] and not found[i]) or (not r["expect"] and matches):
            top[i] = matches or index.screen(q, min_score=0.0, limit=3)
    report(f"index at threshold {args.threshold}", rows, found, alerted)
    print(f"\nper query: mean {statistics.mean(times):.3f} ms, p50 {pct(times, 0.5):.3f} ms, p99 {pct(times, 0.99):.3f} ms")

    by_id = {(l, e.source_id): e for l, _, e in items}
    misses = [i for i, r in enumerate(rows) if r["expect"] and not found[i]]
    fps = [i for i, r in enumerate(rows) if not r["expect"] and alerted[i]]
    print(f"\nmisses ({len(misses)}), first {args.show}:")
    for i in misses[: args.show]:
        r = rows[i]
        e = by_id.get(tuple(r["expect"]))
        want = e.primary_name if e else "?"
        got = "; ".join(f"{m.matched_name} [{m.list_name} {m.entry.source_id}] {m.score:.3f}" for m in top[i][:2])
        print(f"  [{r['kind']}/{r['half']}] {r['query']!r} ({r['type'] or '-'}) want {r['expect']} {want!r}; got: {got}")
    print(f"\nfalse positives ({len(fps)}), first {args.show}:")
    for i in fps[: args.show]:
        r = rows[i]
        got = "; ".join(f"{m.matched_name} [{m.list_name} {m.entry.source_id}] {m.score:.3f}" for m in top[i][:2])
        print(f"  [{r['kind']}/{r['half']}] {r['query']!r}: {got}")

    if args.brute_force:
        brute_force(rows, items, times)
    return 0


def brute_force(rows: list[dict], items: list, index_times: list[float]) -> None:
    """The floor: every listed name scored by token_sort_ratio, per query."""
    from rapidfuzz import fuzz, process, utils

    names: list[str] = []
    owners: list[tuple[str, str]] = []
    for list_name, _, e in items:
        for n in (e.primary_name, *e.aliases, *e.weak_aliases):
            names.append(n)
            owners.append((list_name, e.source_id))
    choices = [utils.default_process(n) for n in names]
    floor = 70
    expect_score: list[float] = []  # best score of the expected entry (positives)
    any_score: list[float] = []  # best score of any entry (negatives)
    times: list[float] = []
    for r in rows:
        s = time.perf_counter()
        hits = process.extract(
            utils.default_process(r["query"]), choices, scorer=fuzz.token_sort_ratio, score_cutoff=floor, limit=None
        )
        times.append((time.perf_counter() - s) * 1000)
        best_expected = max((sc for _, sc, k in hits if r["expect"] and list(owners[k]) == r["expect"]), default=0.0)
        expect_score.append(best_expected)
        any_score.append(max((sc for _, sc, _ in hits), default=0.0))

    def at(cutoff: float) -> tuple[float, float, float]:
        pos = [i for i, r in enumerate(rows) if r["expect"]]
        neg = [i for i, r in enumerate(rows) if not r["expect"]]
        rec = sum(expect_score[i] >= cutoff for i in pos) / len(pos)
        fpr = sum(any_score[i] >= cutoff for i in neg) / len(neg)
        tp = rec * len(pos)
        fp = sum(any_score[i] >= cutoff for i in neg)
        prec = tp / (tp + fp) if tp + fp else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return rec, fpr, f1

    best = max(range(floor, 101), key=lambda c: at(c)[2])
    print(f"\n== brute force: rapidfuzz token_sort_ratio over {len(names)} names, per query")
    for cutoff in sorted({best, 85}):
        rec, fpr, f1 = at(cutoff)
        print(f"  cutoff {cutoff:3}{' (best F1)' if cutoff == best else ''}: recall {rec:.4f}, FPR {fpr:.4f}, F1 {f1:.4f}")
    bm, bp = statistics.mean(times), pct(times, 0.99)
    im, ip = statistics.mean(index_times), pct(index_times, 0.99)
    print(f"  brute force: mean {bm:.3f} ms, p50 {pct(times, 0.5):.3f} ms, p99 {bp:.3f} ms")
    print(f"  index:       mean {im:.3f} ms, p50 {pct(index_times, 0.5):.3f} ms, p99 {ip:.3f} ms")
    print(f"  speed-up: {bm / im:.1f}x mean, {pct(times, 0.5) / pct(index_times, 0.5):.1f}x p50")


if __name__ == "__main__":
    sys.exit(main())
