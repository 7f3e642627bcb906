"""Idempotency keys: which resource revision a request_id produced, and with which body."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from knownparty_service.domain.errors import FieldViolation, ValidationError
from knownparty_service.domain.party_registry import IdempotencyKey
from knownparty_service.storage.tables import idempotency_keys


def find_earlier_result(conn: Connection, key: IdempotencyKey) -> tuple[int, int] | None:
    """(resource seq, revision) that this request_id produced before, or None.

    The same request_id with another body is INVALID_ARGUMENT on `request_id`."""
    row = conn.execute(
        select(idempotency_keys).where(
            idempotency_keys.c.organization == key.organization,
            idempotency_keys.c.operation == key.operation,
            idempotency_keys.c.request_id == key.request_id,
        )
    ).first()
    if row is None:
        return None
    if row.request_fingerprint != key.fingerprint:
        raise ValidationError(
            [FieldViolation("request_id", "was already used for a different request; use a new request_id")],
            reason="REQUEST_ID_REUSED",
        )
    return row.resource_seq, row.resource_revision


def remember_result(conn: Connection, key: IdempotencyKey, resource_seq: int, revision: int, when: datetime) -> None:
    conn.execute(
        insert(idempotency_keys).values(
            organization=key.organization,
            operation=key.operation,
            request_id=key.request_id,
            request_fingerprint=key.fingerprint,
            resource_seq=resource_seq,
            resource_revision=revision,
            create_time=when,
        )
    )
