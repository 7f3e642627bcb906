"""Load and soak (issue #7): a realistic mix of calls against `knownparty serve`, next to echo.

For each backend and worker count: a scratch database; the first admin key made on it with
`knownparty keys create --local`; `knownparty serve [--workers N]` started as a command, as an
operator would; the UN list and (unless --quick) the OFAC SDN list imported; `--sellers` sellers
and `--shippers` shippers created, the shippers with a few fee lines, and every party vetted once.
Then, with `--concurrency` calls in flight from `--processes` load-generator processes:

1. Echo (the baseline of this run), the mix (bench/load_scenarios.py: screening 30 %, VetSeller
   20 %, CheckShipper 10 %, GetParty 15 %, ListParties 5 %, GetPaymentStanding 10 %, RecordFee
   10 %), Echo again: calls per second, p50/p99/p999 latency, errors, and the ratio to echo.
2. With --soak SECONDS (600 for the issue's ten minutes): the mix alone for that long, in one-minute
   rounds, printing errors and the server's resident memory (all its processes) after each; the
   growth from the end of the first round (warm caches) to the end is checked against 10 %.

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.

    PYTHONPATH=client:service .venv/bin/python bench/load.py --backends sqlite,postgresql --workers 1,2
    PYTHONPATH=client:service .venv/bin/python bench/load.py --backends postgresql --workers 2 --soak 600
    PYTHONPATH=client:service .venv/bin/python bench/load.py --quick
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from datetime import datetime, timedelta, timezone
from pathlib import Path

import harness
from bench_parties import backend_database, unwind_on_sigterm

from knownparty_client import KnownPartyClient, types

import load_scenarios

LISTS = harness.REPO_ROOT.parent / "shared" / "data" / "watchlists"
SERVE_TIMEOUT = 120.0  # seconds for the server to answer health after it is started
SOAK_ROUND = 60.0  # seconds a soak round lasts
MAX_RSS_GROWTH = 0.10
QUERIES = (
    "Banco Nacional de Cuba", "BADEGE, Eric", "Eric Badege", "Harbor Lane Trading Inc", "Golden River Imports LLC",
    "Shenzhen Bright Star Trading Co., Ltd.", "Al-Qaida", "Islamic State", "Maria Garcia", "Northern Apex Supply Ltd",
    "Kim Jong Un", "Tariq Anwar", "Summit Pacific Goods Co", "Petrov Ivan", "Silver Crescent Retail GmbH",
)


def _python_cli() -> list[str]:
    return [sys.executable, "-m", "knownparty_client.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(folder: Path, url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KNOWNPARTY_DATABASE_URL=url,
        KNOWNPARTY_LISTEN=f"127.0.0.1:{port}",
        KNOWNPARTY_SIGNING_KEY_FILE=str(folder / "signing.key"),
        KNOWNPARTY_DATA_KEY_FILE=str(folder / "data.key"),
        KNOWNPARTY_METRICS_LISTEN="",
        KNOWNPARTY_LOG_LEVEL="WARNING",
        # As the Dockerfile sets it: glibc gives every thread that allocates an arena of its own,
        # which a threaded server's resident memory then keeps growing into.
        MALLOC_ARENA_MAX="2",
        PYTHONPATH=os.pathsep.join([str(harness.REPO_ROOT / "client"), str(harness.REPO_ROOT / "service")]),
    )
    return env


@contextlib.contextmanager
def served(url: str, workers: int):
    """(target, server pid, admin token) of `knownparty serve` on `url`; stopped with SIGTERM after."""
    with tempfile.TemporaryDirectory(prefix="kp_load_") as raw:
        folder = Path(raw)
        port = _free_port()
        env = _server_env(folder, url, port)
        made = subprocess.run(
            [*_python_cli(), "--json", "keys", "create", "--local", "--org", "load", "--role", "admin"],
            env=env, cwd=folder, capture_output=True, text=True, timeout=120, check=True,
        )
        token = json.loads(made.stdout)["token"]
        command = [*_python_cli(), "serve"] + (["--workers", str(workers)] if workers > 1 else [])
        # The server's log goes to a file: a pipe nobody reads would fill and stall its logging.
        log_path = folder / "server.log"
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(command, env=env, cwd=folder, stdout=log_file, stderr=subprocess.STDOUT)
        target = f"127.0.0.1:{port}"
        try:
            _wait_serving(target, process, log_path)
            yield target, process.pid, token
        finally:
            _show_warnings(log_path)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _show_warnings(log_path: Path, limit: int = 10) -> None:
    """The server's first warnings and errors, if it logged any (it runs at WARNING)."""
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    if lines:
        print(f"  the server logged {len(lines)} lines; the first {min(limit, len(lines))}:")
        for line in lines[:limit]:
            print(f"    {line[:300]}")


def _wait_serving(target: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text(errors='replace')[-2000:]}")
        with KnownPartyClient(target, timeout=2, api_key="") as probe:
            try:
                probe.echo("up")
            except Exception as exc:  # noqa: BLE001 - UNAUTHENTICATED means it is up
                if type(exc).__name__ == "Unauthenticated":
                    return
        time.sleep(0.3)
    raise RuntimeError("the server did not answer in time")


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server and all its worker processes."""
    total_kb, pending, seen = 0, [pid], set()
    while pending and len(seen) < 256:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/status") as f:
                total_kb += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    pending.extend(int(p) for p in f.read().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total_kb / 1024


# -- seeding --------------------------------------------------------------------------------------


def _stamp(moment: datetime) -> types.Timestamp:
    ts = types.Timestamp()
    ts.FromDatetime(moment)
    return ts


def seed(target: str, token: str, sellers: int, shippers: int, quick: bool) -> None:
    started = time.monotonic()
    with KnownPartyClient(target, timeout=600, api_key=token) as client:
        un = LISTS / "un" / "UN_consolidated.xml"
        client.import_watchlist("un", types.LIST_FORMAT_UN, [("un", un.name, un.read_bytes())], timeout=600)
        if not quick:
            sdn = LISTS / "ofac-sdn-history" / "sdn-2024-05-03.csv"
            client.import_watchlist("ofac-sdn", types.LIST_FORMAT_OFAC_SDN, [("sdn", sdn.name, sdn.read_bytes())], timeout=600)
        now = datetime.now(timezone.utc)
        verified = _stamp(now - timedelta(days=30))
        rng = random.Random(7)
        words = [q.split()[0].strip(",") for q in QUERIES]

        def seller(i: int) -> None:
            client.create_party(
                types.Party(
                    kind=types.PARTY_KIND_SELLER,
                    legal_name=f"{rng.choice(words)} {rng.choice(words)} Goods {i} LLC",
                    addresses=[types.Address(lines=["1 Main St"], city="Austin", country="US")],
                    verifications=[
                        types.FieldVerification(
                            field="legal_name", method=types.VERIFICATION_METHOD_GOVERNMENT_REGISTRY, verify_time=verified
                        )
                    ],
                ),
                party_id=load_scenarios.SELLER.format(i).split("/")[1],
            )

        def shipper(i: int) -> None:
            name = load_scenarios.SHIPPER.format(i)
            client.create_party(
                types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name=f"Load Shipper {i} Ltd", addresses=[types.Address(country="CN")]),
                party_id=name.split("/")[1],
            )
            for n in range(3):
                shipped = now - timedelta(days=30 * (n + 1))
                client.record_fee(
                    name,
                    types.FeeLine(
                        carrier=load_scenarios.CARRIER,
                        shipment_reference=f"seed-{i}-{n}",
                        fee_type=types.FEE_TYPE_DUTY,
                        shipment_time=_stamp(shipped),
                        billed=types.Money(currency_code="USD", amount_minor=1000),
                        bill_time=_stamp(shipped + timedelta(hours=1)),
                        due_time=_stamp(shipped + timedelta(days=15)),
                    ),
                )

        with futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(seller, range(sellers)))
            list(pool.map(shipper, range(shippers)))
        requests = [types.VetPartyRequest(vet_seller=types.VetSellerRequest(party=load_scenarios.SELLER.format(i))) for i in range(sellers)]
        requests += [types.VetPartyRequest(check_shipper=types.CheckShipperRequest(party=load_scenarios.SHIPPER.format(i))) for i in range(shippers)]
        errors = sum(1 for answer in client.vet_parties(requests, timeout=1800) if answer.HasField("error"))
    print(f"  seeded {sellers:,} sellers and {shippers:,} shippers, all vetted ({errors} errors) in {time.monotonic() - started:.0f} s")


# -- runs -----------------------------------------------------------------------------------------


def _mix_params(args) -> dict:
    return {"sellers": args.sellers, "shippers": args.shippers, "queries": list(QUERIES)}


def _drive(target: str, name: str, scenario: str, duration: float, args, params: dict | None = None):
    return harness.drive(
        target, name, duration, args.concurrency, args.processes, scenario=scenario, params=params,
        call_timeout=args.call_timeout,
    )


def _row(result, baseline: float) -> str:
    codes = "" if not result.errors else f" {result.error_codes}"
    return (
        f"  {result.scenario:<14} {result.throughput:>9,.0f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f} "
        f"{result.p999_ms:>9.2f} {result.errors:>7}{codes}  {result.throughput / baseline:>6.2f}"
    )


def run_config(backend: str, workers: int, args) -> dict | None:
    with backend_database(backend) as url:
        if url is None:
            return None
        print(f"[{backend}, {workers} worker{'s' if workers > 1 else ''}]")
        with served(url, workers) as (target, pid, token):
            os.environ["KNOWNPARTY_API_KEY"] = token  # the load generators send it
            seed(target, token, args.sellers, args.shippers, args.quick)
            rss_before = server_rss_mb(pid)
            echo_before = _drive(target, "Echo (before)", "echo", args.duration, args)
            mix = _drive(target, "mix", "load_scenarios:mixed", args.duration, args, _mix_params(args))
            echo_after = _drive(target, "Echo (after)", "echo", args.duration, args)
            baseline = (echo_before.throughput + echo_after.throughput) / 2
            print(f"  {'scenario':<14} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p999 ms':>9} {'errors':>7}  x echo")
            for result in (echo_before, mix, echo_after):
                print(_row(result, baseline))
            print(f"  server RSS {rss_before:,.0f} MB after seeding, {server_rss_mb(pid):,.0f} MB after the runs")
            run = {
                "backend": backend, "workers": workers, "baseline": baseline, "mix": mix.as_dict(),
                "echo": [echo_before.as_dict(), echo_after.as_dict()],
            }
            if args.soak:
                run["soak"] = soak(target, pid, args)
            return run


def soak(target: str, pid: int, args) -> dict:
    rounds = max(1, round(args.soak / SOAK_ROUND))
    print(f"  soak: {rounds} rounds of {SOAK_ROUND:.0f} s of the mix")
    samples, errors, calls = [], 0, 0
    for n in range(rounds):
        result = harness.drive(
            target, f"soak {n + 1}", SOAK_ROUND, args.concurrency, args.processes, scenario="load_scenarios:mixed",
            params=_mix_params(args), call_timeout=args.call_timeout, warmup_s=0 if n else 1.0,
        )
        rss = server_rss_mb(pid)
        samples.append(rss)
        errors += result.errors
        calls += result.calls
        codes = f" {result.error_codes}" if result.errors else ""
        print(
            f"    round {n + 1:>2}: {result.throughput:>7,.0f} calls/s, p99 {result.p99_ms:.1f} ms, "
            f"p999 {result.p999_ms:.1f} ms, {result.errors} errors{codes}, server RSS {rss:,.0f} MB"
        )
    growth = (samples[-1] - samples[0]) / samples[0] if samples[0] else 0.0
    verdict = "met" if errors == 0 and growth <= MAX_RSS_GROWTH else "MISSED"
    print(
        f"  soak: {calls:,} calls, {errors} errors (target 0); RSS {samples[0]:,.0f} -> {samples[-1]:,.0f} MB "
        f"({growth:+.1%}, target at most +{MAX_RSS_GROWTH:.0%}): {verdict}"
    )
    return {"calls": calls, "errors": errors, "rss_mb": samples, "growth": growth}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--sellers", type=int, default=2000)
    parser.add_argument("--shippers", type=int, default=500)
    parser.add_argument("--call-timeout", type=float, default=10.0)
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of soak after the runs (600: ten minutes)")
    parser.add_argument("--quick", action="store_true", help="300 sellers, 100 shippers, UN list only, 5 s")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.sellers, args.shippers, args.duration = 300, 100, 5.0
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    unwind_on_sigterm()
    runs = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        for workers in [int(w) for w in args.workers.split(",") if w.strip()]:
            run = run_config(backend, workers, args)
            if run is not None:
                runs.append(run)
    print("\n== summary ==")
    for run in runs:
        mix = run["mix"]
        line = (
            f"{run['backend']}, {run['workers']} worker(s): mix {mix['throughput']:,.0f} calls/s = "
            f"{mix['throughput'] / run['baseline']:.2f} x echo ({run['baseline']:,.0f}); p50 {mix['p50_ms']:.2f} ms, "
            f"p99 {mix['p99_ms']:.2f} ms, p999 {mix['p999_ms']:.2f} ms; {mix['errors']} errors"
        )
        if "soak" in run:
            s = run["soak"]
            line += f"; soak {s['errors']} errors, RSS {s['growth']:+.1%}"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
