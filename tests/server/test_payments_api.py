"""PaymentService over the wire: fee lines, payments, bulk import, standing, bad input."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from knownparty_client import errors, types
from knownparty_client.payments_csv import read_rows

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def stamp(moment: datetime) -> types.Timestamp:
    value = types.Timestamp()
    value.FromDatetime(moment)
    return value


def usd(amount: int, currency: str = "USD") -> types.Money:
    return types.Money(currency_code=currency, amount_minor=amount)


def fee_line(shipment: str, days_ago: int, amount: int = 10_000, fee_type=types.FEE_TYPE_DUTY, **extra) -> types.FeeLine:
    shipped = NOW - timedelta(days=days_ago)
    fields = dict(
        carrier="UPS",
        shipment_reference=shipment,
        fee_type=fee_type,
        shipment_time=stamp(shipped),
        billed=usd(amount),
        bill_time=stamp(shipped + timedelta(hours=1)),
        due_time=stamp(shipped + timedelta(days=15)),
    )
    fields.update(extra)
    return types.FeeLine(**fields)


def pay(client, parent, shipment, reference, amount, paid: datetime, fee_type=types.FEE_TYPE_DUTY, currency="USD"):
    return client.record_payment(
        parent,
        carrier="UPS",
        shipment_reference=shipment,
        fee_type=fee_type,
        payment=types.Payment(payment_reference=reference, amount=usd(amount, currency), paid_time=stamp(paid)),
    )


@pytest.fixture
def shipper(client) -> str:
    return client.create_party(
        types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Harbour Freight LLC", addresses=[types.Address(country="US")]),
        party_id="harbour",
    ).name


def test_fees_and_payments_build_a_repeat_customer(client, shipper):
    for i, days_ago in enumerate([300, 200, 100, 10]):
        line = client.record_fee(shipper, fee_line(f"S{i}", days_ago))
        assert line.name.startswith(f"{shipper}/feeLines/")
        paid = pay(client, shipper, f"S{i}", f"P{i}", 10_000, NOW - timedelta(days=days_ago - 2))
        assert paid.paid.amount_minor == 10_000 and paid.HasField("settle_time")
    standing = client.get_payment_standing(shipper)
    assert standing.repeat_customer
    assert standing.shipments == 4 and standing.settled_on_time == 4 and standing.on_time_ratio == 1.0
    assert [(m.currency_code, m.amount_minor) for m in standing.billed] == [("USD", 40_000)]
    assert [r.code for r in standing.reasons] == ["REPEAT_CUSTOMER"]
    assert standing.policy_version
    assert len(list(client.list_fee_lines(shipper, page_size=3))) == 4


def test_standing_of_a_new_shipper_says_why_not(client, shipper):
    client.record_fee(shipper, fee_line("ONLY", 40))
    standing = client.get_payment_standing(shipper)
    assert not standing.repeat_customer
    codes = {r.code for r in standing.reasons}
    assert {"TOO_FEW_SHIPMENTS", "SPAN_TOO_SHORT", "OVERDUE_BALANCE"} <= codes
    assert [(m.currency_code, m.amount_minor) for m in standing.overdue] == [("USD", 10_000)]
    assert [line.shipment_reference for line in client.list_fee_lines(shipper, outstanding_only=True)] == ["ONLY"]


def test_recording_the_same_fee_twice_changes_nothing(client, shipper):
    first = client.record_fee(shipper, fee_line("SAME", 5))
    again = client.record_fee(shipper, fee_line("SAME", 5))
    assert again == first
    corrected = client.record_fee(shipper, fee_line("SAME", 5, amount=12_000))
    assert corrected.billed.amount_minor == 12_000 and corrected.name == first.name
    assert len(list(client.list_fee_lines(shipper))) == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (fee_line("X", 5, amount=-1), "fee_line.billed.amount_minor"),
        (fee_line("X", 5, amount=0), "fee_line.billed.amount_minor"),
        (fee_line("X", 5, amount=10**15 + 1), "fee_line.billed.amount_minor"),
        (fee_line("X", 5, billed=usd(100, "ABC")), "fee_line.billed.currency_code"),
        (fee_line("X", 5, billed=usd(100, "usd")), "fee_line.billed.currency_code"),
        (fee_line("X", 5, shipment_time=stamp(NOW + timedelta(days=400))), "fee_line.shipment_time"),
        (fee_line("X", 5, bill_time=stamp(NOW + timedelta(days=30))), "fee_line.bill_time"),
        (fee_line("X", 5, due_time=stamp(NOW - timedelta(days=30))), "fee_line.due_time"),
        (fee_line("X", 5, fee_type=0), "fee_line.fee_type"),
        (fee_line("X", 5, fee_type=42), "fee_line.fee_type"),
        (fee_line("", 5), "fee_line.shipment_reference"),
        (fee_line("X", 5, carrier="no spaces allowed"), "fee_line.carrier"),
    ],
)
def test_bad_fee_is_refused_and_changes_nothing(client, shipper, line, field):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.record_fee(shipper, line)
    assert field in {v.field for v in caught.value.field_violations}
    assert list(client.list_fee_lines(shipper)) == []


def test_bad_payments_are_refused_and_change_nothing(client, shipper):
    line = client.record_fee(shipper, fee_line("S1", 10))
    billed_at = NOW - timedelta(days=10) + timedelta(hours=1)
    with pytest.raises(errors.NotFound) as caught:
        pay(client, shipper, "UNKNOWN", "P1", 100, NOW)
    assert caught.value.reason == "UNKNOWN_SHIPMENT"
    with pytest.raises(errors.InvalidArgument) as caught:
        pay(client, shipper, "S1", "P1", 100, billed_at - timedelta(hours=2))
    assert {v.field for v in caught.value.field_violations} == {"payment.paid_time"}
    with pytest.raises(errors.InvalidArgument) as caught:
        pay(client, shipper, "S1", "P1", 100, NOW, currency="EUR")
    assert {v.field for v in caught.value.field_violations} == {"payment.amount.currency_code"}
    with pytest.raises(errors.InvalidArgument) as caught:
        pay(client, shipper, "S1", "P1", -5, NOW)
    assert {v.field for v in caught.value.field_violations} == {"payment.amount.amount_minor"}
    with pytest.raises(errors.InvalidArgument):
        pay(client, shipper, "S1", "P1", 100, NOW + timedelta(days=3650))
    pay(client, shipper, "S1", "P1", 100, NOW)
    with pytest.raises(errors.InvalidArgument) as caught:
        pay(client, shipper, "S1", "P1", 200, NOW)
    assert caught.value.reason == "PAYMENT_REFERENCE_REUSED"
    stored = list(client.list_fee_lines(shipper))
    assert len(stored) == 1 and stored[0].paid.amount_minor == 100 and len(stored[0].payments) == 1
    assert stored[0].name == line.name


def test_fees_only_for_active_shippers(client, shipper):
    seller = client.create_party(
        types.Party(kind=types.PARTY_KIND_SELLER, legal_name="A Seller", addresses=[types.Address(country="US")])
    )
    with pytest.raises(errors.FailedPrecondition):
        client.record_fee(seller.name, fee_line("S", 5))
    with pytest.raises(errors.NotFound):
        client.record_fee("parties/nobody", fee_line("S", 5))
    with pytest.raises(errors.NotFound):
        client.get_payment_standing("parties/nobody")
    client.archive_party(shipper)
    with pytest.raises(errors.FailedPrecondition):
        client.record_fee(shipper, fee_line("S", 5))
    assert list(client.list_fee_lines(shipper)) == []


def test_a_shipment_belongs_to_one_shipper(client, shipper):
    other = client.create_party(
        types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Other Shipper", addresses=[types.Address(country="US")])
    ).name
    client.record_fee(shipper, fee_line("SHARED", 5))
    with pytest.raises(errors.FailedPrecondition):
        client.record_fee(other, fee_line("SHARED", 5, fee_type=types.FEE_TYPE_TAX))
    with pytest.raises(errors.FailedPrecondition) as caught:
        client.record_fee(shipper, fee_line("SHARED", 6, fee_type=types.FEE_TYPE_TAX))
    assert caught.value.reason == "SHIPMENT_TIME_MISMATCH"
    assert len(list(client.list_fee_lines(shipper))) == 1 and list(client.list_fee_lines(other)) == []


CSV_TEXT = """record,shipper,carrier,shipment_reference,fee_type,amount,currency,shipment_time,bill_time,due_time,resolution,payment_reference,paid_time
fee,harbour,UPS,1Z001,duty,1250,USD,{t0},{t0},{d0},,,
fee,harbour,UPS,1Z001,tax,300,USD,{t0},{t0},{d0},,,
payment,harbour,UPS,1Z001,duty,1250,USD,,,,,PAY-1,{p0}
fee,harbour,UPS,1Z002,duty,-5,USD,{t0},{t0},{d0},,,
fee,harbour,UPS,1Z003,duty,12.50,USD,{t0},{t0},{d0},,,
payment,harbour,UPS,1Z999,duty,100,USD,,,,,PAY-2,{p0}
fee,nobody,UPS,1Z004,duty,100,USD,{t0},{t0},{d0},,,
fee,harbour,UPS,1Z005,duty,100,XYZ,{t0},{t0},{d0},,,
fee,harbour,UPS,1Z006,customs,100,USD,{t0},{t0},{d0},,,
fee,harbour,UPS,1Z007,duty,100,USD,{t0},{t0},{d0},written_off,,
"""


def test_import_reports_bad_rows_by_line_and_applies_the_rest(client, shipper):
    t0 = (NOW - timedelta(days=20)).isoformat()
    text = CSV_TEXT.format(t0=t0, d0=(NOW - timedelta(days=5)).isoformat(), p0=(NOW - timedelta(days=1)).isoformat())
    local_errors = []
    rows = list(read_rows(io.StringIO(text), "UPS", local_errors))
    assert [(e.line, e.field) for e in local_errors] == [(6, "amount"), (10, "fee_type")]
    report = client.import_payments("UPS", rows, source_name="ups-daily.csv", batch_size=3)
    assert report.rows_received == 8
    assert report.fees_recorded == 3 and report.payments_recorded == 1 and report.rows_unchanged == 0
    assert sorted((e.line, e.field) for e in report.errors) == [
        (5, "fee_line.billed.amount_minor"),
        (7, "shipment_reference"),
        (8, "shipper"),
        (9, "fee_line.billed.currency_code"),
    ]
    assert report.rows_rejected == 4
    assert len(list(client.list_fee_lines(shipper))) == 3
    before = client.get_payment_standing(shipper)
    assert before.written_off_lines == 1

    again = client.import_payments("UPS", list(read_rows(io.StringIO(text), "UPS", [])), batch_size=5)
    assert again.rows_unchanged == 4 and again.fees_recorded == 0 and again.payments_recorded == 0
    after = client.get_payment_standing(shipper)
    after.as_of.CopyFrom(before.as_of)
    assert after == before


def test_import_stream_needs_a_header(client):
    with pytest.raises(errors.InvalidArgument) as caught:
        client.import_payments("not a carrier!", [])
    assert {v.field for v in caught.value.field_violations} == {"header.carrier"}


@pytest.mark.parametrize("bad_message", ["second header", "oversized batch"])
def test_a_bad_message_mid_stream_is_refused_and_the_batches_before_it_stay_applied(
    target, admin_metadata, client, shipper, bad_message
):
    import grpc
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    from knownparty_client._generated import payment_pb2_grpc

    def batch(*shipments: str) -> types.ImportPaymentsRequest:
        return types.ImportPaymentsRequest(
            batch=types.ImportPaymentsBatch(
                rows=[types.ImportPaymentsRow(line=i + 2, shipper=shipper, fee_line=fee_line(s, 30)) for i, s in enumerate(shipments)]
            )
        )

    if bad_message == "second header":
        bad = types.ImportPaymentsRequest(header=types.ImportPaymentsHeader(carrier="UPS"))
        field = "header"
    else:
        bad = batch(*[f"BIG{i}" for i in range(5001)])
        field = "batch.rows"
    # All sent at once: the server reads ahead and may take the good batches and the bad message
    # together; the good ones are applied all the same.
    stream = [types.ImportPaymentsRequest(header=types.ImportPaymentsHeader(carrier="UPS")), batch("G1", "G2"), batch("G3"), bad, batch("AFTER")]
    with grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            payment_pb2_grpc.PaymentServiceStub(channel).ImportPayments(iter(stream), metadata=admin_metadata, timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    request = error_details_pb2.BadRequest()
    assert any(d.Unpack(request) for d in status.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR))
    assert [v.field for v in request.field_violations] == [field]
    stored = sorted(line.shipment_reference for line in client.list_fee_lines(shipper))
    assert stored == ["G1", "G2", "G3"]
