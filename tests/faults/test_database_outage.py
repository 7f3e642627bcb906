"""The database stops during traffic and comes back: the same server instance fails calls with
UNAVAILABLE meanwhile (never INTERNAL), reports NOT_SERVING, and serves again afterwards, with
no party lost, duplicated or half-written.

PostgreSQL only, on a private cluster the test stops and starts. SQLite is a file inside the
server's own process: there is no database server to stop, and making the file unreadable does
not work when the tests run as root (CI does), while open connections keep the file anyway.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from faults_support import NOT_SERVING, SERVING, health_status, wait_for
from knownparty_client import KnownPartyClient, errors, types
from knownparty_service.storage.tables import parties, party_revisions

WORKERS = 3


@dataclass
class Outcome:
    worker: int
    kind: str  # create | get | list
    time: float
    error: str | None  # None, or the client error's class name


@dataclass
class Traffic:
    """Workers that create parties (each with its own request id) and read them back, in a loop,
    recording every call's outcome."""

    target: str
    token: str
    outcomes: list[Outcome] = field(default_factory=list)
    created: dict[str, str] = field(default_factory=dict)  # request id -> party name
    unresolved: set[str] = field(default_factory=set)  # request ids whose create failed
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    crashes: list[BaseException] = field(default_factory=list)

    def start(self) -> None:
        for worker in range(WORKERS):
            thread = threading.Thread(target=self._run, args=(worker,), name=f"traffic-{worker}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
            assert not thread.is_alive(), "a traffic thread did not stop"
        assert not self.crashes, self.crashes

    def _record(self, worker: int, kind: str, error: Exception | None) -> None:
        with self._lock:
            self.outcomes.append(Outcome(worker, kind, time.monotonic(), None if error is None else type(error).__name__))

    def _run(self, worker: int) -> None:
        try:
            with KnownPartyClient(self.target, timeout=5, api_key=self.token) as client:
                number = 0
                mine: list[str] = []
                while not self._stop.is_set():
                    number += 1
                    request_id = f"outage-{worker}-{number}"
                    try:
                        party = client.create_party(new_party(request_id), request_id=request_id)
                    except errors.KnownPartyError as exc:
                        with self._lock:
                            self.unresolved.add(request_id)
                        self._record(worker, "create", exc)
                    else:
                        with self._lock:
                            self.created[request_id] = party.name
                        mine.append(party.name)
                        self._record(worker, "create", None)
                    if mine:
                        try:
                            assert client.get_party(mine[-1]).name == mine[-1]
                        except errors.KnownPartyError as exc:
                            self._record(worker, "get", exc)
                        else:
                            self._record(worker, "get", None)
                    try:
                        client.list_parties(page_size=5)
                    except errors.KnownPartyError as exc:
                        self._record(worker, "list", exc)
                    else:
                        self._record(worker, "list", None)
                    time.sleep(0.02)
        except BaseException as exc:  # noqa: BLE001 - reported by stop()
            self.crashes.append(exc)

    def since(self, start: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.time >= start]

    def failures_since(self, start: float) -> list[Outcome]:
        return [o for o in self.since(start) if o.error is not None]

    def every_worker_succeeded_since(self, start: float) -> bool:
        ok = {(o.worker, o.kind) for o in self.since(start) if o.error is None}
        return all((w, k) in ok for w in range(WORKERS) for k in ("create", "get", "list"))


def new_party(request_id: str) -> types.Party:
    # The request id as the legal name: a duplicate create shows as two parties of one name.
    return types.Party(kind=types.PARTY_KIND_SELLER, legal_name=request_id, addresses=[types.Address(country="DE")])


@pytest.mark.parametrize("stop_mode", ["fast", "immediate"])
def test_database_outage_fails_calls_as_unavailable_and_the_same_server_recovers(private_postgres, admin_key, stop_mode):
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    running = create_server(
        Settings(database_url=private_postgres.url, listen="127.0.0.1:0", max_workers=8, database_check_seconds=0.5)
    )
    target = f"127.0.0.1:{running.port}"
    traffic = Traffic(target, admin_key(running))
    try:
        traffic.start()
        wait_for(lambda: traffic.every_worker_succeeded_since(0), 30, "traffic before the outage")

        private_postgres.stop(stop_mode)
        down = time.monotonic()
        wait_for(lambda: len(traffic.failures_since(down)) >= 3 * WORKERS, 30, "failing calls while the database is down")
        # Health follows the database: load balancers stop sending traffic here.
        wait_for(lambda: health_status(target) == NOT_SERVING, 15, "health NOT_SERVING while the database is down")

        private_postgres.start()
        up = time.monotonic()
        wait_for(lambda: traffic.every_worker_succeeded_since(up), 30, "every kind of call succeeding again")
        wait_for(lambda: health_status(target) == SERVING, 15, "health SERVING after the database returned")
        traffic.stop()

        failures = [o for o in traffic.outcomes if o.error is not None]
        assert failures, "no call failed while the database was down"
        assert {o.error for o in failures} == {"Unavailable"}, sorted({o.error for o in failures})

        # A client resends a failed create with its request id: created once, whatever happened before.
        with KnownPartyClient(target, timeout=10, api_key=traffic.token) as client:
            for request_id in sorted(traffic.unresolved):
                traffic.created[request_id] = client.create_party(new_party(request_id), request_id=request_id).name
            stored = {p.legal_name: p.name for p in client.list_parties(page_size=500)}
            names = [p.legal_name for p in client.list_parties(page_size=500)]
        assert len(names) == len(set(names)), "a create was applied twice"
        assert stored == traffic.created

        with running.database.engine.connect() as conn:
            without_revision = conn.scalar(
                select(func.count()).select_from(parties).where(
                    ~select(party_revisions.c.party_seq).where(party_revisions.c.party_seq == parties.c.seq).exists()
                )
            )
        assert without_revision == 0, "a party was stored without its first revision"
        wait_for(lambda: running.database.engine.pool.checkedout() == 0, 10, "every pooled connection returned")
    finally:
        traffic._stop.set()
        running.stop(grace=0)
