"""Translation between knownparty.v1 payment messages and the ledger's domain models."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from knownparty_client._generated import money_pb2
from knownparty_client._generated import payment_pb2 as pb
from knownparty_service.api.party_messages import MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS, checked_time_in, enum_in, time_out
from knownparty_service.domain.errors import FieldViolation, ViolationCollector
from knownparty_service.domain.payment_rules import FeeDraft, PaymentDraft
from knownparty_service.domain.payments import FeeLine, FeeResolution, FeeType, PaymentStanding, record_builder

FEE_TYPES = {
    pb.FEE_TYPE_DUTY: FeeType.DUTY,
    pb.FEE_TYPE_TAX: FeeType.TAX,
    pb.FEE_TYPE_GOVERNMENT_FEE: FeeType.GOVERNMENT_FEE,
    pb.FEE_TYPE_CARRIER_FEE: FeeType.CARRIER_FEE,
}
RESOLUTIONS = {
    pb.FEE_RESOLUTION_NONE: FeeResolution.NONE,
    pb.FEE_RESOLUTION_DISPUTED: FeeResolution.DISPUTED,
    pb.FEE_RESOLUTION_WAIVED: FeeResolution.WAIVED,
    pb.FEE_RESOLUTION_WRITTEN_OFF: FeeResolution.WRITTEN_OFF,
}
FEE_TYPES_OUT = {v: k for k, v in FEE_TYPES.items()}
RESOLUTIONS_OUT = {v: k for k, v in RESOLUTIONS.items()}


def fee_draft(message: pb.FeeLine, errors: ViolationCollector, prefix: str = "fee_line") -> FeeDraft:
    return FeeDraft(
        carrier=message.carrier,
        shipment_reference=message.shipment_reference,
        fee_type=enum_in(FEE_TYPES, message.fee_type, f"{prefix}.fee_type", errors),
        shipment_time=checked_time_in(
            message.shipment_time, message.HasField("shipment_time"), f"{prefix}.shipment_time", errors
        ),
        currency=message.billed.currency_code,
        billed_minor=message.billed.amount_minor,
        bill_time=checked_time_in(message.bill_time, message.HasField("bill_time"), f"{prefix}.bill_time", errors),
        due_time=checked_time_in(message.due_time, message.HasField("due_time"), f"{prefix}.due_time", errors),
        resolution=enum_in(RESOLUTIONS, message.resolution, f"{prefix}.resolution", errors),
    )


def payment_draft(
    carrier: str, shipment_reference: str, fee_type: int, payment: pb.Payment, errors: ViolationCollector
) -> PaymentDraft:
    return PaymentDraft(
        carrier=carrier,
        shipment_reference=shipment_reference,
        fee_type=enum_in(FEE_TYPES, fee_type, "fee_type", errors),
        payment_reference=payment.payment_reference,
        currency=payment.amount.currency_code,
        amount_minor=payment.amount.amount_minor,
        paid_time=checked_time_in(payment.paid_time, payment.HasField("paid_time"), "payment.paid_time", errors),
    )


class TimeCache(dict):
    """(seconds, nanos) of a Timestamp -> aware datetime, remembered for one batch (the lines of a
    shipment share their times); INVALID_TIME for a value outside the Timestamp range. A dict
    subclass so that a hit is a plain subscript, without a Python call."""

    __slots__ = ()

    def __missing__(self, key: tuple[int, int]):
        seconds, nanos = key
        if MIN_TIMESTAMP_SECONDS <= seconds <= MAX_TIMESTAMP_SECONDS and 0 <= nanos <= 999_999_999:
            # Three times cheaper than fromtimestamp(...).replace(microsecond=...).
            found = _EPOCH + timedelta(0, seconds, nanos // 1000)
        else:
            found = INVALID_TIME
        self[key] = found
        return found


INVALID_TIME = object()
_fee_draft, _payment_draft = record_builder(FeeDraft), record_builder(PaymentDraft)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def import_row(carrier: str, row: pb.ImportPaymentsRow, times: TimeCache):
    """(line, shipper, draft, violations found while translating the message) of one import row.

    The common case, well-formed enums and times, is translated inline; anything else goes
    through the checked translation, which names every bad field."""
    record = row.WhichOneof("record")
    if record == "fee_line":
        m = row.fee_line
        fee_type, resolution = FEE_TYPES.get(m.fee_type), RESOLUTIONS.get(m.resolution)
        has = m.HasField
        shipment_time = bill_time = due_time = None
        if has("shipment_time"):
            t = m.shipment_time
            shipment_time = times[(t.seconds, t.nanos)]
        if has("bill_time"):
            t = m.bill_time
            bill_time = times[(t.seconds, t.nanos)]
        if has("due_time"):
            t = m.due_time
            due_time = times[(t.seconds, t.nanos)]
        if (
            (fee_type is None and m.fee_type)
            or (resolution is None and m.resolution)
            or shipment_time is INVALID_TIME
            or bill_time is INVALID_TIME
            or due_time is INVALID_TIME
        ):
            errors = ViolationCollector()
            return row.line, row.shipper, fee_draft(m, errors), errors.violations
        billed = m.billed
        draft = _fee_draft(
            (
                m.carrier,
                m.shipment_reference,
                fee_type,
                shipment_time,
                billed.currency_code,
                billed.amount_minor,
                bill_time,
                due_time,
                resolution,
            )
        )
        return row.line, row.shipper, draft, ()
    if record == "payment":
        p = row.payment
        payment = p.payment
        fee_type = FEE_TYPES.get(p.fee_type)
        paid_time = None
        if payment.HasField("paid_time"):
            t = payment.paid_time
            paid_time = times[(t.seconds, t.nanos)]
        if (fee_type is None and p.fee_type) or paid_time is INVALID_TIME:
            errors = ViolationCollector()
            # A payment row belongs to the file's carrier.
            return row.line, row.shipper, payment_draft(carrier, p.shipment_reference, p.fee_type, payment, errors), errors.violations
        amount = payment.amount
        draft = _payment_draft(
            (
                carrier,
                p.shipment_reference,
                fee_type,
                payment.payment_reference,
                amount.currency_code,
                amount.amount_minor,
                paid_time,
            )
        )
        return row.line, row.shipper, draft, ()
    return row.line, row.shipper, None, [FieldViolation("record", "a row is a fee_line or a payment")]


def fee_line_to_message(line: FeeLine, settled_at, message: pb.FeeLine | None = None) -> pb.FeeLine:
    message = message if message is not None else pb.FeeLine()
    bill = line.bill
    message.name = line.name
    message.carrier = bill.key.carrier
    message.shipment_reference = bill.key.shipment_reference
    message.fee_type = FEE_TYPES_OUT[bill.key.fee_type]
    time_out(bill.shipment_time, message.shipment_time)
    message.billed.currency_code = bill.currency
    message.billed.amount_minor = bill.billed_minor
    time_out(bill.bill_time, message.bill_time)
    time_out(bill.due_time, message.due_time)
    message.resolution = RESOLUTIONS_OUT[bill.resolution]
    message.paid.currency_code = bill.currency
    message.paid.amount_minor = line.paid_minor
    for payment in line.payments:
        out = message.payments.add(payment_reference=payment.payment_reference)
        out.amount.currency_code = payment.currency
        out.amount.amount_minor = payment.amount_minor
        time_out(payment.paid_time, out.paid_time)
    if settled_at is not None:
        time_out(settled_at, message.settle_time)
    if line.update_time is not None:
        time_out(line.update_time, message.update_time)
    return message


def _monies(amounts: dict[str, int]) -> list[money_pb2.Money]:
    return [money_pb2.Money(currency_code=c, amount_minor=v) for c, v in amounts.items()]


def standing_to_message(s: PaymentStanding) -> pb.PaymentStanding:
    message = pb.PaymentStanding(
        party=f"parties/{s.party_id}",
        policy_version=s.policy_version,
        shipments=s.shipments,
        billed=_monies(s.billed),
        paid=_monies(s.paid),
        outstanding=_monies(s.outstanding),
        overdue=_monies(s.overdue),
        fee_lines=s.fee_lines,
        settled_on_time=s.settled_on_time,
        settled_late=s.settled_late,
        overdue_lines=s.overdue_lines,
        written_off_lines=s.written_off_lines,
        on_time_ratio=s.on_time_ratio,
        repeat_customer=s.repeat_customer,
        reasons=[pb.StandingReason(code=r.code, message=r.message) for r in s.reasons],
    )
    time_out(s.as_of, message.as_of)
    time_out(s.window_start, message.window_start)
    if s.first_shipment_time:
        time_out(s.first_shipment_time, message.first_shipment_time)
    if s.last_shipment_time:
        time_out(s.last_shipment_time, message.last_shipment_time)
    if s.last_default_time:
        time_out(s.last_default_time, message.last_default_time)
    return message
