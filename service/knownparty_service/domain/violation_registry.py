"""Use cases of the violation history: record, read, list and move through the status workflow."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from knownparty_service.domain.access import current_organization, owning_organization
from knownparty_service.domain.errors import (
    EtagMismatchError,
    FailedPreconditionError,
    NotFoundError,
    ValidationError,
    ViolationCollector,
)
from knownparty_service.domain.money import Money, check_amount, check_currency
from knownparty_service.domain.paging import decode_page_token, encode_page_token, fingerprint, resolve_page_size
from knownparty_service.domain.ownership import PartyOwners
from knownparty_service.domain.parties import Page, PartyState
from knownparty_service.domain.party_registry import IdempotencyKey, utc_now
from knownparty_service.domain.party_rules import CLOCK_SKEW, check_party_id, check_request_id, clean_text
from knownparty_service.domain.violations import (
    INITIAL_STATUSES,
    TRANSITIONS,
    Status,
    StatusChange,
    Violation,
    ViolationFields,
    ViolationQuery,
    can_transition,
)

MAX_REFERENCE_NUMBER = 100
MAX_NOTE = 2000
# The parent that lists every party's violations.
ALL_PARTIES = "-"

CREATE_OPERATION = "CreateViolation"


class ViolationRepository(Protocol):
    def create(
        self,
        violation: Violation,
        idempotency: IdempotencyKey | None,
        admit: Callable[[PartyState | None], None],
    ) -> Violation:
        """Stores a new violation. `admit` gets the parent party's state (None when there is no
        such party) inside the writing transaction and raises when the violation is not allowed.
        A replayed idempotency key returns the violation as first created."""
        ...

    def get(self, party_id: str, violation_id: str) -> Violation | None: ...

    def list(self, query: ViolationQuery, after: int, limit: int) -> tuple[list[Violation], int | None] | None:
        """A page in recording order and the cursor of the next one; None when query.party_id
        names a party that does not exist."""
        ...

    def change_status(
        self, party_id: str, violation_id: str, decide: Callable[[Violation], StatusChange]
    ) -> Violation:
        """Locks the violation, asks `decide` for the change and records it (NotFoundError when
        there is no such violation)."""
        ...


def new_violation_id() -> str:
    return "v" + secrets.token_hex(10)


def _parse_parent(parent: str, errors: ViolationCollector, *, allow_all: bool) -> str:
    """`parties/{party}` -> `{party}`; `parties/-` -> "" when allowed."""
    prefix, _, party_id = parent.partition("/")
    if prefix != "parties" or not party_id:
        errors.add("parent", "must look like parties/{party}" + (" or parties/-" if allow_all else ""))
        return ""
    if party_id == ALL_PARTIES:
        if not allow_all:
            errors.add("parent", "must name one party; parties/- is only for listing")
        return ""
    check_party_id(party_id, errors, "parent")
    return party_id


def parse_violation_name(name: str, path: str = "name") -> tuple[str, str]:
    """`parties/{party}/violations/{violation}` -> (party, violation), or a ValidationError."""
    errors = ViolationCollector()
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "parties" or parts[2] != "violations":
        errors.add(path, "must look like parties/{party}/violations/{violation}")
        errors.raise_if_any()
    check_party_id(parts[1], errors, path)
    if not errors.violations:
        check_party_id(parts[3], errors, path)
    errors.raise_if_any()
    return parts[1], parts[3]


def normalize_violation_fields(fields: ViolationFields, now: datetime) -> ViolationFields:
    """The fields in their stored form (report_time filled in), or a ValidationError naming every
    bad field by its path inside the Violation message."""
    errors = ViolationCollector()
    if fields.category is None:
        errors.add("category", "is required")
    if fields.source is None:
        errors.add("source", "is required")
    reference = clean_text(fields.reference_number, "reference_number", MAX_REFERENCE_NUMBER, errors, required=True)
    latest = now + CLOCK_SKEW

    occur_time = fields.occur_time
    if occur_time is None:
        errors.add("occur_time", "is required")
    elif occur_time > latest:
        errors.add("occur_time", "is in the future")
        occur_time = None

    report_time = fields.report_time
    if report_time is None:
        report_time = max(now, occur_time) if occur_time else now
    elif report_time > latest:
        errors.add("report_time", "is in the future")
    elif occur_time is not None and report_time < occur_time:
        errors.add("report_time", "is before occur_time; a violation is reported after it happens")

    if fields.quantity < 0:
        errors.add("quantity", "must not be negative")

    value = fields.value
    if value is not None:
        currency = value.currency.strip()
        if not currency:
            errors.add("value.currency_code", "is required when a value is given (ISO 4217, like USD)")
        else:
            try:
                check_currency(currency)
            except ValueError as exc:
                errors.add("value.currency_code", str(exc))
        try:
            check_amount(value.amount_minor, allow_zero=True)
        except ValueError as exc:
            errors.add("value.amount_minor", str(exc))
        value = Money(currency, value.amount_minor)

    note = clean_text(fields.note, "note", MAX_NOTE, errors)
    errors.raise_if_any()
    return ViolationFields(
        category=fields.category,
        source=fields.source,
        reference_number=reference,
        occur_time=occur_time,
        report_time=report_time,
        product_category=fields.product_category,
        quantity=fields.quantity,
        value=value,
        note=note,
    )


def _request_fingerprint(party_id: str, fields: ViolationFields, violation_id: str, status: Status) -> str:
    body = json.dumps([party_id, dataclasses.asdict(fields), violation_id, status.value], default=str, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _words(status: Status) -> str:
    return status.value.replace("_", " ")


def _admit_parent(parent: str) -> Callable[[PartyState | None], None]:
    def admit(state: PartyState | None) -> None:
        if state is None:
            raise NotFoundError(f"{parent} does not exist", metadata={"name": parent})
        if state is PartyState.ARCHIVED:
            raise FailedPreconditionError(
                f"{parent} is archived; violations cannot be recorded against it",
                reason="PARTY_ARCHIVED",
                metadata={"name": parent},
            )

    return admit


class ViolationRegistry:
    def __init__(
        self,
        repository: ViolationRepository,
        clock: Callable[[], datetime] = utc_now,
        on_change: Callable[[str], None] | None = None,
        owners: PartyOwners | None = None,
    ):
        self._repository = repository
        # Whose parties the caller may see; None only where no caller is ever scoped (unit tests).
        self._owners = owners
        self._clock = clock
        # Told the party id after each recorded change (decisions resting on it are re-evaluated).
        self._on_change = on_change or (lambda party_id: None)

    def create(
        self,
        parent: str,
        fields: ViolationFields,
        *,
        violation_id: str = "",
        request_id: str = "",
        initial_status: Status | None = None,
    ) -> Violation:
        errors = ViolationCollector()
        party_id = _parse_parent(parent, errors, allow_all=False)
        if violation_id:
            check_party_id(violation_id, errors, "violation_id")
        if request_id:
            check_request_id(request_id, errors)
        status = initial_status or Status.REPORTED
        if status not in INITIAL_STATUSES:
            errors.add("initial_status", "a new violation is reported (the default) or confirmed")
        now = self._clock()
        normalized = fields
        try:
            normalized = normalize_violation_fields(fields, now)
        except ValidationError as exc:
            errors.violations.extend(exc.prefixed("violation").violations)
        errors.raise_if_any()
        self._require_visible(party_id, f"parties/{party_id}")
        idempotency = (
            IdempotencyKey(owning_organization(), CREATE_OPERATION, request_id, _request_fingerprint(party_id, fields, violation_id, status))
            if request_id
            else None
        )
        violation = Violation(
            id=violation_id or new_violation_id(),
            party_id=party_id,
            fields=normalized,
            status=status,
            status_history=(StatusChange(status, now),),
            create_time=now,
            update_time=now,
            revision=1,
        )
        created = self._repository.create(violation, idempotency, _admit_parent(f"parties/{party_id}"))
        self._on_change(party_id)
        return created

    def get(self, name: str) -> Violation:
        party_id, violation_id = parse_violation_name(name)
        self._require_visible(party_id, name)
        violation = self._repository.get(party_id, violation_id)
        if violation is None:
            raise NotFoundError(f"{name} does not exist", metadata={"name": name})
        return violation

    def list(self, parent: str, query: ViolationQuery, page_size: int, page_token: str) -> Page:
        limit = resolve_page_size(page_size)
        errors = ViolationCollector()
        party_id = _parse_parent(parent, errors, allow_all=True)
        if query.occur_after and query.occur_before and query.occur_before <= query.occur_after:
            errors.add("occur_before", "must be later than occur_after")
        errors.raise_if_any()
        if party_id:
            self._require_visible(party_id, parent)
        query = dataclasses.replace(query, party_id=party_id, organization=current_organization())
        query_key = fingerprint("violations", dataclasses.asdict(query))
        after = decode_page_token(page_token, query_key)
        found = self._repository.list(query, after, limit)
        if found is None:
            raise NotFoundError(f"{parent} does not exist", metadata={"name": parent})
        items, next_cursor = found
        return Page(items, encode_page_token(next_cursor, query_key) if next_cursor is not None else "")

    def update_status(self, name: str, status: Status | None, note: str = "", etag: str = "") -> Violation:
        party_id, violation_id = parse_violation_name(name)
        errors = ViolationCollector()
        if status is None:
            errors.add("status", "is required")
        note = clean_text(note, "note", MAX_NOTE, errors)
        errors.raise_if_any()
        self._require_visible(party_id, name)
        now = self._clock()

        def decide(current: Violation) -> StatusChange:
            if etag and etag != current.etag:
                raise EtagMismatchError(
                    f"{current.name} has changed since it was read (etag {etag} is stale; current is {current.etag})",
                    metadata={"current_etag": current.etag},
                )
            if not can_transition(current.status, status):
                allowed = sorted(TRANSITIONS[current.status])
                was, wanted = _words(current.status), _words(status)
                because = (
                    f"{was} is final"
                    if not allowed
                    else f"from {was} it can move only to {' or '.join(_words(s) for s in allowed)}"
                )
                raise FailedPreconditionError(
                    f"{current.name} cannot move from {was} to {wanted}: {because}",
                    reason="ILLEGAL_TRANSITION",
                    metadata={
                        "current_status": current.status.value,
                        "requested_status": status.value,
                        "allowed": ",".join(s.value for s in allowed),
                    },
                )
            return StatusChange(status, now, note)

        changed = self._repository.change_status(party_id, violation_id, decide)
        self._on_change(party_id)
        return changed

    def _require_visible(self, party_id: str, name: str) -> None:
        if self._owners is not None:
            self._owners.require(party_id, name)
