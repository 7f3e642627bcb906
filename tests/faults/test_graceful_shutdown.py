"""SIGTERM during traffic: health turns NOT_SERVING first, new calls are refused with UNAVAILABLE,
the calls in flight finish normally, and the process exits 0.

On SQLite only: draining is the gRPC layer's business, the same whichever database is behind it.
"""

from __future__ import annotations

import signal
import threading
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from faults_support import NOT_SERVING, SERVING, Call, HeldStream, wait_for
from knownparty_client import KnownPartyClient, errors, types


class HealthRecorder(threading.Thread):
    """Polls Check on one channel and records each change of answer (a status, or a code name)."""

    def __init__(self, target: str):
        super().__init__(daemon=True)
        self._target = target
        self.seen: list[int | str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with grpc.insecure_channel(self._target) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while not self.stop.is_set():
                try:
                    answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                except grpc.RpcError as err:
                    answer = err.code().name
                if not self.seen or self.seen[-1] != answer:
                    self.seen.append(answer)
                time.sleep(0.01)


def test_sigterm_reports_not_serving_refuses_new_calls_and_finishes_calls_in_flight(
    tmp_path, serve_process, local_key
):
    database_url = f"sqlite:///{tmp_path / 'drain.db'}"
    token = local_key(database_url)
    server = serve_process(database_url)
    with KnownPartyClient(server.target, timeout=30, api_key=token) as client:
        seller = client.create_party(
            types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Drain Test Goods LLC", addresses=[types.Address(country="US")])
        )
        client.create_party(
            types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Drain Test Freight", addresses=[types.Address(country="US")]),
            party_id="drain-shipper",
        )
        # Two streams held open by their senders, so that they are in flight when the signal comes.
        vetting = HeldStream(
            (types.VetPartyRequest(tag=str(i), vet_seller=types.VetSellerRequest(party=seller.name)) for i in range(6)),
            release_after=3,
        )
        vetted = Call(lambda: list(client.vet_parties(iter(vetting), timeout=120)))
        fees = HeldStream((_fee_row(i) for i in range(4)), release_after=2)
        imported = Call(lambda: client.import_payments("UPS", iter(fees), batch_size=1, timeout=120))
        vetted.start()
        imported.start()
        wait_for(lambda: vetting.holding.is_set() and fees.holding.is_set(), 30, "both streams in flight")
        wait_for(lambda: _fee_lines(client) >= 2, 30, "the first fee rows applied")

        health = HealthRecorder(server.target)
        health.start()
        try:
            wait_for(lambda: health.seen == [SERVING], 10, "health SERVING before the signal")
            server.signal(signal.SIGTERM)
            wait_for(lambda: len(health.seen) > 1, 30, "health to change after SIGTERM")
            assert health.seen[1] == NOT_SERVING, health.seen

            with KnownPartyClient(server.target, timeout=5, api_key=token) as late:
                try:
                    late.echo("after the signal")
                    raise AssertionError("a call started after SIGTERM was served")
                except errors.Unavailable:
                    pass

            vetting.release.set()
            fees.release.set()
            vetted.join(60)
            imported.join(60)
            assert vetted.error is None and imported.error is None, (vetted.error, imported.error)
            assert [r.tag for r in vetted.result] == [str(i) for i in range(6)]
            assert all(r.HasField("decision") for r in vetted.result)
            assert (imported.result.rows_received, imported.result.fees_recorded) == (4, 4)

            assert server.wait(timeout=30) == 0, server.log()
            wait_for(lambda: health.seen[-1] == "UNAVAILABLE", 10, "health unreachable once the server is gone")
        finally:
            vetting.release.set()
            fees.release.set()
            health.stop.set()
            health.join(10)
        # Never SERVING again once NOT_SERVING: the listener closed after the drain. A check in
        # flight at the very moment the server stops is cancelled by it: the server was gone too.
        assert health.seen[:2] == [SERVING, NOT_SERVING], health.seen
        assert [s for s in health.seen[2:] if s != "CANCELLED"] == ["UNAVAILABLE"], health.seen


def _fee_row(i: int) -> types.ImportPaymentsRow:
    from knownparty_client.payments_csv import read_rows
    import io

    text = (
        "record,shipper,carrier,shipment_reference,fee_type,amount,currency,shipment_time,bill_time,due_time\n"
        f"fee,drain-shipper,UPS,1Z-DRAIN-{i},duty,1250,USD,2026-03-02,2026-03-02,2026-03-20\n"
    )
    (row,) = read_rows(io.StringIO(text), "UPS", [])
    return row


def _fee_lines(client: KnownPartyClient) -> int:
    return len(list(client.list_fee_lines("parties/drain-shipper")))
