"""The fee-payment ledger: billed fee lines, payments against them, and their standing counters.

A fee line is one fee billed for one shipment, keyed by (carrier, shipment reference, fee type).
Every line contributes fixed counters to the day bucket of its shipment (see `contribution`);
storage keeps those buckets up to date with the difference each change makes, so reading a
shipper's standing sums at most one bucket a day of the look-back window, however many shipments
it has. Only the time-dependent part (what is overdue now) is read from the open lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache, partial
from typing import NamedTuple

from knownparty_service.domain.policy import RepeatCustomerPolicy

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def record_builder(cls):
    """(fields as one tuple) -> a `cls` named tuple, without the Python-level __new__ that
    namedtuple generates (a frame a call, twice the cost): for the records an import builds for
    every row. The caller gives every field, in order."""
    return partial(tuple.__new__, cls)


class FeeType(StrEnum):
    DUTY = "duty"
    TAX = "tax"
    GOVERNMENT_FEE = "government_fee"
    CARRIER_FEE = "carrier_fee"


class FeeResolution(StrEnum):
    NONE = "none"
    DISPUTED = "disputed"
    WAIVED = "waived"
    WRITTEN_OFF = "written_off"


class FeeKey(NamedTuple):
    carrier: str
    shipment_reference: str
    fee_type: FeeType


class PaymentRecord(NamedTuple):
    payment_reference: str
    amount_minor: int
    currency: str
    paid_time: datetime


class FeeInput(NamedTuple):
    """A billed fee line as a carrier reports it."""

    key: FeeKey
    shipment_time: datetime
    currency: str
    billed_minor: int
    bill_time: datetime
    due_time: datetime
    resolution: FeeResolution = FeeResolution.NONE


class FeeLine(NamedTuple):
    """A stored fee line with its payments (a named tuple: an import builds one per row)."""

    line_id: str
    party_id: str
    bill: FeeInput
    payments: tuple[PaymentRecord, ...] = ()
    update_time: datetime | None = None

    @property
    def key(self) -> FeeKey:
        return self.bill.key

    @property
    def paid_minor(self) -> int:
        return sum(p.amount_minor for p in self.payments)

    @property
    def name(self) -> str:
        return f"parties/{self.party_id}/feeLines/{self.line_id}"


def day_number(moment: datetime) -> int:
    """Whole UTC days since 1970-01-01: the bucket a shipment falls in."""
    return (moment - EPOCH).days


def day_start(day: int) -> datetime:
    return EPOCH + timedelta(days=day)


def settle_time(line: FeeLine, policy: RepeatCustomerPolicy) -> datetime | None:
    """When the payments first covered the bill, within the policy's tolerance; None if never."""
    payments = line.payments
    if not payments:
        return None
    billed = line.bill.billed_minor
    needed = billed - billed * policy.payment_tolerance_bps // 10_000
    if len(payments) == 1:
        return payments[0].paid_time if payments[0].amount_minor >= needed else None
    paid = 0
    for payment in sorted(payments, key=lambda p: (p.paid_time, p.payment_reference)):
        paid += payment.amount_minor
        if paid >= needed:
            return payment.paid_time
    return None


COUNTER_NAMES = ("fee_lines", "settled_on_time", "settled_late", "written_off")


class Contribution(NamedTuple):
    """What one fee line adds to its shipment day's bucket (not counting the shipment itself)."""

    day: int
    # In the order of COUNTER_NAMES.
    counters: tuple[int, int, int, int]
    currency: str
    billed_minor: int
    paid_minor: int
    # When it went unpaid past due plus grace: paid late or written off. None otherwise.
    default_time: datetime | None = None


class LineFacts(NamedTuple):
    """Everything derived from one line under the policy, computed once."""

    settle_time: datetime | None
    is_open: bool
    contribution: Contribution


_UNPAID_COUNTERS = (1, 0, 0, 0)
_line_facts = record_builder(LineFacts)
_contribution = record_builder(Contribution)


def line_facts(line: FeeLine, policy: RepeatCustomerPolicy) -> LineFacts:
    bill = line.bill
    resolution = bill.resolution
    payments = line.payments
    if not payments and resolution is FeeResolution.NONE:
        # The common case, a line just billed: open, nothing settled, nothing defaulted.
        day = (bill.shipment_time - EPOCH).days
        return _line_facts((None, True, _contribution((day, _UNPAID_COUNTERS, bill.currency, bill.billed_minor, 0, None))))
    settled = settle_time(line, policy)
    on_time = late = written_off = 0
    default_time = None
    if settled is None:
        if resolution is FeeResolution.WRITTEN_OFF:
            written_off = 1
            default_time = bill.due_time + _grace(policy.grace_period_days)
    elif resolution is not FeeResolution.WAIVED:
        deadline = bill.due_time + _grace(policy.grace_period_days)
        if settled <= deadline:
            on_time = 1
        else:
            late = 1
            default_time = deadline
    still_owed = settled is None and resolution is not FeeResolution.WAIVED and resolution is not FeeResolution.WRITTEN_OFF
    share = Contribution(
        (bill.shipment_time - EPOCH).days,
        (1, on_time, late, written_off),
        bill.currency,
        bill.billed_minor,
        payments[0].amount_minor if len(payments) == 1 else sum(p.amount_minor for p in payments),
        default_time,
    )
    return LineFacts(settled, still_owed, share)


@lru_cache(maxsize=64)
def _grace(days: int) -> timedelta:
    return timedelta(days=days)


def contribution(line: FeeLine, policy: RepeatCustomerPolicy) -> Contribution:
    return line_facts(line, policy).contribution


def difference(
    old: Contribution | None, new: Contribution
) -> tuple[tuple[int, int, int, int], list[tuple[str, int, int]]]:
    """Counter changes, and (currency, billed change, paid change) amounts, that turn the `old`
    contribution into `new` (both on the same day: a shipment's time never changes)."""
    if old is None:
        return new.counters, [(new.currency, new.billed_minor, new.paid_minor)]
    counters = tuple(n - o for n, o in zip(new.counters, old.counters))
    if old.currency == new.currency:
        amounts = [(new.currency, new.billed_minor - old.billed_minor, new.paid_minor - old.paid_minor)]
    else:
        amounts = [(old.currency, -old.billed_minor, -old.paid_minor), (new.currency, new.billed_minor, new.paid_minor)]
    return counters, [a for a in amounts if a[1] or a[2]]


# -- standing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowTotals:
    """Sums of the day buckets inside the look-back window."""

    shipments: int = 0
    first_shipment_time: datetime | None = None
    last_shipment_time: datetime | None = None
    counters: Counter = field(default_factory=Counter)
    billed: dict[str, int] = field(default_factory=dict)
    paid: dict[str, int] = field(default_factory=dict)


class OpenLine(NamedTuple):
    currency: str
    billed_minor: int
    paid_minor: int
    due_time: datetime
    resolution: FeeResolution


@dataclass(frozen=True)
class StandingReason:
    code: str
    message: str


@dataclass(frozen=True)
class PaymentStanding:
    party_id: str
    policy_version: str
    as_of: datetime
    window_start: datetime
    shipments: int
    first_shipment_time: datetime | None
    last_shipment_time: datetime | None
    billed: dict[str, int]
    paid: dict[str, int]
    outstanding: dict[str, int]
    overdue: dict[str, int]
    fee_lines: int
    settled_on_time: int
    settled_late: int
    overdue_lines: int
    written_off_lines: int
    on_time_ratio: float
    last_default_time: datetime | None
    repeat_customer: bool
    reasons: tuple[StandingReason, ...]


def window_start_day(now: datetime, policy: RepeatCustomerPolicy) -> int:
    """The first day inside the window: today and the look_back_days - 1 days before it."""
    return day_number(now) - policy.look_back_days + 1


def standing(
    party_id: str,
    window: WindowTotals,
    open_lines: list[OpenLine],
    last_recorded_default: datetime | None,
    now: datetime,
    policy_version: str,
    policy: RepeatCustomerPolicy,
) -> PaymentStanding:
    grace = timedelta(days=policy.grace_period_days)
    outstanding: Counter = Counter()
    overdue: Counter = Counter()
    overdue_lines = 0
    last_default = last_recorded_default
    for line in open_lines:
        owed = max(0, line.billed_minor - line.paid_minor)
        outstanding[line.currency] += owed
        deadline = line.due_time + grace
        if line.resolution is FeeResolution.NONE and now > deadline:
            overdue[line.currency] += owed
            overdue_lines += 1
            last_default = max(last_default, deadline) if last_default else deadline
    on_time = window.counters["settled_on_time"]
    late = window.counters["settled_late"]
    due = on_time + late + overdue_lines
    ratio = on_time / due if due else 1.0
    written_off = window.counters["written_off"]

    reasons = []
    if window.shipments < policy.minimum_shipments:
        reasons.append(
            StandingReason(
                "TOO_FEW_SHIPMENTS",
                f"{window.shipments} shipments in the last {policy.look_back_days} days; "
                f"the policy needs {policy.minimum_shipments}",
            )
        )
    span_days = (
        (window.last_shipment_time - window.first_shipment_time).days if window.first_shipment_time else 0
    )
    if span_days < policy.minimum_span_days:
        reasons.append(
            StandingReason(
                "SPAN_TOO_SHORT",
                f"shipments span {span_days} days; the policy needs {policy.minimum_span_days}",
            )
        )
    if overdue_lines:
        reasons.append(
            StandingReason(
                "OVERDUE_BALANCE",
                f"{overdue_lines} fee lines are unpaid more than {policy.grace_period_days} days past due",
            )
        )
    if ratio < policy.minimum_on_time_ratio:
        reasons.append(
            StandingReason(
                "LATE_PAYMENTS",
                f"{ratio:.1%} of due fee lines were paid on time; the policy needs "
                f"{policy.minimum_on_time_ratio:.1%}",
            )
        )
    if written_off > policy.maximum_write_offs:
        reasons.append(
            StandingReason(
                "WRITE_OFFS",
                f"{written_off} fee lines written off in the window; the policy allows {policy.maximum_write_offs}",
            )
        )
    repeat = not reasons
    if repeat:
        reasons.append(
            StandingReason(
                "REPEAT_CUSTOMER",
                f"{window.shipments} shipments over {span_days} days, {ratio:.1%} paid on time, nothing overdue",
            )
        )
    return PaymentStanding(
        party_id=party_id,
        policy_version=policy_version,
        as_of=now,
        window_start=day_start(window_start_day(now, policy)),
        shipments=window.shipments,
        first_shipment_time=window.first_shipment_time,
        last_shipment_time=window.last_shipment_time,
        billed=dict(sorted(window.billed.items())),
        paid=dict(sorted(window.paid.items())),
        outstanding={c: v for c, v in sorted(outstanding.items()) if v},
        overdue={c: v for c, v in sorted(overdue.items()) if v},
        fee_lines=window.counters["fee_lines"],
        settled_on_time=on_time,
        settled_late=late,
        overdue_lines=overdue_lines,
        written_off_lines=written_off,
        on_time_ratio=ratio,
        last_default_time=last_default,
        repeat_customer=repeat,
        reasons=tuple(reasons),
    )


def recompute_window(
    lines: list[FeeLine], shipment_times: list[datetime], now: datetime, policy: RepeatCustomerPolicy
) -> tuple[WindowTotals, list[OpenLine], datetime | None]:
    """The standing's inputs straight from the ledger, without buckets: the test oracle and the
    rebuild after a policy change."""
    first_day = window_start_day(now, policy)
    in_window = [t for t in shipment_times if day_number(t) >= first_day]
    counters: Counter = Counter()
    billed: Counter = Counter()
    paid: Counter = Counter()
    last_default = None
    open_lines = []
    for line in lines:
        facts = line_facts(line, policy)
        share = facts.contribution
        if share.default_time and (last_default is None or share.default_time > last_default):
            last_default = share.default_time
        if facts.is_open:
            open_lines.append(
                OpenLine(line.bill.currency, line.bill.billed_minor, line.paid_minor, line.bill.due_time, line.bill.resolution)
            )
        if share.day < first_day:
            continue
        counters.update({name: value for name, value in zip(COUNTER_NAMES, share.counters) if value})
        billed[share.currency] += share.billed_minor
        paid[share.currency] += share.paid_minor
    totals = WindowTotals(
        shipments=len(in_window),
        first_shipment_time=min(in_window) if in_window else None,
        last_shipment_time=max(in_window) if in_window else None,
        counters=counters,
        billed={c: v for c, v in billed.items() if v},
        paid={c: v for c, v in paid.items() if v},
    )
    return totals, open_lines, last_default


def with_payment(line: FeeLine, payment: PaymentRecord, now: datetime) -> FeeLine:
    return line._replace(payments=(*line.payments, payment), update_time=now)
