"""Use cases of the party registry: create, read, list, update, archive and history."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from knownparty_service.domain.access import current_organization, not_found, owning_organization, visible_to_caller
from knownparty_service.domain.errors import (
    EtagMismatchError,
    FailedPreconditionError,
    ValidationError,
    ViolationCollector,
)
from knownparty_service.domain.paging import decode_page_token, encode_page_token, fingerprint, resolve_page_size
from knownparty_service.domain.parties import (
    UPDATABLE_FIELDS,
    Page,
    Party,
    PartyChange,
    PartyFields,
    PartyQuery,
    PartyRevision,
    PartyState,
)
from knownparty_service.domain.party_rules import check_party_id, check_request_id, normalize_party_fields
from knownparty_service.domain.contact import normalize_country
from knownparty_service.domain.identifiers import normalize_identifier


@dataclass(frozen=True)
class IdempotencyKey:
    organization: str
    operation: str
    request_id: str
    fingerprint: str


@dataclass(frozen=True)
class PartyChangeSet:
    """What an update or archive turns a party into."""

    fields: PartyFields
    state: PartyState
    change: PartyChange
    changed_fields: tuple[str, ...]


class PartyRepository(Protocol):
    def create(self, party: Party, idempotency: IdempotencyKey | None) -> Party: ...

    def get(self, party_id: str) -> Party | None: ...

    def list(self, query: PartyQuery, after: int, limit: int) -> tuple[list[Party], int | None]: ...

    def change(self, party_id: str, decide: Callable[[Party], PartyChangeSet], now: datetime) -> Party: ...

    def revisions(self, party_id: str, after: int, limit: int) -> tuple[list[PartyRevision], int | None] | None: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def new_party_id() -> str:
    # Starts with a letter, as resource ids must.
    return "p" + secrets.token_hex(10)


def parse_party_name(name: str, path: str = "name") -> str:
    """`parties/{party}` -> `{party}`, or a field violation."""
    errors = ViolationCollector()
    prefix, _, party_id = name.partition("/")
    if prefix != "parties" or not party_id:
        errors.add(path, "must look like parties/{party}")
    else:
        check_party_id(party_id, errors, path)
    errors.raise_if_any()
    return party_id


def _request_fingerprint(fields: PartyFields, party_id: str) -> str:
    body = json.dumps([dataclasses.asdict(fields), party_id], default=str, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


class PartyRegistry:
    def __init__(self, repository: PartyRepository, clock: Callable[[], datetime] = utc_now):
        self._repository = repository
        self._clock = clock

    def create(self, fields: PartyFields, party_id: str = "", request_id: str = "") -> Party:
        errors = ViolationCollector()
        if party_id:
            check_party_id(party_id, errors)
        if request_id:
            check_request_id(request_id, errors)
        now = self._clock()
        try:
            normalized = normalize_party_fields(fields, now)
        except ValidationError as exc:
            errors.violations.extend(exc.prefixed("party").violations)
        errors.raise_if_any()
        organization = owning_organization()
        idempotency = (
            IdempotencyKey(organization, "CreateParty", request_id, _request_fingerprint(fields, party_id))
            if request_id
            else None
        )
        party = Party(
            id=party_id or new_party_id(),
            fields=normalized,
            state=PartyState.ACTIVE,
            create_time=now,
            update_time=now,
            revision=1,
            organization=organization,
        )
        return self._repository.create(party, idempotency)

    def get(self, name: str) -> Party:
        party_id = parse_party_name(name)
        party = self._repository.get(party_id)
        if party is None or not visible_to_caller(party.organization):
            raise not_found(name)
        return party

    def list(self, query: PartyQuery, page_size: int, page_token: str) -> Page:
        limit = resolve_page_size(page_size)
        errors = ViolationCollector()
        if query.country:
            try:
                query = dataclasses.replace(query, country=normalize_country(query.country))
            except ValueError as exc:
                errors.add("country", str(exc))
        if bool(query.identifier_type) != bool(query.identifier_value):
            errors.add("identifier_value", "identifier_type and identifier_value are given together")
        errors.raise_if_any()
        query = dataclasses.replace(
            query,
            name_prefix=query.name_prefix.strip().casefold(),
            identifier_value=_identifier_filter_value(query),
            organization=current_organization(),
        )
        query_key = fingerprint("parties", dataclasses.asdict(query))
        after = decode_page_token(page_token, query_key)
        items, next_cursor = self._repository.list(query, after, limit)
        return Page(items, encode_page_token(next_cursor, query_key) if next_cursor is not None else "")

    def update(self, name: str, fields: PartyFields, state: PartyState | None, mask: list[str], etag: str) -> Party:
        party_id = parse_party_name(name, "party.name")
        errors = ViolationCollector()
        if not mask:
            errors.add("update_mask", "name at least one field to change")
        for path in mask:
            if path == "kind":
                errors.add("update_mask", "kind cannot change; archive the party and create another")
            elif path not in UPDATABLE_FIELDS:
                errors.add("update_mask", f"unknown or read-only field path {path!r}")
        if "state" in mask and state not in (PartyState.ACTIVE, PartyState.SUSPENDED):
            errors.add("party.state", "may only be set to active or suspended; archive with DeleteParty")
        errors.raise_if_any()
        changed = tuple(dict.fromkeys(mask))
        now = self._clock()

        def decide(current: Party) -> PartyChangeSet:
            _check_owned(current)
            _check_etag(current, etag)
            if current.state is PartyState.ARCHIVED:
                raise FailedPreconditionError(f"{current.name} is archived and cannot change", reason="PARTY_ARCHIVED")
            merged = dataclasses.replace(
                current.fields, **{path: getattr(fields, path) for path in changed if path != "state"}
            )
            try:
                normalized = normalize_party_fields(merged, now)
            except ValidationError as exc:
                raise exc.prefixed("party") from None
            new_state = state if "state" in changed else current.state
            return PartyChangeSet(normalized, new_state, PartyChange.UPDATED, changed)

        return self._repository.change(party_id, decide, now)

    def archive(self, name: str, etag: str) -> Party:
        party_id = parse_party_name(name)

        def decide(current: Party) -> PartyChangeSet:
            _check_owned(current)
            _check_etag(current, etag)
            if current.state is PartyState.ARCHIVED:
                raise FailedPreconditionError(f"{current.name} is already archived", reason="PARTY_ARCHIVED")
            return PartyChangeSet(current.fields, PartyState.ARCHIVED, PartyChange.ARCHIVED, ("state",))

        return self._repository.change(party_id, decide, self._clock())

    def revisions(self, name: str, page_size: int, page_token: str) -> Page:
        party_id = parse_party_name(name)
        limit = resolve_page_size(page_size)
        query_key = fingerprint("revisions", party_id)
        after = decode_page_token(page_token, query_key)
        party = self._repository.get(party_id)
        found = self._repository.revisions(party_id, after, limit) if party is not None else None
        if found is None or not visible_to_caller(party.organization):
            raise not_found(name)
        items, next_cursor = found
        return Page(items, encode_page_token(next_cursor, query_key) if next_cursor is not None else "")


def _identifier_filter_value(query: PartyQuery) -> str:
    """The stored (compact) form of the identifier to filter on, when its scheme can tell."""
    if not query.identifier_type:
        return ""
    try:
        return normalize_identifier(query.identifier_type, query.identifier_value, query.country)[0]
    except ValueError:
        return query.identifier_value


def _check_owned(current: Party) -> None:
    if not visible_to_caller(current.organization):
        raise not_found(current.name)


def _check_etag(current: Party, etag: str) -> None:
    if etag and etag != current.etag:
        raise EtagMismatchError(
            f"{current.name} has changed since it was read (etag {etag} is stale; current is {current.etag})",
            metadata={"current_etag": current.etag},
        )
