"""Where an import's time goes: py-spy on the server during ImportPayments, and the client's CSV
reading measured alone.

Server side: a knownparty server in its own process (scratch database, as bench_payments.py), the
benchmark's shippers, a generated fee file imported through KnownPartyClient.import_payments; after
`--delay` seconds py-spy records the server for `--seconds` (`py-spy record -p PID -d S -r RATE -f raw
--threads --idle`: idle samples too, so that the importing thread's waits on the database and on the
client count as the wall time they are), and the folded stacks are aggregated two ways:

- by step of the import (the innermost knownparty frame that names a step: translating the message,
  validating, each SQL statement group, deciding, deriving the standing buckets, commit, gRPC's
  own receiving and parsing of the stream), as a share of the samples of the importing thread;
- by layer (what the leaf frame is: the database driver's execute, SQLAlchemy, knownparty code,
  protobuf/gRPC, the standard library), and the top leaf functions.

Client side (no server): the seconds per row of payments_csv.read_rows over the same file, of
batching the rows into ImportPaymentsRequest messages, and of serializing them; and cProfile's top
functions of read_rows.

    PYTHONPATH=client:service .venv/bin/python bench/profile_payments.py --backend sqlite --rows 200000
    PYTHONPATH=client:service .venv/bin/python bench/profile_payments.py --aggregate out.txt   # stacks only

py-spy is not a project dependency: --py-spy PATH (default /tmp/pyspy/bin/py-spy, else `py-spy` on PATH).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import linecache
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import harness  # noqa: F401  (import paths)
import servers
from bench_parties import postgres_database, sqlite_database, unwind_on_sigterm
from bench_payments import CARRIER, create_shippers, describe_import, run_import
from generate_fee_file import generate

from knownparty_client import _requests
from knownparty_client.payments_csv import read_rows

# Steps of the import: a sample belongs to the first of these found walking its stack from the
# leaf towards the root. "{caller}" is replaced by the nearest enclosing payment_repository function.
# (function name, file name ending, label)
STEPS = (
    ("run", "database.py", "SQL: bulk write through the driver (BulkStatement) in {caller}"),
    ("fetch_one", "database.py", "SQL: precompiled read (FastQuery) in {caller}"),
    ("line_facts", "payments.py", "derive line facts (settle_time, is_open, contribution) in {caller}"),
    ("contribution", "payments.py", "derive line facts (settle_time, is_open, contribution) in {caller}"),
    ("settle_time", "payments.py", "derive line facts (settle_time, is_open, contribution) in {caller}"),
    ("is_open", "payments.py", "derive line facts (settle_time, is_open, contribution) in {caller}"),
    ("difference", "payments.py", "bucket changes (contribution/difference)"),
    ("_payments_json", "payment_repository.py", "encode payments JSON"),
    ("_line_from", "payment_repository.py", "decode stored lines (_line_from, payments JSON)"),
    ("_shippers", "payment_repository.py", "SQL: read the batch's shippers"),
    ("_load_shipments", "payment_repository.py", "SQL: read stored shipments (row-value IN)"),
    ("_load_lines", "payment_repository.py", "SQL: read stored fee lines (row-value IN, FOR UPDATE)"),
    ("_write_shipments", "payment_repository.py", "SQL: insert shipments"),
    ("_derived", "payment_repository.py", "fee line column values (_derived)"),
    ("_write_lines", "payment_repository.py", "SQL: insert/update fee lines"),
    ("upsert_days", "payment_repository.py", "SQL: upsert standing_days"),
    ("upsert_amounts", "payment_repository.py", "SQL: upsert standing_amounts"),
    ("add_line", "payment_repository.py", "bucket changes (contribution/difference)"),
    ("add_shipment", "payment_repository.py", "bucket changes (contribution/difference)"),
    ("day_rows", "payment_repository.py", "bucket changes (contribution/difference)"),
    ("_write_buckets", "payment_repository.py", "bucket changes (contribution/difference)"),
    ("decide_fee", "payment_ledger.py", "decide rows (decide_fee/decide_payment)"),
    ("decide_payment", "payment_ledger.py", "decide rows (decide_fee/decide_payment)"),
    ("_apply", "payment_repository.py", "apply: loop, sets and dicts around the steps"),
    ("apply", "payment_repository.py", "transaction: connect, BEGIN, COMMIT"),
    ("validate_fee", "payment_rules.py", "validate (payment_rules.validate_fee/validate_payment)"),
    ("validate_payment", "payment_rules.py", "validate (payment_rules.validate_fee/validate_payment)"),
    ("_validate_batch", "payment_ledger.py", "ledger row: shipper name, carrier check"),
    ("import_row", "payment_messages.py", "translate message to draft (payment_messages.import_row)"),
    ("import_batch", "payment_ledger.py", "import_batch: loop and summary"),
    ("take", "read_ahead.py", "gRPC: wait for the next batches (read ahead on another thread)"),
    ("_import_payments", "payment_servicer.py", "import loop in the servicer"),
    ("ImportPayments", "payment_servicer.py", "gRPC: wait for, receive and parse the next batch message"),
)
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::(?P<line>\d+))?\)$")
DRIVER_CALL = re.compile(r"\.(execute|executemany|fetchone|fetchall|fetchmany|commit|rollback)\(|\bnext\(")


def _frame(text: str) -> tuple[str, str, int]:
    match = FRAME.match(text.strip())
    if not match:
        return text.strip(), "", 0
    # py-spy names methods Class.method: the steps are matched on the method's own name.
    return match["func"].rsplit(".", 1)[-1], match["file"], int(match["line"] or 0)


def _source(file: str, line: int) -> str:
    return linecache.getline(file, line).strip() if file and line else ""


def _layer(func: str, path: str, line: int) -> str:
    # SQLite does a query's work as its rows are fetched, so a fetch is a driver call too.
    if "sqlalchemy" in path:
        if func.startswith(("do_execute", "do_executemany", "do_commit", "do_begin", "do_rollback")) or (
            DRIVER_CALL.search(_source(path, line)) and "dbapi" in _source(path, line)
        ):
            return "database driver call (execute/fetch/commit: SQLite or libpq and the server's work)"
        return "SQLAlchemy (statements, compile, parameters, results)"
    if "psycopg" in path or "sqlite3" in path:
        if func in ("wait", "wait_c", "wait_selector", "wait_epoll", "wait_select"):
            return "database driver call (execute/fetch/commit: SQLite or libpq and the server's work)"
        return "database driver (Python part)"
    if ("knownparty_service" in path or "knownparty_client" in path) and DRIVER_CALL.search(_source(path, line)):
        return "database driver call (execute/fetch/commit: SQLite or libpq and the server's work)"
    if "knownparty_service" in path or "knownparty_client" in path:
        return "knownparty code"
    if "/grpc/" in path or "grpc" in path.split("/")[-1]:
        return "gRPC (Python part, incl. message parsing)"
    if "protobuf" in path:
        return "protobuf"
    return "standard library (json, datetime, dataclasses, unicodedata, ...)"


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        text, _, count = line.rpartition(" ")
        if text and count.isdigit():
            stacks.append((text.split(";"), int(count)))
    return stacks


def _step(parsed: list[tuple[str, str, int]]) -> str:
    for index in range(len(parsed) - 1, -1, -1):
        func, file, _ = parsed[index]
        label = next((label for name, ending, label in STEPS if func == name and file.endswith(ending)), None)
        if label is None:
            continue
        if "{caller}" in label:
            caller = next((f for f, fl, _ in reversed(parsed[:index]) if fl.endswith("payment_repository.py")), "?")
            label = label.format(caller=caller)
        return label
    return "?"


def aggregate(path: Path, handler: str = "ImportPayments") -> dict:
    """Shares of the handler thread's samples by step and by layer, and the top leaf functions."""
    stacks = read_stacks(path)
    total_all = sum(c for _, c in stacks)
    by_step: Counter = Counter()
    by_layer: Counter = Counter()
    by_leaf: Counter = Counter()
    step_layer: dict[str, Counter] = defaultdict(Counter)
    other_threads: Counter = Counter()
    importing = 0
    for frames, count in stacks:
        parsed = [_frame(f) for f in frames]  # root first
        if not any(func == handler for func, _, _ in parsed):
            top = next((f"{func} ({os.path.basename(file)})" for func, file, _ in parsed[1:] if file), frames[0])
            other_threads[top] += count
            continue
        importing += count
        step = _step(parsed) if handler == "ImportPayments" else _call_step(parsed)
        func, file, line = parsed[-1]
        layer = _layer(func, file, line)
        by_step[step] += count
        by_layer[layer] += count
        step_layer[step][layer] += count
        by_leaf[f"{func} ({'/'.join(file.split('/')[-2:])}:{line})"] += count
    return {
        "handler": handler,
        "samples": total_all,
        "importing_thread_samples": importing,
        "by_step": by_step.most_common(),
        "by_layer": by_layer.most_common(),
        "step_layer": {k: v.most_common() for k, v in step_layer.items()},
        "top_leaves": by_leaf.most_common(25),
        "other_threads": other_threads.most_common(8),
    }


_ASSIGNED_QUERY = re.compile(r"(\w+) = conn\.(execute|scalar)")


def _call_step(parsed: list[tuple[str, str, int]]) -> str:
    """For a unary handler: the innermost knownparty function; inside the repository's standing
    read, which statement (the variable it is assigned to)."""
    for func, file, line in reversed(parsed):
        if "knownparty_service" not in file:
            continue
        name = f"{func} ({os.path.basename(file)})"
        if func in ("_read_standing_inputs", "standing_inputs") and file.endswith("payment_repository.py"):
            for n in range(line, max(0, line - 15), -1):
                match = _ASSIGNED_QUERY.search(_source(file, n))
                if match:
                    return f"{name}: SQL {match[1]}"
                if "def " in _source(file, n):
                    break
        return name
    return "?"


def format_aggregate(result: dict, rows_per_s: float | None = None) -> str:
    total = result["importing_thread_samples"] or 1
    lines = [f"py-spy: {result['samples']:,} samples, {result['importing_thread_samples']:,} in {result.get('handler', 'ImportPayments')}"]
    per_row = (1e6 / rows_per_s) if rows_per_s else None
    header = "share of the importing thread" + (f" (us of wall time per row at {rows_per_s:,.0f} rows/s)" if per_row else "")
    lines.append(f"\nby step: {header}")
    for step, count in result["by_step"]:
        share = count / total
        extra = f"  {share * per_row:6.1f} us/row" if per_row else ""
        layers = ", ".join(f"{layer.split(' (')[0]} {c / count:.0%}" for layer, c in result["step_layer"][step][:3])
        lines.append(f"  {share:6.1%}{extra}  {step}  [{layers}]")
    lines.append("\nby layer (leaf frame):")
    for layer, count in result["by_layer"]:
        lines.append(f"  {count / total:6.1%}  {layer}")
    lines.append("\ntop leaf functions:")
    for leaf, count in result["top_leaves"][:15]:
        lines.append(f"  {count / total:6.1%}  {leaf}")
    if result["other_threads"]:
        lines.append(f"\nother threads (samples, as a share of the importing thread's): "
                     + "; ".join(f"{name} {count / total:.0%}" for name, count in result["other_threads"]))
    return "\n".join(lines)


# -- client side -------------------------------------------------------------------------------------


def client_costs(path: Path, batch_size: int = 2000, profile_rows: int = 100_000) -> dict:
    """Seconds per row of the client's part of an import, one thread, no server."""
    errors: list = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        started = time.process_time()
        rows = list(read_rows(handle, CARRIER, errors))
        read_s = time.process_time() - started
    started = time.process_time()
    messages = list(_requests.import_payments_stream(CARRIER, iter(rows), path.name, batch_size))
    batch_s = time.process_time() - started
    started = time.process_time()
    size = sum(len(m.SerializeToString()) for m in messages)
    serialize_s = time.process_time() - started
    n = len(rows)
    # cProfile of read_rows on the first rows (cProfile slows it down: shares only).
    profiler = cProfile.Profile()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        profiler.enable()
        for i, _ in enumerate(read_rows(handle, CARRIER, errors)):
            if i >= profile_rows:
                break
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return {
        "rows": n,
        "read_rows_us_per_row": read_s / n * 1e6,
        "batching_us_per_row": batch_s / n * 1e6,
        "serialize_us_per_row": serialize_s / n * 1e6,
        "bytes_per_row_on_the_wire": size / n,
        "local_errors": len(errors),
        "read_rows_profile": out.getvalue(),
    }


# -- the batch look-ups' query plans -------------------------------------------------------------------


def lookup_plans(url: str, keys: int = 900, repeat: int = 3) -> dict:
    """How the repository's batch look-ups of stored shipments and fee lines run on the imported
    data: the plan and time of the statement as SQLAlchemy renders it (a row-value IN list of `keys`
    (carrier, shipment_reference) pairs, as _load_lines and _load_shipments send), against the same
    look-up written as carrier = ? AND shipment_reference IN (...), which the indexes serve."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    sqlite_ = engine.dialect.name == "sqlite"
    out: dict = {"dialect": engine.dialect.name, "keys": keys}
    try:
        with engine.connect() as conn:
            out["fee_lines"] = conn.scalar(text("SELECT count(*) FROM fee_lines"))
            out["shipments"] = conn.scalar(text("SELECT count(*) FROM shipments"))
            pairs = conn.execute(
                text("SELECT carrier, shipment_reference FROM shipments ORDER BY shipment_reference LIMIT :n OFFSET :o"),
                {"n": keys, "o": out["shipments"] // 2},
            ).all()
            carrier = pairs[0][0]
            refs = [r for _, r in pairs]
            params = {f"c{i}": c for i, (c, _) in enumerate(pairs)} | {f"r{i}": r for i, (_, r) in enumerate(pairs)}
            tuple_list = ", ".join(f"(:c{i}, :r{i})" for i in range(len(pairs)))
            row_in = f"(VALUES {tuple_list})" if sqlite_ else f"({tuple_list})"
            ref_list = ", ".join(f":r{i}" for i in range(len(refs)))
            variants = {}
            for table in ("fee_lines", "shipments"):
                order = " ORDER BY seq" if table == "fee_lines" else ""
                variants[f"{table}: (carrier, shipment_reference) IN ... (as now)"] = (
                    f"SELECT * FROM {table} WHERE (carrier, shipment_reference) IN {row_in}{order}"
                )
                variants[f"{table}: carrier = ? AND shipment_reference IN (...)"] = (
                    f"SELECT * FROM {table} WHERE carrier = :carrier AND shipment_reference IN ({ref_list}){order}"
                )
            params["carrier"] = carrier
            for label, sql in variants.items():
                best = None
                for _ in range(repeat):
                    started = time.perf_counter()
                    found = len(conn.execute(text(sql), params).all())
                    elapsed = time.perf_counter() - started
                    best = elapsed if best is None else min(best, elapsed)
                explain = "EXPLAIN QUERY PLAN " if sqlite_ else "EXPLAIN "
                plan = [" ".join(str(x) for x in row) for row in conn.execute(text(explain + sql), params).all()]
                plan = [line if len(line) < 160 else line[:160] + "..." for line in plan][:6]
                out[label] = {"ms": best * 1000, "rows": found, "plan": plan}
    finally:
        engine.dispose()
    return out


def format_plans(plans: dict) -> str:
    lines = [f"\nbatch look-ups of {plans['keys']} shipments on {plans['dialect']} "
             f"({plans['fee_lines']:,} fee lines, {plans['shipments']:,} shipments stored):"]
    for label, value in plans.items():
        if isinstance(value, dict):
            lines.append(f"  {value['ms']:8.1f} ms  {value['rows']:5d} rows  {label}")
            lines.extend(f"              {p}" for p in value["plan"][:3])
    return "\n".join(lines)


# -- the run -----------------------------------------------------------------------------------------


def find_py_spy(given: str | None) -> str:
    for candidate in (given, "/tmp/pyspy/bin/py-spy", shutil.which("py-spy")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("py-spy not found: pass --py-spy PATH")


def profile_server(args, fee_file: Path, out_dir: Path) -> dict:
    database = sqlite_database() if args.backend == "sqlite" else postgres_database()
    with database as url:
        if url is None:
            raise SystemExit("PostgreSQL unreachable")
        with servers.start_server("knownparty", "process", database_url=url, max_workers=args.server_workers,
                                  max_lifetime_s=7200) as server:
            create_shippers(server.target, args.shippers)
            outcome: dict = {}
            counted: list = []

            def importer() -> None:
                try:
                    outcome["run"] = run_import(server.target, fee_file, server_pid=server.pid, batch_size=args.batch_size,
                                                timeout=3600, label=f"[{args.backend}] import", counted=counted)
                except BaseException as exc:  # noqa: BLE001
                    outcome["error"] = exc

            thread = threading.Thread(target=importer, daemon=True)
            thread.start()
            time.sleep(args.delay)
            raw = out_dir / f"pyspy_{args.backend}.txt"
            command = [find_py_spy(args.py_spy), "record", "-p", str(server.pid), "-d", str(args.seconds), "-r",
                       str(args.rate), "-f", "raw", "-o", str(raw), "--threads", "--idle"]
            if args.gil:
                command.append("--gil")
            print("running: " + " ".join(command), flush=True)
            rows_before, started = (counted[0].count if counted else 0), time.monotonic()
            subprocess.run(command, check=True, timeout=args.seconds + 60, stdout=subprocess.DEVNULL)
            window_rate = ((counted[0].count if counted else 0) - rows_before) / (time.monotonic() - started)
            print(f"rows sent while sampling: {window_rate:,.0f} rows/s", flush=True)
            thread.join(timeout=3600)
            if "error" in outcome:
                raise outcome["error"]
            run = outcome["run"]
            print(describe_import(args.backend, "import (profiled)", run))
            plans = lookup_plans(url)
            print(format_plans(plans), flush=True)
            standing = profile_standing(args, server, out_dir) if args.standing else {}
    return {"raw": str(raw), "import": run, "plans": plans, "standing": standing, "window_rows_per_s": window_rate}


def profile_standing(args, server, out_dir: Path) -> dict:
    """py-spy on GetPaymentStanding: first reads one at a time (--idle: the handler's wall time),
    then under load with the benchmark's settings (without --idle: threads on a CPU, not those
    waiting for the GIL or the database; --gil gave too few samples here)."""
    import harness
    from bench_payments import STANDING_SCENARIO, standing_first_reads
    from generate_fee_file import shipper_ids

    py_spy = find_py_spy(args.py_spy)
    out = {}
    cold_raw = out_dir / f"pyspy_{args.backend}_standing_first.txt"
    command = [py_spy, "record", "-p", str(server.pid), "-d", str(args.standing), "-r", str(args.rate), "-f", "raw",
               "-o", str(cold_raw), "--threads", "--idle"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        first = standing_first_reads(server.target, args.shippers)
    finally:
        spy.wait(timeout=args.standing + 60)
    print(f"\nfirst standing reads, one at a time: mean {first['mean_ms']:.2f} ms, p50 {first['p50_ms']:.2f}, "
          f"p99 {first['p99_ms']:.2f}")
    out["first_reads"] = first
    out["first_reads_profile"] = aggregate(cold_raw, handler="GetPaymentStanding")
    print(format_aggregate(out["first_reads_profile"]))

    warm_raw = out_dir / f"pyspy_{args.backend}_standing_load.txt"
    command = [py_spy, "record", "-p", str(server.pid), "-d", str(args.standing), "-r", str(args.rate), "-f", "raw",
               "-o", str(warm_raw), "--threads"]
    result: dict = {}

    def drive() -> None:
        result["r"] = harness.drive(server.target, "GetPaymentStanding", args.standing + 2, 16, 1,
                                    scenario=STANDING_SCENARIO,
                                    params={"names": [f"parties/{i}" for i in shipper_ids(args.shippers)]},
                                    server_pid=server.pid)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    time.sleep(2.0)
    subprocess.run(command, check=True, timeout=args.standing + 60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    thread.join(timeout=args.standing + 120)
    load = result.get("r")
    if load is not None:
        print(f"\nGetPaymentStanding under load: {load.throughput:,.0f} calls/s, server {load.server_cpu_us_per_call or 0:,.0f} us/call")
        out["load"] = load.as_dict()
    out["load_profile"] = aggregate(warm_raw, handler="GetPaymentStanding")
    print(format_aggregate(out["load_profile"]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile an import: py-spy on the server, CSV reading on the client")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the generated file (default 200,000)")
    parser.add_argument("--shippers", type=int, default=2_000)
    parser.add_argument("--file", type=Path, default=None, help="an existing fee file (its shippers must be the benchmark's)")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--server-workers", type=int, default=8)
    parser.add_argument("--delay", type=float, default=3.0, help="seconds into the import before sampling (default 3)")
    parser.add_argument("--seconds", type=int, default=20, help="seconds of sampling (default 20)")
    parser.add_argument("--rate", type=int, default=100, help="samples per second (default 100)")
    parser.add_argument("--gil", action="store_true", help="sample only the thread holding the GIL")
    parser.add_argument("--py-spy", default=None, help="path of py-spy")
    parser.add_argument("--aggregate", type=Path, default=None, help="only aggregate this raw py-spy output")
    parser.add_argument("--out", type=Path, default=None, help="folder for the raw stacks and the JSON (default a temp folder)")
    parser.add_argument("--no-client", action="store_true", help="skip the client-side measurement")
    parser.add_argument("--standing", type=int, default=10,
                        help="seconds of py-spy on GetPaymentStanding after the import, first reads then load (0: skip)")
    args = parser.parse_args(argv)
    if args.aggregate:
        print(format_aggregate(aggregate(args.aggregate)))
        return 0
    unwind_on_sigterm()
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="kp_profile_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    fee_file = args.file
    if fee_file is None:
        fee_file = out_dir / f"fees_{args.rows}.csv"
        print(generate(fee_file, args.rows, shippers=args.shippers, carrier=CARRIER).summary(), flush=True)
    result = profile_server(args, fee_file, out_dir)
    summary = aggregate(Path(result["raw"]))
    print(format_aggregate(summary, result["window_rows_per_s"]))
    document = {"backend": args.backend, "server": summary, "import_rows_per_s": result["import"].rows_per_s,
                "window_rows_per_s": result["window_rows_per_s"],
                "plans": result["plans"], "standing": result["standing"]}
    if not args.no_client:
        costs = client_costs(fee_file, args.batch_size)
        print(f"\nclient, one thread, no server ({costs['rows']:,} rows): read_rows {costs['read_rows_us_per_row']:.1f} us/row, "
              f"batching {costs['batching_us_per_row']:.1f} us/row, serializing {costs['serialize_us_per_row']:.1f} us/row, "
              f"{costs['bytes_per_row_on_the_wire']:.0f} bytes/row on the wire")
        print(costs["read_rows_profile"])
        document["client"] = costs
    (out_dir / f"profile_{args.backend}.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"raw stacks and JSON in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
