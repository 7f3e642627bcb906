"""The PaymentService benchmark: import throughput of a generated carrier fee file, and
GetPaymentStanding as a ratio of the Echo throughput of the same server in the same run.

For each backend (a temporary SQLite file; a scratch kp_bench_<random> PostgreSQL database, dropped
afterwards even on error or SIGTERM; PostgreSQL is skipped with a note when unreachable):

1. a knownparty server in a process of its own (bench/servers.py) with `--server-workers` threads;
2. `--shippers` shippers created through the client (`bench-shipper-00000` ...);
3. the fee file (bench/generate_fee_file.py, generated once for all backends, or `--file`)
   imported through the path `knownparty payments import` takes: payments_csv.read_rows streamed by
   KnownPartyClient.import_payments in this process, `--batch-size` rows a batch; reported: rows/s,
   the server's and this process's peak RSS during the import (VmHWM, reset just before it),
   CPU per row on both sides, and the import report (expect 0 rejected);
4. the same file imported again: rows/s, and every row must come back unchanged;
5. every shipper's standing read once, one call at a time (the first read after the import: its
   latency is what a read costs with nothing cached, and the repeat-customer count shows the data
   makes sense);
6. Echo, GetPaymentStanding (a random one of the shippers), Echo again, each for `--duration`
   seconds with `--concurrency` calls in flight (bench/harness.py); the echo baseline is the mean
   of the two Echo runs. These reads come after step 5, so any cache of the server is warm.

    PYTHONPATH=client:service .venv/bin/python bench/bench_payments.py --quick    # 100,000 rows, 3 s
    PYTHONPATH=client:service .venv/bin/python bench/bench_payments.py            # 1,000,000 rows, 10 s

Targets (the issue): at least 20,000 rows/s into SQLite; standing at least 0.6 of echo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import threading
import time
from concurrent import futures
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import harness
import servers
from bench_parties import postgres_database, sqlite_database, unwind_on_sigterm
from generate_fee_file import generate, shipper_ids

from knownparty_client import types
from knownparty_client.client import KnownPartyClient
from knownparty_client.payments_csv import LocalRowError, read_rows

BACKENDS = ("sqlite", "postgresql")
TARGET_ROWS_PER_S = 20_000  # into SQLite
TARGET_RATIO = 0.6  # GetPaymentStanding / echo
STANDING_SCENARIO = "payment_scenarios:get_payment_standing"
CARRIER = "UPS"
PROGRESS_EVERY_S = 30.0


# -- memory and CPU of a process ------------------------------------------------------------------


def _status_kb(pid: int | str, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss(pid: int | str) -> bool:
    """Sets VmHWM back to the current RSS (Linux >= 4.0, own processes); False when refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_mb(pid: int | str) -> float | None:
    kb = _status_kb(pid, "VmRSS")
    return kb / 1024 if kb is not None else None


def peak_rss_mb(pid: int | str) -> float | None:
    kb = _status_kb(pid, "VmHWM")
    return kb / 1024 if kb is not None else None


def code_version() -> str:
    """The commit under test, "+changes" when service/ or client/ differ from it (others edit the
    tree while benchmarks run: the server process runs the code as it was when it started)."""
    import subprocess

    root = harness.REPO_ROOT
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "service", "client", "protos"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("+changes" if dirty else "")


# -- set-up ----------------------------------------------------------------------------------------


def create_shippers(target: str, count: int, threads: int = 8) -> float:
    """Creates the benchmark's shippers through the client; returns the seconds it took."""
    started = time.monotonic()
    with KnownPartyClient(target, timeout=30) as client:

        def one(party_id: str) -> None:
            client.create_party(
                types.Party(
                    kind=types.PARTY_KIND_SHIPPER,
                    legal_name=f"Bench Shipper {party_id[-5:]}",
                    addresses=[types.Address(lines=["1 Dock Rd"], city="Long Beach", country="US")],
                ),
                party_id=party_id,
                request_id=f"create-{party_id}",
            )

        with futures.ThreadPoolExecutor(max_workers=threads) as pool:
            for _ in pool.map(one, shipper_ids(count)):
                pass
    return time.monotonic() - started


# -- the import ------------------------------------------------------------------------------------


@dataclass
class ImportRun:
    rows: int
    seconds: float
    rows_per_s: float
    fees_recorded: int
    payments_recorded: int
    rows_unchanged: int
    rows_rejected: int  # by the server, plus rows the client could not read
    first_errors: list = field(default_factory=list)
    server_peak_rss_mb: float | None = None
    server_rss_before_mb: float | None = None
    server_rss_after_mb: float | None = None
    client_peak_rss_mb: float | None = None
    server_cpu_us_per_row: float | None = None
    client_cpu_us_per_row: float | None = None
    peak_reset: bool = True  # False: the peaks are since the process started
    machine_busy: float | None = None  # CPUs busy on the whole machine during the import (of 2 here)


class _Counted:
    """Counts the rows the client has handed to gRPC, for progress lines."""

    def __init__(self, rows):
        self._rows = rows
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row


def run_import(target: str, path: Path, *, server_pid: int, batch_size: int, timeout: float, label: str,
               counted: list | None = None) -> ImportRun:
    """Imports the file as `knownparty payments import FILE --carrier UPS` does. `counted`, when
    given, receives the object whose .count is the number of rows handed to gRPC so far."""
    reset = reset_peak_rss(server_pid) & reset_peak_rss("self")
    busy = _machine_busy()
    rss_before = rss_mb(server_pid)
    server_cpu = harness.process_cpu_seconds(server_pid)
    client_cpu = time.process_time()
    local_errors: list[LocalRowError] = []
    stop = threading.Event()
    with KnownPartyClient(target, timeout=timeout) as client, path.open(newline="", encoding="utf-8-sig") as handle:
        rows = _Counted(read_rows(handle, CARRIER, local_errors))
        if counted is not None:
            counted.append(rows)
        started = time.monotonic()

        def progress() -> None:
            while not stop.wait(PROGRESS_EVERY_S):
                elapsed = time.monotonic() - started
                print(f"  {label}: {rows.count:,} rows sent after {elapsed:.0f} s ({rows.count / elapsed:,.0f} rows/s); "
                      f"server RSS {rss_mb(server_pid) or 0:,.0f} MB", flush=True)

        reporter = threading.Thread(target=progress, daemon=True)
        reporter.start()
        try:
            report = client.import_payments(CARRIER, rows, source_name=path.name, batch_size=batch_size, timeout=timeout)
        finally:
            stop.set()
        seconds = time.monotonic() - started
    client_cpu = time.process_time() - client_cpu
    server_cpu = harness.process_cpu_seconds(server_pid) - server_cpu
    busy_s = _machine_busy() - busy
    total = report.rows_received + len(local_errors)
    errors = sorted([(e.line, e.field, e.reason) for e in local_errors] + [(e.line, e.field, e.reason) for e in report.errors])
    return ImportRun(
        rows=total,
        seconds=seconds,
        rows_per_s=total / seconds if seconds else 0.0,
        fees_recorded=report.fees_recorded,
        payments_recorded=report.payments_recorded,
        rows_unchanged=report.rows_unchanged,
        rows_rejected=report.rows_rejected + len(local_errors),
        first_errors=[list(e) for e in errors[:10]],
        server_peak_rss_mb=peak_rss_mb(server_pid),
        server_rss_before_mb=rss_before,
        server_rss_after_mb=rss_mb(server_pid),
        client_peak_rss_mb=peak_rss_mb("self"),
        server_cpu_us_per_row=server_cpu / total * 1e6 if total else None,
        client_cpu_us_per_row=client_cpu / total * 1e6 if total else None,
        peak_reset=bool(reset),
        machine_busy=busy_s / seconds if seconds else None,
    )


def _machine_busy() -> float:
    """CPU-seconds the whole machine has spent busy (all processes: the server, this one, the
    database, and whatever else shares the box), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def describe_import(backend: str, label: str, run: ImportRun) -> str:
    peak = "" if run.peak_reset else " (peaks since process start: reset refused)"
    text = (
        f"[{backend}] {label}: {run.rows:,} rows in {run.seconds:,.1f} s = {run.rows_per_s:,.0f} rows/s; "
        f"{run.fees_recorded:,} fees, {run.payments_recorded:,} payments, {run.rows_unchanged:,} unchanged, "
        f"{run.rows_rejected:,} rejected; server peak RSS {run.server_peak_rss_mb or 0:,.0f} MB "
        f"(before {run.server_rss_before_mb or 0:,.0f}, after {run.server_rss_after_mb or 0:,.0f}), "
        f"client peak RSS {run.client_peak_rss_mb or 0:,.0f} MB{peak}; CPU per row: server "
        f"{run.server_cpu_us_per_row or 0:,.0f} us, client {run.client_cpu_us_per_row or 0:,.0f} us; "
        f"machine busy {run.machine_busy or 0:.2f} of {os.cpu_count()} CPUs"
    )
    for line, fld, reason in run.first_errors:
        text += f"\n    line {line}: {fld or '(row)'}: {reason}"
    return text


def standing_first_reads(target: str, shippers: int) -> dict:
    """Reads every shipper's standing once, one call at a time, before any other standing read:
    the cost of a read nothing has been cached for (the server may cache standings until the
    shipper's ledger changes), and a sanity check that the data means something."""
    latencies = []
    counts: dict[str, int] = {}
    repeat = 0
    with KnownPartyClient(target, timeout=30) as client:
        client.echo("warm-up")
        for party_id in shipper_ids(shippers):
            started = time.perf_counter()
            standing = client.get_payment_standing(party_id)
            latencies.append(time.perf_counter() - started)
            repeat += standing.repeat_customer
            for reason in standing.reasons:
                counts[reason.code] = counts.get(reason.code, 0) + 1
    latencies.sort()
    return {
        "shippers_read": len(latencies),
        "mean_ms": sum(latencies) / len(latencies) * 1000,
        "p50_ms": harness.percentile(latencies, 0.5) * 1000,
        "p99_ms": harness.percentile(latencies, 0.99) * 1000,
        "repeat_customers": repeat,
        "reason_codes": dict(sorted(counts.items())),
    }


# -- one backend -----------------------------------------------------------------------------------


def run_backend(backend: str, args, fee_file: Path) -> dict | None:
    database = sqlite_database() if backend == "sqlite" else postgres_database()
    with database as url:
        if url is None:
            return None
        lifetime = 2 * args.import_timeout + 3600
        with servers.start_server(
            "knownparty", "process", database_url=url, max_workers=args.server_workers, max_lifetime_s=lifetime
        ) as server:
            version = code_version()
            print(f"[{backend}] server {server.target} (pid {server.pid}, {args.server_workers} workers, code {version})",
                  flush=True)
            seconds = create_shippers(server.target, args.shippers)
            print(f"[{backend}] created {args.shippers:,} shippers in {seconds:.1f} s", flush=True)
            first = run_import(server.target, fee_file, server_pid=server.pid, batch_size=args.batch_size,
                               timeout=args.import_timeout, label=f"[{backend}] import")
            print(describe_import(backend, "import", first), flush=True)
            if args.skip_reimport:
                again, unchanged = None, None
            else:
                again = run_import(server.target, fee_file, server_pid=server.pid, batch_size=args.batch_size,
                                   timeout=args.import_timeout, label=f"[{backend}] re-import")
                print(describe_import(backend, "re-import", again), flush=True)
                unchanged = (
                    again.fees_recorded == 0 and again.payments_recorded == 0 and again.rows_rejected == 0
                    and again.rows_unchanged == again.rows == first.rows
                )
                print(f"[{backend}] re-sent file changed nothing: {'yes' if unchanged else 'NO'}", flush=True)
            sample = standing_first_reads(server.target, args.shippers)
            print(f"[{backend}] first standing read of each of the {sample['shippers_read']:,} shippers, one at a time: "
                  f"mean {sample['mean_ms']:.2f} ms, p50 {sample['p50_ms']:.2f}, p99 {sample['p99_ms']:.2f}; "
                  f"{sample['repeat_customers']} repeat customers; reasons {sample['reason_codes']}", flush=True)

            params = {"names": [f"parties/{i}" for i in shipper_ids(args.shippers)]}
            plan = [("echo", "Echo (before)", {}), (STANDING_SCENARIO, "GetPaymentStanding", params), ("echo", "Echo (after)", {})]
            results = []
            for scenario, label, scenario_params in plan:
                result = harness.drive(
                    server.target, label, args.duration, args.concurrency, args.processes,
                    scenario=scenario, params=scenario_params, generator=args.generator, server_pid=server.pid,
                )
                print(f"[{backend}] {label}: {result.throughput:,.0f} calls/s", flush=True)
                results.append(result)
    baseline = (results[0].throughput + results[-1].throughput) / 2
    return {
        "backend": backend,
        "code": version,
        "import": first,
        "reimport": again,
        "reimport_unchanged": unchanged,
        "standing_first_reads": sample,
        "echo_baseline": baseline,
        "results": results,
    }


# -- report ----------------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    return "\n".join(lines)


def _n(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def report(runs: list[dict]) -> str:
    parts = []
    for run in runs:
        parts.append(harness.format_table(
            run["results"], run["echo_baseline"],
            title=f"\n== {run['backend']}: echo baseline {run['echo_baseline']:,.0f} calls/s (mean of before/after) =="))
    rows = []
    verdicts = []
    for run in runs:
        first, again = run["import"], run["reimport"]
        standing = next(r for r in run["results"] if r.scenario == "GetPaymentStanding")
        ratio = standing.throughput / run["echo_baseline"] if run["echo_baseline"] else 0.0
        rows.append([
            run["backend"], _n(first.rows), _n(first.seconds, 1), _n(first.rows_per_s),
            _n(again.rows_per_s if again else None),
            "-" if again is None else ("yes" if run["reimport_unchanged"] else "NO"), _n(first.rows_rejected),
            _n(first.server_peak_rss_mb), _n(first.client_peak_rss_mb),
            _n(first.server_cpu_us_per_row), _n(first.client_cpu_us_per_row),
            _n(run["standing_first_reads"]["mean_ms"], 2), _n(standing.throughput), _n(run["echo_baseline"]), f"{ratio:.2f}",
        ])
        if run["backend"] == "sqlite":
            met = first.rows_per_s >= TARGET_ROWS_PER_S
            verdicts.append(f"import into SQLite: {first.rows_per_s:,.0f} rows/s: {'meets' if met else 'MISSES'} "
                            f"the target of {TARGET_ROWS_PER_S:,} rows/s")
        met = ratio >= TARGET_RATIO
        verdicts.append(f"GetPaymentStanding / echo on {run['backend']}: {ratio:.2f}: "
                        f"{'meets' if met else 'MISSES'} the target of {TARGET_RATIO}")
    headers = ["backend", "rows", "import s", "rows/s", "re-import rows/s", "unchanged", "rejected",
               "srv peak MB", "cli peak MB", "srv us/row", "cli us/row", "1st standing ms", "standing/s", "echo/s",
               "x echo"]
    parts.append("\n== summary ==\n" + _table(headers, rows))
    parts.extend(verdicts)
    return "\n".join(parts)


def parse_args(argv: list[str] | None):
    from knownparty_service.settings import Settings

    parser = argparse.ArgumentParser(description="PaymentService import throughput and standing reads as a ratio of echo")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated file (default 1,000,000)")
    parser.add_argument("--shippers", type=int, default=2_000, help="shippers created and used by the file (default 2,000)")
    parser.add_argument("--file", type=Path, default=None,
                        help="use this fee file (generated there first, and kept, when it does not exist)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per streamed batch (default 5000, as the CLI)")
    parser.add_argument("--import-timeout", type=float, default=3600.0, help="deadline of one import call, s (default 3600)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per read scenario (default 10)")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight (default 16)")
    parser.add_argument("--processes", type=int, default=1, help="load-generator processes (default 1)")
    parser.add_argument("--generator", choices=harness.GENERATORS, default=harness.DEFAULT_GENERATOR)
    default_workers = Settings.model_fields["max_workers"].default
    parser.add_argument("--server-workers", type=int, default=default_workers,
                        help=f"server thread pool size (default {default_workers}, the server's default)")
    parser.add_argument("--skip-reimport", action="store_true", help="do not import the file a second time")
    parser.add_argument("--quick", action="store_true", help="100,000 rows and 3 s per read scenario: a smoke run")
    parser.add_argument("--json", metavar="PATH", help="also write all figures as JSON ('-' for stdout)")
    args = parser.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"--backends: unknown {', '.join(sorted(unknown))}")
    if args.quick:
        args.rows = 100_000
        args.duration = 3.0
    if not 1 <= args.batch_size <= 5000:
        parser.error("--batch-size must be between 1 and 5000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    unwind_on_sigterm()
    print(f"knownparty payments bench {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; python {platform.python_version()}; "
          f"backends {','.join(args.backends)}; server {args.server_workers} workers; batch {args.batch_size}; "
          f"{args.duration:g} s per read scenario, concurrency {args.concurrency}", flush=True)
    runs = []
    with contextlib.ExitStack() as stack:
        if args.file is not None and args.file.exists():
            fee_file, file_stats = args.file, None
            print(f"using {fee_file} ({fee_file.stat().st_size / 1e6:,.1f} MB)", flush=True)
        else:
            if args.file is not None:
                fee_file = args.file
            else:
                fee_file = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kp_fees_"))) / f"fees_{args.rows}.csv"
            file_stats = generate(fee_file, args.rows, shippers=args.shippers, seed=args.seed, carrier=CARRIER)
            print(file_stats.summary(), flush=True)
        for backend in args.backends:
            run = run_backend(backend, args, fee_file)
            if run is not None:
                runs.append(run)
    if runs:
        print(report(runs), flush=True)
    if args.json:
        document = {
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "json"},
            "file": asdict(file_stats) if file_stats else {"path": str(fee_file)},
            "runs": [
                {
                    **{k: v for k, v in run.items() if k not in ("import", "reimport", "results")},
                    "import": asdict(run["import"]),
                    "reimport": asdict(run["reimport"]) if run["reimport"] else None,
                    "results": [r.as_dict() for r in run["results"]],
                    "standing_ratio": next(r.throughput for r in run["results"] if r.scenario == "GetPaymentStanding")
                    / run["echo_baseline"],
                }
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
