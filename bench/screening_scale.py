"""Screening index at scale: 1,000,000 synthetic listed names, build time, memory, query latency.

Names are made from pools of a few thousand first names, surnames and company words (generated
syllable by syllable from a fixed seed, so the run is deterministic), plus legal forms. Half the
entries are people (2-4 tokens), half companies (2-4 words and a legal form); one entry in five
has an alias. Queries: 1,000 variants of listed names (typo, reordering, dropped token, legal-form
change) and 1,000 names not listed.

    .venv/bin/python bench/screening_scale.py [--names 1000000] [--queries 2000] [--brute-force 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from knownparty_service.domain.watchlists.entries import EntryType, WatchlistEntry
from knownparty_service.domain.watchlists.scoring import TUNED_ALERT_THRESHOLD
from knownparty_service.domain.watchlists.screening import ScreeningIndex, ScreeningQuery

SEED = 20260101
ONSETS = "b c d f g h j k l m n p r s t v z ch sh kh th br kr st tr".split()
VOWELS = "a e i o u a e i o ai ou ia".split()
CODAS = ["", "", "", "n", "r", "l", "s", "m", "d", "k", "t", "v"]
LEGAL = ["LTD", "LIMITED", "LLC", "CO", "COMPANY", "CORP", "INC", "GMBH", "S.A.", "JSC", "OOO", "CO., LTD.", "PTE LTD"]
WORDS = "TRADING INTERNATIONAL GLOBAL SHIPPING INDUSTRIES HOLDING GROUP ENERGY TECHNOLOGY IMPORT EXPORT".split()


def make_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)).upper()


def pool(rng: random.Random, n: int, lo: int, hi: int) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add(make_word(rng, rng.randint(lo, hi)))
    return sorted(out)


def zipf_choice(rng: random.Random, items: list[str]) -> str:
    # Skewed like real name frequencies: a few very common, a long tail.
    return items[min(len(items) - 1, int(rng.paretovariate(1.1)) - 1 + rng.randrange(len(items)) // 8)]


def person(rng: random.Random, first: list[str], last: list[str]) -> str:
    given = " ".join(zipf_choice(rng, first) for _ in range(rng.choice((1, 1, 2))))
    family = " ".join(zipf_choice(rng, last) for _ in range(rng.choice((1, 1, 2))))
    return f"{family}, {given}"


def company(rng: random.Random, words: list[str]) -> str:
    parts = [zipf_choice(rng, words) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.4:
        parts.append(rng.choice(WORDS))
    return " ".join(parts) + " " + rng.choice(LEGAL)


def typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(1, len(text) - 1)
    op = rng.randrange(3)
    if op == 0:
        return text[:i] + text[i + 1 :]
    if op == 1:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice("AEIOURSTN") + text[i + 1 :]


def variant(rng: random.Random, name: str) -> str:
    tokens = name.replace(",", "").split()
    kind = rng.randrange(4)
    if kind == 0:
        j = max(range(len(tokens)), key=lambda k: len(tokens[k]))
        tokens[j] = typo(rng, tokens[j])
    elif kind == 1:
        rng.shuffle(tokens)
    elif kind == 2 and len(tokens) > 2:
        del tokens[rng.randrange(1, len(tokens) - 1)]
    else:
        tokens = [t.title() for t in tokens]
    return " ".join(tokens)


def rss() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) // 1024
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=2_000)
    ap.add_argument("--min-score", type=float, default=TUNED_ALERT_THRESHOLD)
    ap.add_argument("--brute-force", type=int, default=0, help="also time a rapidfuzz full scan on this many queries")
    args = ap.parse_args()

    rng = random.Random(SEED)
    first = pool(rng, 3000, 1, 3)
    last = pool(rng, 5000, 2, 3)
    words = pool(rng, 4000, 2, 3)

    t0 = time.perf_counter()
    entries: list[tuple[str, str, WatchlistEntry]] = []
    names = 0
    i = 0
    while names < args.names:
        is_person = rng.random() < 0.5
        primary = person(rng, first, last) if is_person else company(rng, words)
        aliases = ()
        if rng.random() < 0.2:
            aliases = (person(rng, first, last) if is_person else company(rng, words),)
        entry = WatchlistEntry(
            source_id=str(i),
            entry_type=EntryType.INDIVIDUAL if is_person else EntryType.ENTITY,
            primary_name=primary,
            aliases=aliases,
        )
        entries.append(("synthetic-a" if i % 2 else "synthetic-b", "1", entry))
        names += 1 + len(aliases)
        i += 1
    t1 = time.perf_counter()
    before = rss()
    print(f"generated {len(entries)} entries, {names} names in {t1 - t0:.1f} s; memory before build {before}")

    t2 = time.perf_counter()
    index = ScreeningIndex.build(entries)
    t3 = time.perf_counter()
    after = rss()
    print(f"built index over {index.name_count} names in {t3 - t2:.1f} s; memory after build {after} "
          f"(index ~{after['VmRSS'] - before['VmRSS']} MB resident on top of the entries)")

    qrng = random.Random(SEED + 1)
    queries: list[tuple[str, bool]] = []
    for _ in range(args.queries // 2):
        _, _, e = entries[qrng.randrange(len(entries))]
        queries.append((variant(qrng, e.primary_name), True))
    fresh_first = pool(random.Random(SEED + 2), 500, 2, 3)
    fresh_last = pool(random.Random(SEED + 3), 500, 3, 4)
    for _ in range(args.queries - len(queries)):
        queries.append((f"{qrng.choice(fresh_first)} {qrng.choice(fresh_last)}", False))
    qrng.shuffle(queries)

    times: list[float] = []
    hits_listed = hits_random = 0
    for text, listed in queries:
        s = time.perf_counter()
        matches = index.screen(ScreeningQuery(text), min_score=args.min_score, limit=10)
        times.append((time.perf_counter() - s) * 1000)
        if listed:
            hits_listed += bool(matches)
        else:
            hits_random += bool(matches)
    n_listed = sum(1 for _, listed in queries if listed)
    print(f"{len(queries)} queries at min_score {args.min_score}: mean {statistics.mean(times):.2f} ms, "
          f"p50 {pct(times, 0.5):.2f} ms, p99 {pct(times, 0.99):.2f} ms, max {max(times):.1f} ms")
    print(f"  variants of listed names with a match: {hits_listed}/{n_listed}; "
          f"unlisted names with a match: {hits_random}/{len(queries) - n_listed}")
    print(f"memory at end {rss()}")

    if args.brute_force:
        from rapidfuzz import fuzz, process, utils

        choices = [utils.default_process(n) for _, _, e in entries for n in (e.primary_name, *e.aliases)]
        bt = []
        for text, _ in queries[: args.brute_force]:
            s = time.perf_counter()
            process.extract(utils.default_process(text), choices, scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=10)
            bt.append((time.perf_counter() - s) * 1000)
        print(f"brute force (token_sort_ratio over {len(choices)} names, {len(bt)} queries): "
              f"mean {statistics.mean(bt):.1f} ms, p50 {pct(bt, 0.5):.1f} ms; "
              f"index speed-up {statistics.mean(bt) / statistics.mean(times):.0f}x mean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
