"""Validation of fee lines and payments as carriers send them, every bad field at once."""

from __future__ import annotations

import re
from typing import NamedTuple
from datetime import datetime, timedelta

from knownparty_service.domain.errors import ValidationError, ViolationCollector
from knownparty_service.domain.money import MAX_AMOUNT_MINOR, check_amount, check_currency, is_known_currency
from knownparty_service.domain.party_rules import clean_text
from knownparty_service.domain.payments import (
    FeeInput,
    FeeKey,
    FeeLine,
    FeeResolution,
    FeeType,
    PaymentRecord,
    record_builder,
)

MAX_REFERENCE = 100
# Times a little ahead of our clock are tolerated; anything later is a data error.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
MAX_PAYMENT_TERM = timedelta(days=366)
_CARRIER = re.compile(r"[A-Za-z0-9._-]{1,64}")
_fee_key, _fee_input, _payment_record = record_builder(FeeKey), record_builder(FeeInput), record_builder(PaymentRecord)


class FeeDraft(NamedTuple):
    carrier: str
    shipment_reference: str
    fee_type: FeeType | None
    shipment_time: datetime | None
    currency: str
    billed_minor: int
    bill_time: datetime | None
    due_time: datetime | None
    resolution: FeeResolution | None = None


class PaymentDraft(NamedTuple):
    carrier: str
    shipment_reference: str
    fee_type: FeeType | None
    payment_reference: str
    currency: str
    amount_minor: int
    paid_time: datetime | None


def check_carrier(carrier: str, path: str, errors: ViolationCollector) -> str:
    carrier = carrier.strip()
    if not _CARRIER.fullmatch(carrier):
        errors.add(path, "must be 1 to 64 letters, digits, '.', '_' or '-'")
    return carrier


def _past_time(value: datetime | None, path: str, now: datetime, errors: ViolationCollector) -> None:
    if value is None:
        errors.add(path, "is required")
    elif value > now + CLOCK_SKEW:
        errors.add(path, "is in the future")
    elif value < EARLIEST:
        errors.add(path, "is before 2000-01-01")


def _money(currency: str, amount: int, path: str, errors: ViolationCollector) -> None:
    try:
        check_currency(currency)
    except ValueError as exc:
        errors.add(f"{path}.currency_code", str(exc))
    try:
        check_amount(amount)
    except ValueError as exc:
        errors.add(f"{path}.amount_minor", str(exc))


def _plain_reference(value: str) -> bool:
    """Already clean: ASCII, printable, trimmed, not over-long (what clean_text would keep as is)."""
    return (
        0 < len(value) <= MAX_REFERENCE
        and value.isascii()
        and value.isprintable()
        and value[0] != " "
        and value[-1] != " "
    )


def validate_fee(draft: FeeDraft, now: datetime, prefix: str = "fee_line") -> FeeInput:
    # The common case, a valid row, is recognised with cheap checks; anything else goes through
    # the full validation below, which reports every bad field with its path.
    bill_time, due_time, shipment_time = draft.bill_time, draft.due_time, draft.shipment_time
    latest = now + CLOCK_SKEW
    if (
        draft.fee_type is not None
        and bill_time is not None
        and due_time is not None
        and shipment_time is not None
        and EARLIEST <= shipment_time <= latest
        and EARLIEST <= bill_time <= latest
        and bill_time <= due_time <= bill_time + MAX_PAYMENT_TERM
        and 0 < draft.billed_minor <= MAX_AMOUNT_MINOR
        and is_known_currency(draft.currency)
        and _plain_reference(draft.shipment_reference)
        and _CARRIER.fullmatch(draft.carrier)
    ):
        return _fee_input(
            (
                _fee_key((draft.carrier, draft.shipment_reference, draft.fee_type)),
                shipment_time,
                draft.currency,
                draft.billed_minor,
                bill_time,
                due_time,
                draft.resolution or FeeResolution.NONE,
            )
        )
    errors = ViolationCollector()
    carrier = check_carrier(draft.carrier, f"{prefix}.carrier", errors)
    reference = clean_text(draft.shipment_reference, f"{prefix}.shipment_reference", MAX_REFERENCE, errors, required=True)
    if draft.fee_type is None:
        errors.add(f"{prefix}.fee_type", "is required")
    _past_time(draft.shipment_time, f"{prefix}.shipment_time", now, errors)
    _money(draft.currency, draft.billed_minor, f"{prefix}.billed", errors)
    _past_time(draft.bill_time, f"{prefix}.bill_time", now, errors)
    if draft.due_time is None:
        errors.add(f"{prefix}.due_time", "is required")
    elif draft.bill_time is not None:
        if draft.due_time < draft.bill_time:
            errors.add(f"{prefix}.due_time", "is before bill_time")
        elif draft.due_time > draft.bill_time + MAX_PAYMENT_TERM:
            errors.add(f"{prefix}.due_time", "is more than 366 days after bill_time")
    errors.raise_if_any()
    return FeeInput(
        key=FeeKey(carrier, reference, draft.fee_type),
        shipment_time=draft.shipment_time,
        currency=draft.currency,
        billed_minor=draft.billed_minor,
        bill_time=draft.bill_time,
        due_time=draft.due_time,
        resolution=draft.resolution or FeeResolution.NONE,
    )


def validate_payment(draft: PaymentDraft, now: datetime, prefix: str = "payment") -> tuple[FeeKey, PaymentRecord]:
    paid_time = draft.paid_time
    if (
        draft.fee_type is not None
        and paid_time is not None
        and EARLIEST <= paid_time <= now + CLOCK_SKEW
        and 0 < draft.amount_minor <= MAX_AMOUNT_MINOR
        and is_known_currency(draft.currency)
        and _plain_reference(draft.shipment_reference)
        and _plain_reference(draft.payment_reference)
        and _CARRIER.fullmatch(draft.carrier)
    ):
        return _fee_key((draft.carrier, draft.shipment_reference, draft.fee_type)), _payment_record(
            (draft.payment_reference, draft.amount_minor, draft.currency, paid_time)
        )
    errors = ViolationCollector()
    carrier = check_carrier(draft.carrier, "carrier", errors)
    reference = clean_text(draft.shipment_reference, "shipment_reference", MAX_REFERENCE, errors, required=True)
    if draft.fee_type is None:
        errors.add("fee_type", "is required")
    payment_reference = clean_text(
        draft.payment_reference, f"{prefix}.payment_reference", MAX_REFERENCE, errors, required=True
    )
    _money(draft.currency, draft.amount_minor, f"{prefix}.amount", errors)
    _past_time(draft.paid_time, f"{prefix}.paid_time", now, errors)
    errors.raise_if_any()
    return FeeKey(carrier, reference, draft.fee_type), PaymentRecord(
        payment_reference, draft.amount_minor, draft.currency, draft.paid_time
    )


def check_payment_fits(line: FeeLine, payment: PaymentRecord, prefix: str = "payment") -> None:
    """A payment must be in the bill's currency and cannot predate the bill."""
    errors = ViolationCollector()
    if payment.currency != line.bill.currency:
        errors.add(f"{prefix}.amount.currency_code", f"is {payment.currency}; the fee was billed in {line.bill.currency}")
    if payment.paid_time < line.bill.bill_time:
        errors.add(f"{prefix}.paid_time", "is before the fee was billed")
    errors.raise_if_any()


def check_fee_fits(existing: FeeLine, fee: FeeInput, prefix: str = "fee_line") -> None:
    """A correction may not move the shipment in time nor break its recorded payments."""
    errors = ViolationCollector()
    if fee.currency != existing.bill.currency and existing.payments:
        errors.add(f"{prefix}.billed.currency_code", "cannot change once payments are recorded")
    if existing.payments and min(p.paid_time for p in existing.payments) < fee.bill_time:
        errors.add(f"{prefix}.bill_time", "is after a recorded payment")
    errors.raise_if_any()


__all__ = [
    "FeeDraft",
    "PaymentDraft",
    "ValidationError",
    "validate_fee",
    "validate_payment",
    "check_payment_fits",
    "check_fee_fits",
]
