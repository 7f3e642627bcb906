"""Reading the audit log: admins read every organisation's events, auditors their own."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from knownparty_service.domain.access import ORGANIZATION_PATTERN, AuditEvent, AuditQuery, Role, current_caller
from knownparty_service.domain.errors import PermissionDeniedError, ViolationCollector
from knownparty_service.domain.paging import decode_page_token, encode_page_token, fingerprint, resolve_page_size


class AuditRepository(Protocol):
    def record(self, event: AuditEvent) -> None: ...

    def events(self, query: AuditQuery, after: int, limit: int) -> tuple[list[AuditEvent], int | None]: ...


class AuditLog:
    def __init__(self, repository: AuditRepository):
        self._repository = repository

    def record(self, event: AuditEvent) -> None:
        self._repository.record(event)

    def list(self, query: AuditQuery, page_size: int, page_token: str) -> tuple[list[AuditEvent], str]:
        limit = resolve_page_size(page_size)
        errors = ViolationCollector()
        if query.organization and not ORGANIZATION_PATTERN.match(query.organization):
            errors.add("organization", "is not an organisation id")
        if query.after_time and query.before_time and query.before_time <= query.after_time:
            errors.add("before_time", "must be later than after_time")
        errors.raise_if_any()
        caller = current_caller()
        if caller is not None and caller.role is not Role.ADMIN:
            if query.organization and query.organization != caller.organization:
                raise PermissionDeniedError(
                    "an auditor reads only its own organisation's audit log", reason="OTHER_ORGANIZATION"
                )
            query = replace(query, organization=caller.organization)
        query_key = fingerprint("audit", query.organization, query.method, query.key_id, query.after_time, query.before_time)
        after = decode_page_token(page_token, query_key)
        items, cursor = self._repository.events(query, after, limit)
        return items, (encode_page_token(cursor, query_key) if cursor is not None else "")



