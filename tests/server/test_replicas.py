"""Several replicas on one PostgreSQL database: writes from all of them stay exact (etags,
request_ids), and every replica's screening index follows imports made through any other."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from knownparty_client import KnownPartyClient, errors, types

LISTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "watchlists"
REPLICAS = 3


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database")
    return database_url


def _start_replicas(url: str, count: int) -> list:
    """Starts `count` servers at once on the same database, as a rolled-out Deployment does (after
    its migration Job: Alembic's context is per process, so threads cannot migrate together)."""
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings
    from knownparty_service.storage.migrate import upgrade

    upgrade(url)
    barrier = threading.Barrier(count)

    def start(_):
        barrier.wait(timeout=30)
        settings = Settings(database_url=url, listen="127.0.0.1:0", index_poll_seconds=0.5)
        return create_server(settings, migrate=False)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(start, n) for n in range(count)]
    started, failures = [], []
    for future in futures:
        try:
            started.append(future.result())
        except Exception as exc:  # noqa: BLE001 - every failure is reported below, none left running
            failures.append(exc)
    if failures:
        for running in started:
            running.stop(grace=0)
        raise AssertionError(f"replicas failed to start together: {failures!r}")
    return started


@pytest.fixture
def replicas(postgres_url):
    started = _start_replicas(postgres_url, REPLICAS)
    yield started
    for running in started:
        running.stop(grace=0)


@pytest.fixture
def token(replicas, admin_key):
    # Keys live in the database: a key made through one replica works on all of them.
    return admin_key(replicas[0])


def _client(running, token: str) -> KnownPartyClient:
    return KnownPartyClient(f"127.0.0.1:{running.port}", timeout=30, api_key=token)


def _at_once(count: int, work) -> list:
    """Runs work(i) for i < count in threads released together; returns the results in order."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_replicas_started_together_on_a_fresh_database_all_serve(replicas, token):
    for running in replicas:
        with _client(running, token) as client:
            assert client.echo("up") == "up"
            assert len(client.get_signing_keys()) == 1


def test_concurrent_read_modify_writes_through_every_replica_lose_no_update(replicas, token):
    with _client(replicas[0], token) as client:
        party = client.create_party(
            types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Contended Trading Ltd", addresses=[types.Address(country="GB")])
        )
    writers, appends_each = 6, 4

    def append_aliases(writer: int) -> int:
        successes = 0
        with _client(replicas[writer % REPLICAS], token) as client:
            for n in range(appends_each):
                alias = f"Alias {writer}-{n}"
                for _attempt in range(200):
                    current = client.get_party(party.name)
                    current.aliases.append(alias)
                    try:
                        client.update_party(current, ["aliases"])
                    except errors.Aborted:
                        continue  # another writer changed it since the read: read again
                    successes += 1
                    break
                else:
                    raise AssertionError(f"writer {writer} never got {alias} in")
        return successes

    successes = sum(_at_once(writers, append_aliases))
    assert successes == writers * appends_each
    with _client(replicas[1], token) as client:
        final = client.get_party(party.name)
        history = list(client.list_party_revisions(party.name))
    expected = {f"Alias {w}-{n}" for w in range(writers) for n in range(appends_each)}
    assert sorted(final.aliases) == sorted(expected)
    assert final.revision == 1 + successes
    assert [r.revision for r in history] == list(range(1, final.revision + 1))


def test_one_create_party_request_sent_to_every_replica_creates_one_party(replicas, token):
    request_id = str(uuid.uuid4())
    party = types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Once Only Freight", addresses=[types.Address(country="MX")])

    def create(i):
        with _client(replicas[i % REPLICAS], token) as client:
            return client.create_party(party, request_id=request_id)

    results = _at_once(6, create)
    assert all(result == results[0] for result in results)
    with _client(replicas[2], token) as client:
        found = [p for p in client.list_parties(name_prefix="Once Only")]
    assert [p.name for p in found] == [results[0].name]


def test_one_create_violation_request_sent_to_every_replica_records_one_violation(replicas, token):
    with _client(replicas[0], token) as client:
        party = client.create_party(
            types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Seized Goods Ltd", addresses=[types.Address(country="CN")])
        )
    occurred = types.Timestamp()
    occurred.FromDatetime(datetime.now(timezone.utc) - timedelta(days=3))
    violation = types.Violation(
        category=types.VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK,
        source=types.VIOLATION_SOURCE_CBP_SEIZURE,
        reference_number="2026-5301-000999",
        occur_time=occurred,
    )
    request_id = str(uuid.uuid4())

    def create(i):
        with _client(replicas[i % REPLICAS], token) as client:
            return client.create_violation(party.name, violation, request_id=request_id)

    results = _at_once(6, create)
    assert all(result == results[0] for result in results)
    with _client(replicas[1], token) as client:
        assert [v.name for v in client.list_violations(party.name)] == [results[0].name]


def test_a_list_imported_through_one_replica_alerts_on_the_others(replicas, token):
    with _client(replicas[0], token) as importer:
        assert not importer.screen_name("ERIC BADEGE").alert
        files = [("un", "UN_consolidated.xml", (LISTS / "un" / "UN_consolidated.xml").read_bytes())]
        importer.import_watchlist("un", types.LIST_FORMAT_UN, files)
    for running in replicas[1:]:
        with _client(running, token) as other:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not other.screen_name("ERIC BADEGE").alert:
                time.sleep(0.2)
            assert other.screen_name("ERIC BADEGE").alert


def test_replicas_migrating_together_on_a_fresh_database_all_succeed(postgres_url, tmp_path):
    command = [sys.executable, "-m", "knownparty_client.cli", "db", "upgrade", "--db", postgres_url]
    processes = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(REPLICAS)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert all(code == 0 for code, _ in outcomes), outcomes
