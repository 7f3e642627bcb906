"""Reads a carrier's daily fee file (CSV) into ImportPaymentsRow messages.

Columns (header row required; order free; extra columns are an error so typos surface):

    record              fee | payment
    shipper             the shipper's party id or `parties/{id}`
    carrier             the carrier's code (must match --carrier)
    shipment_reference  the carrier's shipment number
    fee_type            duty | tax | government_fee | carrier_fee
    amount              integer minor units (cents): 1250 is USD 12.50; never a decimal
    currency            ISO 4217, like USD
    shipment_time       fee rows: ISO 8601 time with offset, or a date (midnight UTC)
    bill_time           fee rows
    due_time            fee rows
    resolution          fee rows, optional: none | disputed | waived | written_off
    payment_reference   payment rows: the carrier's payment id (idempotency key)
    paid_time           payment rows

A row that cannot be read (a bad number, a bad time) is reported with its line number and is
not sent; the server validates the rest and reports its own rejections the same way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TextIO

from knownparty_client import types

COLUMNS = (
    "record",
    "shipper",
    "carrier",
    "shipment_reference",
    "fee_type",
    "amount",
    "currency",
    "shipment_time",
    "bill_time",
    "due_time",
    "resolution",
    "payment_reference",
    "paid_time",
)
REQUIRED_COLUMNS = ("record", "shipper", "carrier", "shipment_reference", "fee_type", "amount", "currency")

FEE_TYPES = {
    "duty": types.FEE_TYPE_DUTY,
    "tax": types.FEE_TYPE_TAX,
    "government_fee": types.FEE_TYPE_GOVERNMENT_FEE,
    "carrier_fee": types.FEE_TYPE_CARRIER_FEE,
}
RESOLUTIONS = {
    "": types.FEE_RESOLUTION_UNSPECIFIED,
    "none": types.FEE_RESOLUTION_NONE,
    "disputed": types.FEE_RESOLUTION_DISPUTED,
    "waived": types.FEE_RESOLUTION_WAIVED,
    "written_off": types.FEE_RESOLUTION_WRITTEN_OFF,
}


class FileFormatError(ValueError):
    """The file as a whole cannot be read (no header, unknown columns)."""


@dataclass(frozen=True)
class LocalRowError:
    line: int
    field: str
    reason: str


def _timestamp(text: str, column: str) -> types.Timestamp | None:
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _RowError(column, f"{text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        if len(text) > 10:
            raise _RowError(column, f"{text!r} has no UTC offset (add Z or +00:00)")
        moment = moment.replace(tzinfo=timezone.utc)
    stamp = types.Timestamp()
    stamp.FromDatetime(moment.astimezone(timezone.utc))
    return stamp


class _RowError(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _amount(text: str) -> int:
    text = text.strip()
    if not text or not (text.isdigit() or (text[0] == "-" and text[1:].isdigit())):
        raise _RowError("amount", f"{text!r} is not a whole number of minor units")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise _RowError("amount", "does not fit in 64 bits")
    return value


def _money(row: dict[str, str]) -> types.Money:
    return types.Money(currency_code=row["currency"].strip(), amount_minor=_amount(row["amount"]))


def _convert(row: dict[str, str], line: int) -> types.ImportPaymentsRow:
    kind = row["record"].strip().lower()
    fee_type_text = row["fee_type"].strip().lower()
    if fee_type_text not in FEE_TYPES:
        raise _RowError("fee_type", f"{row['fee_type']!r} is not one of {', '.join(FEE_TYPES)}")
    fee_type = FEE_TYPES[fee_type_text]
    message = types.ImportPaymentsRow(line=line, shipper=row["shipper"].strip())
    if kind == "fee":
        resolution = row.get("resolution", "").strip().lower()
        if resolution not in RESOLUTIONS:
            raise _RowError("resolution", f"{resolution!r} is not one of {', '.join(k for k in RESOLUTIONS if k)}")
        fee = message.fee_line
        fee.carrier = row["carrier"].strip()
        fee.shipment_reference = row["shipment_reference"].strip()
        fee.fee_type = fee_type
        fee.billed.CopyFrom(_money(row))
        fee.resolution = RESOLUTIONS[resolution]
        for column in ("shipment_time", "bill_time", "due_time"):
            stamp = _timestamp(row.get(column, ""), column)
            if stamp is not None:
                getattr(fee, column).CopyFrom(stamp)
    elif kind == "payment":
        payment = message.payment
        payment.shipment_reference = row["shipment_reference"].strip()
        payment.fee_type = fee_type
        payment.payment.payment_reference = row.get("payment_reference", "").strip()
        payment.payment.amount.CopyFrom(_money(row))
        stamp = _timestamp(row.get("paid_time", ""), "paid_time")
        if stamp is not None:
            payment.payment.paid_time.CopyFrom(stamp)
    else:
        raise _RowError("record", f"{row['record']!r} is neither 'fee' nor 'payment'")
    return message


def read_rows(handle: TextIO, carrier: str, errors: list[LocalRowError]) -> Iterator[types.ImportPaymentsRow]:
    """Checks the header at once (FileFormatError), then returns an iterator over the rows that
    could be read; the others are appended to `errors` (line numbers count the header as line 1).
    Payment rows of another carrier are reported here, as the message has no carrier of its own."""
    reader = csv.DictReader(handle)
    if reader.fieldnames is None:
        raise FileFormatError("the file is empty: a header row is required")
    header = [name.strip() for name in reader.fieldnames]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise FileFormatError(f"unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise FileFormatError(f"missing columns: {', '.join(missing)}")
    reader.fieldnames = header
    return _rows(reader, carrier, errors)


def _rows(reader: csv.DictReader, carrier: str, errors: list[LocalRowError]) -> Iterator[types.ImportPaymentsRow]:
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            errors.append(LocalRowError(line, "", "the row has a different number of fields than the header"))
            continue
        try:
            if row["record"].strip().lower() == "payment" and row["carrier"].strip() != carrier:
                raise _RowError("carrier", f"is {row['carrier'].strip()!r}; this file is carrier {carrier!r}")
            yield _convert(row, line)
        except _RowError as exc:
            errors.append(LocalRowError(line, exc.field, exc.reason))
