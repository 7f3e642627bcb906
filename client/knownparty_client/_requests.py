"""Request building shared by the sync and asyncio clients."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone

from knownparty_client import types

COLLECTION = "parties"

Metadata = tuple[tuple[str, str], ...]


def party_name(name: str) -> str:
    """`parties/{id}` from either the full resource name or a bare id."""
    name = name.strip()
    if not name or "/" in name:
        return name  # empty or already a resource name: the server validates it
    return f"{COLLECTION}/{name}"


API_KEY_ENV = "KNOWNPARTY_API_KEY"


def base_metadata(api_key: str | None, metadata: Sequence[tuple[str, str]]) -> Metadata:
    """The metadata of every call: the given pairs and the API key, which is taken from
    KNOWNPARTY_API_KEY when none is given (as the command line does)."""
    pairs = [(str(k).lower(), v) for k, v in metadata]
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV) or None
    if api_key:
        pairs = [(k, v) for k, v in pairs if k != "authorization"]
        pairs.append(("authorization", f"Bearer {api_key}"))
    return tuple(pairs)


def echo(payload: str) -> types.EchoRequest:
    return types.EchoRequest(payload=payload)


def create_party(party: types.Party, party_id: str, request_id: str | None) -> types.CreatePartyRequest:
    # Always send an idempotency key: it is what makes retrying CreateParty safe.
    return types.CreatePartyRequest(party=party, party_id=party_id, request_id=request_id or str(uuid.uuid4()))


def get_party(name: str) -> types.GetPartyRequest:
    return types.GetPartyRequest(name=party_name(name))


def list_parties(
    *,
    page_size: int,
    kind: int | None,
    country: str,
    state: int | None,
    identifier_type: int | None,
    identifier_value: str,
    name_prefix: str,
    show_archived: bool,
) -> types.ListPartiesRequest:
    return types.ListPartiesRequest(
        page_size=page_size,
        kind=kind or 0,
        country=country,
        state=state or 0,
        identifier_type=identifier_type or 0,
        identifier_value=identifier_value,
        name_prefix=name_prefix,
        show_archived=show_archived,
    )


def update_party(party: types.Party, update_mask: Sequence[str] | str) -> types.UpdatePartyRequest:
    if isinstance(update_mask, str):  # "a,b" as in the JSON form of a FieldMask
        update_mask = [p for p in (s.strip() for s in update_mask.split(",")) if p]
    request = types.UpdatePartyRequest(party=party, update_mask=types.FieldMask(paths=list(update_mask)))
    request.party.name = party_name(party.name)  # a copy: the caller's message is left alone
    return request


def delete_party(name: str, etag: str) -> types.DeletePartyRequest:
    return types.DeletePartyRequest(name=party_name(name), etag=etag)


def list_party_revisions(name: str, page_size: int) -> types.ListPartyRevisionsRequest:
    return types.ListPartyRevisionsRequest(name=party_name(name), page_size=page_size)


def violation_name(name: str) -> str:
    """`parties/{party}/violations/{violation}` from the full name or the `{party}/{violation}`
    shorthand."""
    name = name.strip()
    parts = name.split("/")
    if len(parts) == 2 and all(parts) and parts[0] != COLLECTION:
        return f"{COLLECTION}/{parts[0]}/violations/{parts[1]}"
    return name  # anything else: the server validates it


def _timestamp(value: datetime | None, what: str) -> types.Timestamp | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime (with a time zone), not {value!r}")
    stamp = types.Timestamp()
    stamp.FromDatetime(value.astimezone(timezone.utc))
    return stamp


def create_violation(
    parent: str,
    violation: types.Violation,
    violation_id: str,
    request_id: str | None,
    initial_status: int | None,
) -> types.CreateViolationRequest:
    # Always send an idempotency key: it is what makes retrying CreateViolation safe.
    return types.CreateViolationRequest(
        parent=party_name(parent),
        violation=violation,
        violation_id=violation_id,
        request_id=request_id or str(uuid.uuid4()),
        initial_status=initial_status or 0,
    )


def get_violation(name: str) -> types.GetViolationRequest:
    return types.GetViolationRequest(name=violation_name(name))


def list_violations(
    parent: str,
    *,
    page_size: int,
    category: int | None,
    status: int | None,
    source: int | None,
    occur_after: datetime | None,
    occur_before: datetime | None,
) -> types.ListViolationsRequest:
    request = types.ListViolationsRequest(
        parent=party_name(parent or "-"),
        page_size=page_size,
        category=category or 0,
        status=status or 0,
        source=source or 0,
    )
    after = _timestamp(occur_after, "occur_after")
    if after is not None:
        request.occur_after.CopyFrom(after)
    before = _timestamp(occur_before, "occur_before")
    if before is not None:
        request.occur_before.CopyFrom(before)
    return request


def update_violation_status(name: str, status: int, note: str, etag: str) -> types.UpdateViolationStatusRequest:
    return types.UpdateViolationStatusRequest(name=violation_name(name), status=status, note=note, etag=etag)


def record_fee(parent: str, fee_line: types.FeeLine) -> types.RecordFeeRequest:
    return types.RecordFeeRequest(parent=party_name(parent), fee_line=fee_line)


def record_payment(
    parent: str, carrier: str, shipment_reference: str, fee_type: int, payment: types.Payment
) -> types.RecordPaymentRequest:
    return types.RecordPaymentRequest(
        parent=party_name(parent),
        carrier=carrier,
        shipment_reference=shipment_reference,
        fee_type=fee_type,
        payment=payment,
    )


def import_payments_stream(
    carrier: str, rows: Iterable[types.ImportPaymentsRow], source_name: str, batch_size: int
) -> Iterator[types.ImportPaymentsRequest]:
    """The header, then the rows in batches of `batch_size` (at most 5,000)."""
    if not 1 <= batch_size <= 5000:
        raise ValueError("batch_size must be between 1 and 5000")
    yield types.ImportPaymentsRequest(header=types.ImportPaymentsHeader(carrier=carrier, source_name=source_name))
    for batch in filled_messages(rows, batch_size, types.ImportPaymentsBatch, "rows"):
        yield types.ImportPaymentsRequest(batch=batch)


VET_BATCH_SIZE = 250
MAX_VET_BATCH_SIZE = 1000


def check_vet_batch_size(batch_size: int) -> None:
    if not 1 <= batch_size <= MAX_VET_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {MAX_VET_BATCH_SIZE}, not {batch_size}")


def vet_parties_stream(requests: Iterable[types.VetPartyRequest], batch_size: int) -> Iterator[types.VetPartiesRequest]:
    """The requests in messages of `batch_size` (check it with check_vet_batch_size first: this
    runs on gRPC's own thread, where an error would only fail the call)."""
    return filled_messages(requests, batch_size, types.VetPartiesRequest, "requests")


def filled_messages(items: Iterable, size: int, message_type, field: str) -> Iterator:
    """Messages of `message_type` whose repeated `field` holds `size` of `items` each (the last
    the rest), made as the items come."""
    message = message_type()
    for item in items:
        getattr(message, field).append(item)
        if len(getattr(message, field)) >= size:
            yield message
            message = message_type()
    if getattr(message, field):
        yield message


def list_fee_lines(parent: str, page_size: int, outstanding_only: bool) -> types.ListFeeLinesRequest:
    return types.ListFeeLinesRequest(parent=party_name(parent), page_size=page_size, outstanding_only=outstanding_only)


def get_payment_standing(name: str) -> types.GetPaymentStandingRequest:
    return types.GetPaymentStandingRequest(name=party_name(name))


def watchlist_name(name: str) -> str:
    name = name.strip()
    return name if not name or "/" in name else f"watchlists/{name}"


def version_name(name: str) -> str:
    """`watchlists/{list}/versions/{n}`, from that, `{list}/{n}` or a bare `{list}` (active)."""
    name = name.strip()
    if name.startswith("watchlists/"):
        return name if "/versions/" in name else f"{name}/versions/-"
    list_id, _, number = name.partition("/")
    return f"watchlists/{list_id}/versions/{number or '-'}"


def import_watchlist_stream(
    list_id: str, list_format: int, source: str, files: Sequence[tuple[str, str, bytes]], chunk_size: int
) -> Iterator[types.ImportWatchlistRequest]:
    """The header (sizes and digests of every file), then each file in chunks."""
    header = types.ImportWatchlistHeader(list_id=list_id, format=list_format, source=source)
    for role, file_name, data in files:
        header.files.add(role=role, file_name=file_name, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    yield types.ImportWatchlistRequest(header=header)
    for role, _, data in files:
        for start in range(0, len(data), chunk_size):
            yield types.ImportWatchlistRequest(chunk=types.FileChunk(role=role, data=data[start : start + chunk_size]))


def screen_name(
    name: str,
    *,
    entry_type: int | None,
    countries: Sequence[str],
    date_of_birth: str,
    identifiers: Sequence[str],
    lists: Sequence[str],
    min_score: float | None,
    limit: int,
    tag: str = "",
) -> types.ScreenNameRequest:
    request = types.ScreenNameRequest(
        name=name,
        type=entry_type or 0,
        countries=list(countries),
        date_of_birth=date_of_birth,
        identifiers=list(identifiers),
        lists=list(lists),
        limit=limit,
        tag=tag,
    )
    if min_score is not None:
        request.min_score = min_score
    return request


def new_request_id() -> str:
    return str(uuid.uuid4())


def timestamp(value: datetime, what: str) -> types.Timestamp:
    return _timestamp(value, what)
