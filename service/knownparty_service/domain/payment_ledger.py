"""Use cases of the fee-payment ledger: record fees and payments, bulk import, read standing."""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, Protocol

from knownparty_service.domain.access import current_organization
from knownparty_service.domain.bounded_cache import BoundedCache
from knownparty_service.domain.errors import (
    DomainError,
    FailedPreconditionError,
    FieldViolation,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from knownparty_service.domain.ownership import PartyOwners
from knownparty_service.domain.paging import decode_page_token, encode_page_token, fingerprint, resolve_page_size
from knownparty_service.domain.party_registry import parse_party_name, utc_now
from knownparty_service.domain.payment_rules import (
    FeeDraft,
    PaymentDraft,
    check_carrier,
    check_fee_fits,
    check_payment_fits,
    validate_fee,
    validate_payment,
)
from knownparty_service.domain.payments import (
    FeeInput,
    FeeKey,
    FeeLine,
    OpenLine,
    PaymentRecord,
    PaymentStanding,
    WindowTotals,
    record_builder,
    standing,
    day_number,
    day_start,
    window_start_day,
)
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.policy import Policy

MAX_BATCH_ROWS = 5000
_COMPUTED_CACHE_SIZE = 50_000
_SHIPPER_NAMES_CACHE_SIZE = 50_000
MAX_REPORTED_ERRORS = 1000


class RowRejected(DomainError):
    """One ledger row cannot be applied; `field` names the offending field of the row."""

    reason = "ROW_REJECTED"

    def __init__(self, field_path: str, message: str, *, kind: type[DomainError] = FailedPreconditionError, reason: str = ""):
        super().__init__(message, reason=reason or None)
        self.field = field_path
        self.kind = kind

    def as_error(self) -> DomainError:
        if self.kind is ValidationError:
            return ValidationError([FieldViolation(self.field, self.message)], reason=self.reason)
        return self.kind(f"{self.field}: {self.message}", reason=self.reason, metadata={"field": self.field})


class LedgerRow(NamedTuple):
    line: int
    shipper_id: str
    fee: FeeInput | None = None
    payment: tuple[FeeKey, PaymentRecord] | None = None


class RowOutcome(NamedTuple):
    line: int
    status: str  # "fee", "payment", "unchanged" or "rejected"
    fee_line: FeeLine | None = None
    rejection: RowRejected | None = None


@dataclass
class ImportSummary:
    rows_received: int = 0
    fees_recorded: int = 0
    payments_recorded: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def count(self, outcome: RowOutcome) -> None:
        if outcome.status == "fee":
            self.fees_recorded += 1
        elif outcome.status == "payment":
            self.payments_recorded += 1
        elif outcome.status == "unchanged":
            self.rows_unchanged += 1
        else:
            self.reject(outcome.line, outcome.rejection.field, outcome.rejection.message)

    def count_all(self, outcomes: list[RowOutcome]) -> set[str]:
        """Counts a batch's outcomes; returns the shippers whose ledger changed."""
        changed = set()
        for outcome in outcomes:
            status = outcome.status
            if status == "fee":
                self.fees_recorded += 1
            elif status == "payment":
                self.payments_recorded += 1
            elif status == "unchanged":
                self.rows_unchanged += 1
                continue
            else:
                self.count(outcome)
                continue
            changed.add(outcome.fee_line.party_id)
        return changed

    def reject(self, line: int, field_path: str, reason: str) -> None:
        self.rows_rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((line, field_path, reason))


# -- decisions on one row, given what is stored --------------------------------------------------


class ShipmentRecord(NamedTuple):
    party_id: str
    shipment_time: datetime


_ledger_row, _fee_line = record_builder(LedgerRow), record_builder(FeeLine)


def _new_line_counter() -> None:
    global _line_counter
    _line_counter = itertools.count(secrets.randbits(40))


# 40 bits after the time: a counter starting at a random point in each process (a forked worker
# starts its own), so ids stay unique without a random draw (a system call) per line.
_new_line_counter()
os.register_at_fork(after_in_child=_new_line_counter)


def new_line_id() -> str:
    """Unique and increasing with time (microseconds, then the process's counter), so that the
    index of line ids grows at its end instead of taking every insert at a random page."""
    return f"f{time.time_ns() // 1000:013x}{next(_line_counter) & 0xFFFFFFFFFF:010x}"


def decide_fee(
    row: LedgerRow, existing: FeeLine | None, shipment: ShipmentRecord | None, now: datetime
) -> FeeLine | None:
    """The line after recording `row.fee`; None when it changes nothing. Raises RowRejected."""
    fee = row.fee
    if shipment is not None:
        if shipment.party_id != row.shipper_id:
            raise RowRejected("shipper", "the shipment is recorded for another shipper", reason="SHIPPER_MISMATCH")
        if shipment.shipment_time != fee.shipment_time:
            raise RowRejected(
                "fee_line.shipment_time",
                f"differs from the shipment's recorded time {shipment.shipment_time.isoformat()}",
                reason="SHIPMENT_TIME_MISMATCH",
            )
    if existing is None:
        return _fee_line((new_line_id(), row.shipper_id, fee, (), now))
    if existing.bill == fee:
        return None
    try:
        check_fee_fits(existing, fee)
    except ValidationError as exc:
        v = exc.violations[0]
        raise RowRejected(v.field, v.description, kind=ValidationError) from None
    return _fee_line((existing.line_id, existing.party_id, fee, existing.payments, now))


def decide_payment(row: LedgerRow, existing: FeeLine | None, now: datetime) -> FeeLine | None:
    key, payment = row.payment
    if existing is None:
        raise RowRejected(
            "shipment_reference",
            f"no {key.fee_type.value} fee is recorded for shipment {key.shipment_reference} of carrier {key.carrier}",
            kind=NotFoundError,
            reason="UNKNOWN_SHIPMENT",
        )
    if existing.party_id != row.shipper_id:
        raise RowRejected("shipper", "the fee line belongs to another shipper", reason="SHIPPER_MISMATCH")
    for recorded in existing.payments:
        if recorded.payment_reference == payment.payment_reference:
            if recorded == payment:
                return None
            raise RowRejected(
                "payment.payment_reference",
                "is already recorded with other values",
                kind=ValidationError,
                reason="PAYMENT_REFERENCE_REUSED",
            )
    try:
        check_payment_fits(existing, payment)
    except ValidationError as exc:
        v = exc.violations[0]
        raise RowRejected(v.field, v.description, kind=ValidationError) from None
    return _fee_line((existing.line_id, existing.party_id, existing.bill, (*existing.payments, payment), now))


# -- the repository this needs -----------------------------------------------------------------


class PaymentRepository(Protocol):
    def apply(self, rows: list[LedgerRow], policy: Policy, now: datetime) -> list[RowOutcome]: ...

    def list_lines(
        self, party_id: str, after: int, limit: int, outstanding_only: bool
    ) -> tuple[list[FeeLine], int | None] | None: ...

    def standing_inputs(
        self, party_id: str, first_day: int
    ) -> tuple[int, tuple[WindowTotals, list[OpenLine], datetime | None]] | None:
        """(ledger version, inputs); the version changes with every write to the shipper's ledger."""
        ...


class PaymentLedger:
    def __init__(
        self,
        repository: PaymentRepository,
        policy: Policy,
        clock: Callable[[], datetime] = utc_now,
        on_change: Callable[[set[str]], None] | None = None,
        owners: PartyOwners | None = None,
        claim_carrier: Callable[[str, str], str] | None = None,
    ):
        # Whose shippers the caller may see, and `claim_carrier(carrier, organization)` -> the
        # organisation keeping that carrier's fee lines (the first to record one). None only where
        # no caller is ever scoped (unit tests).
        self._owners = owners
        self._claim_carrier = claim_carrier
        # Told the shipper ids after each applied batch (decisions resting on them are re-evaluated).
        self._on_change = on_change or (lambda party_ids: None)
        self._repository = repository
        self._policy = policy
        self._clock = clock
        self._computed: BoundedCache = BoundedCache(_COMPUTED_CACHE_SIZE)
        self._shipper_ids: BoundedCache = BoundedCache(_SHIPPER_NAMES_CACHE_SIZE)

    @property
    def policy(self) -> Policy:
        return self._policy

    def record_fee(self, parent: str, draft: FeeDraft) -> FeeLine:
        shipper_id = parse_party_name(parent, "parent")
        fee = validate_fee(draft, self._clock())
        self._admit(shipper_id, fee.key.carrier, "fee_line.carrier")
        return self._apply_one(LedgerRow(0, shipper_id, fee=fee))

    def record_payment(self, parent: str, draft: PaymentDraft) -> FeeLine:
        shipper_id = parse_party_name(parent, "parent")
        key, payment = validate_payment(draft, self._clock())
        self._admit(shipper_id, key.carrier, "carrier")
        return self._apply_one(LedgerRow(0, shipper_id, payment=(key, payment)))

    def _admit(self, shipper_id: str, carrier: str, carrier_path: str) -> None:
        if not self._visible(shipper_id):
            raise missing_shipper(shipper_id).as_error()
        self._check_carrier_owner(carrier, carrier_path)

    def _visible(self, party_id: str) -> bool:
        return self._owners is None or self._owners.visible(party_id)

    def _check_carrier_owner(self, carrier: str, path: str) -> None:
        organization = current_organization()
        if organization is None or self._claim_carrier is None:
            return
        if self._claim_carrier(carrier, organization) != organization:
            raise PermissionDeniedError(
                f"{path}: the fee lines of carrier {carrier!r} are kept by another organisation",
                reason="CARRIER_OF_ANOTHER_ORGANIZATION",
            )

    def _apply_one(self, row: LedgerRow) -> FeeLine:
        (outcome,) = self._repository.apply([row], self._policy, self._clock())
        if outcome.rejection is not None:
            raise outcome.rejection.as_error()
        if outcome.status != "unchanged":
            self._on_change({row.shipper_id})
        return outcome.fee_line

    def check_import_header(self, carrier: str) -> str:
        errors = ViolationCollector()
        carrier = check_carrier(carrier, "header.carrier", errors)
        errors.raise_if_any()
        self._check_carrier_owner(carrier, "header.carrier")
        return carrier

    def import_batch(
        self,
        carrier: str,
        rows: Iterable[tuple[int, str, FeeDraft | PaymentDraft | None, list[FieldViolation]]],
        summary: ImportSummary,
    ) -> None:
        """Validates and applies one batch; bad rows are counted in `summary`, never raised.

        Each row comes with the violations its translation already found (unknown enum values).
        """
        now = self._clock()
        valid = self._validate_batch(carrier, rows, summary, now)
        if not valid:
            return
        changed = summary.count_all(self._repository.apply(valid, self._policy, now))
        if changed:
            self._on_change(changed)

    def _validate_batch(self, carrier: str, rows, summary: ImportSummary, now: datetime) -> list[LedgerRow]:
        valid: list[LedgerRow] = []
        # As sent -> (party id, whether the caller may see it): a file has few shippers.
        shippers: dict[str, tuple[str, bool]] = {}
        received = 0
        for line, shipper, draft, early_violations in rows:
            received += 1
            try:
                if early_violations:
                    raise ValidationError(early_violations)
                known = shippers.get(shipper)
                if known is None:
                    shipper_id = self._shipper_id(shipper)
                    known = shippers[shipper] = (shipper_id, self._visible(shipper_id))
                shipper_id, visible = known
                if not visible:
                    summary.count(RowOutcome(line, "rejected", None, missing_shipper(shipper_id)))
                    continue
                if draft.carrier != carrier:
                    path = "fee_line.carrier" if isinstance(draft, FeeDraft) else "carrier"
                    raise ValidationError([FieldViolation(path, f"is {draft.carrier!r}; this file is carrier {carrier!r}")])
                if isinstance(draft, FeeDraft):
                    valid.append(_ledger_row((line, shipper_id, validate_fee(draft, now), None)))
                else:
                    valid.append(_ledger_row((line, shipper_id, None, validate_payment(draft, now))))
            except ValidationError as exc:
                first, *others = exc.violations
                reason = "; ".join([first.description, *(f"{v.field}: {v.description}" for v in others)])
                summary.reject(line, first.field, reason)
        summary.rows_received += received
        return valid

    def _shipper_id(self, shipper: str) -> str:
        """The party id a row's shipper names (remembered: a carrier's files name the same few
        thousand shippers day after day); a field violation when it names none."""
        party_id = self._shipper_ids.get(shipper)
        if party_id is None:
            name = shipper if "/" in shipper else f"parties/{shipper.strip()}"
            party_id = self._shipper_ids.put(shipper, parse_party_name(name, "shipper"))
        return party_id

    def list_lines(self, parent: str, page_size: int, page_token: str, outstanding_only: bool):
        party_id = parse_party_name(parent, "parent")
        limit = resolve_page_size(page_size)
        query_key = fingerprint("fee_lines", party_id, outstanding_only)
        after = decode_page_token(page_token, query_key)
        found = self._repository.list_lines(party_id, after, limit, outstanding_only) if self._visible(party_id) else None
        if found is None:
            raise NotFoundError(f"{parent} does not exist", metadata={"name": parent})
        lines, cursor = found
        return lines, (encode_page_token(cursor, query_key) if cursor is not None else "")

    def standing(self, name: str, now: datetime | None = None) -> PaymentStanding:
        computed, now = self.kept_standing(name, now)
        return computed if computed.as_of == now else replace(computed, as_of=now)

    def kept_standing(self, name: str, now: datetime | None = None) -> tuple[PaymentStanding, datetime]:
        """(standing, now): the standing as last computed, the same object for as long as it
        holds, whose `as_of` is when it was computed; the standing as of `now` differs from it
        only in `as_of`. For callers that keep something derived from it (a reply message)."""
        computed, now, _ = self.standing_and_expiry(name, now)
        return computed, now

    def standing_and_expiry(self, name: str, now: datetime | None = None) -> tuple[PaymentStanding, datetime, datetime]:
        """kept_standing and the moment until which it holds if the ledger does not change: the
        next deadline of an open line, or the next UTC midnight (the window moves)."""
        party_id = parse_party_name(name)
        now = now or self._clock()
        rules = self._policy.repeat_customer
        first_day = window_start_day(now, rules)
        found = self._repository.standing_inputs(party_id, first_day) if self._visible(party_id) else None
        if found is None:
            raise NotFoundError(f"{name} does not exist", metadata={"name": name})
        version, (window, open_lines, last_default) = found
        # A computed standing holds until the ledger changes (version), the day turns (the window's
        # first day) or an open line's deadline passes; until then only `as_of` moves.
        # One entry a shipper, replaced when its ledger changes: steady writes must not fill the
        # cache with standings of versions nobody reads again.
        held = (version, first_day)
        cached = self._computed.get(party_id)
        if cached is None or cached[0] != held or now > cached[2]:
            result = standing(party_id, window, open_lines, last_default, now, self._policy.version, rules)
            cached = self._computed.put(party_id, (held, result, _valid_until(open_lines, now, rules)))
        midnight = day_start(day_number(now) + 1)
        return cached[1], now, min(cached[2], midnight)


def missing_shipper(shipper_id: str) -> RowRejected:
    """The refusal of a shipper that does not exist; another organisation's gets the same."""
    return RowRejected("shipper", f"parties/{shipper_id} does not exist", kind=NotFoundError, reason="NOT_FOUND")


def _valid_until(open_lines: list[OpenLine], now: datetime, rules) -> datetime:
    """The next moment at which an open line becomes overdue (the standing changes then)."""
    grace = timedelta(days=rules.grace_period_days)
    upcoming = [line.due_time + grace for line in open_lines if line.due_time + grace >= now]
    return min(upcoming, default=datetime.max.replace(tzinfo=timezone.utc))
