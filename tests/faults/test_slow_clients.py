"""Slow and vanishing clients: calls that run out of deadline, response streams nobody reads,
request streams abandoned half-way. Afterwards the server has no thread, stream slot or database
connection left behind, and still answers."""

from __future__ import annotations

import io
import threading

import grpc
import pytest
from sqlalchemy import func, select, text

from faults_support import Call, HeldStream, wait_for
from knownparty_client import _requests, errors, types
from knownparty_client._generated import payment_pb2_grpc, vetting_pb2_grpc, watchlist_pb2_grpc
from knownparty_client.payments_csv import read_rows
from knownparty_service.storage.payment_tables import fee_lines

MAX_WORKERS = 8  # of the `server` fixture
POOL_PREFIX = "knownparty-rpc"
# The re-evaluator's short-lived pool comes and goes with changes; it is not a call's thread.
TRANSIENT_PREFIXES = (POOL_PREFIX, "knownparty-reevaluate")


def _lasting_threads() -> int:
    return sum(1 for t in threading.enumerate() if not t.name.startswith(TRANSIENT_PREFIXES))


def _pool_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith(POOL_PREFIX))


def _vet_requests(party: str, count: int, sent: list[int]):
    for i in range(count):
        sent[0] = i + 1
        yield types.VetPartyRequest(tag=str(i), vet_seller=types.VetSellerRequest(party=party))


def test_expired_deadlines_and_abandoned_streams_leave_nothing_behind(server, target, client, admin_metadata):
    seller = client.create_party(
        types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Patient Goods Ltd", addresses=[types.Address(country="GB")])
    )
    client.create_party(
        types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Patient Freight", addresses=[types.Address(country="GB")]),
        party_id="patient-shipper",
    )
    client.vet_seller(seller.name)  # a decision change for the watch streams to send
    assert server.reevaluator.wait_idle(30)
    baseline, pool_baseline = _lasting_threads(), _pool_threads()

    # Deadlines too short for the call: DEADLINE_EXCEEDED (at the client, or at the server), or a
    # fast enough answer (gRPC checks deadlines with a timer: a quick call can beat it).
    outcomes = set()
    for i in range(60):
        timeout = (0.000001, 0.002, 0.01)[i % 3]
        call = (
            lambda: client.echo("hurry", timeout=timeout),
            lambda: client.get_party(seller.name, timeout=timeout),
            lambda: client.list_parties(page_size=50, timeout=timeout),
            lambda: client.vet_seller(seller.name, timeout=timeout),
            lambda: client.screen_name("Patient Goods", timeout=timeout),
        )[i % 5]
        try:
            call()
            outcomes.add("OK")
        except errors.KnownPartyError as exc:
            outcomes.add(type(exc).__name__)
    assert outcomes <= {"OK", "DeadlineExceeded"}, outcomes

    # Every RPC thread taken by an import whose sender stalls: a call waiting for one runs out of
    # its deadline; the imports finish once their senders go on.
    stalled_imports = [HeldStream(_fee_rows(3, f"STALL{n}"), release_after=1) for n in range(MAX_WORKERS)]
    imports = [
        Call(lambda held=held: client.import_payments("UPS", iter(held), batch_size=1, timeout=60))
        for held in stalled_imports
    ]
    try:
        for call in imports:
            call.start()
        wait_for(lambda: _fee_lines(server) == MAX_WORKERS, 30, "every import's first row applied")
        with pytest.raises(errors.DeadlineExceeded):
            client.echo("queued", timeout=0.5)
    finally:
        for held in stalled_imports:
            held.release.set()
    for call in imports:
        call.join(60)
        assert call.error is None and call.result.fees_recorded == 3, call.error

    # Streams whose sender stalls until the deadline passes on the server.
    stalled = HeldStream(_vet_requests(seller.name, 10, [0]), release_after=2)
    try:
        with pytest.raises(errors.DeadlineExceeded):
            list(client.vet_parties(iter(stalled), timeout=1))
        stalled_rows = HeldStream(_fee_rows(10, "LATE"), release_after=2)
        try:
            with pytest.raises(errors.DeadlineExceeded):
                client.import_payments("UPS", iter(stalled_rows), batch_size=1, timeout=1)
        finally:
            stalled_rows.release.set()
    finally:
        stalled.release.set()

    with grpc.insecure_channel(target) as channel:
        vetting = vetting_pb2_grpc.VettingServiceStub(channel)
        # Bulk vetting whose answers are never read, then cancelled: more streams than one key may
        # hold at once, so a stream slot kept by a cancelled call would refuse the later ones.
        for _ in range(3):
            sent = [0]
            requests = _requests.vet_parties_stream(_vet_requests(seller.name, 3000, sent), 1)
            call = vetting.VetParties(requests, metadata=admin_metadata, timeout=60)
            wait_for(lambda: sent[0] >= 1500, 30, "requests taken off the stream")
            call.cancel()
        for _ in range(20):
            call = vetting.WatchDecisionChanges(
                types.WatchDecisionChangesRequest(from_beginning=True), metadata=admin_metadata, timeout=60
            )
            call.cancel()

        # Imports abandoned half-way through their request streams.
        big = b"id,name,type\n" + b"".join(b"A%07d,Abandoned Name %07d,entity\n" % (i, i) for i in range(200_000))
        upload = HeldStream(
            _requests.import_watchlist_stream("abandoned", types.LIST_FORMAT_GENERIC_CSV, "", [("entries", "a.csv", big)], 64 * 1024),
            release_after=5,
        )
        fee_rows = HeldStream(_requests.import_payments_stream("UPS", _fee_rows(200, "GONE"), "", 10), release_after=5)
        imports = [
            watchlist_pb2_grpc.WatchlistServiceStub(channel).ImportWatchlist.future(
                iter(upload), metadata=admin_metadata, timeout=60
            ),
            payment_pb2_grpc.PaymentServiceStub(channel).ImportPayments.future(
                iter(fee_rows), metadata=admin_metadata, timeout=60
            ),
        ]
        try:
            wait_for(lambda: upload.holding.is_set() and fee_rows.holding.is_set(), 30, "both imports half sent")
            for future in imports:
                future.cancel()
        finally:
            upload.release.set()
            fee_rows.release.set()
        for future in imports:
            assert future.cancelled() or future.exception(timeout=30).code() == grpc.StatusCode.CANCELLED

    wait_for(lambda: _lasting_threads() <= baseline, 30, f"threads back to {baseline} (besides the RPC pool)")
    # Idle pool threads stay (servers of earlier tests in this process keep theirs too), no more.
    assert _pool_threads() <= pool_baseline + MAX_WORKERS
    wait_for(lambda: server.database.engine.pool.checkedout() == 0, 30, "every pooled connection returned")
    if server.database.engine.dialect.name == "postgresql":
        with server.database.engine.connect() as conn:
            stuck = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%'"
                )
            )
        assert stuck == 0, "a session was left inside a transaction"

    # Still answering, streams included.
    assert client.echo("still here") == "still here"
    answers = list(client.vet_parties(_vet_requests(seller.name, 20, [0]), timeout=60))
    assert [a.tag for a in answers] == [str(i) for i in range(20)]
    assert all(a.HasField("decision") for a in answers)
    assert client.list_watchlists() == []


def _fee_rows(count: int, tag: str):
    lines = [f"fee,patient-shipper,UPS,1Z-{tag}-{i},duty,1250,USD,2026-03-02,2026-03-02,2026-03-20" for i in range(count)]
    header = "record,shipper,carrier,shipment_reference,fee_type,amount,currency,shipment_time,bill_time,due_time"
    return read_rows(io.StringIO("\n".join([header, *lines]) + "\n"), "UPS", [])


def _fee_lines(server) -> int:
    with server.database.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(fee_lines))
