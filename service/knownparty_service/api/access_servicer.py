"""AccessService: API keys and the audit log; validates and translates, the domain does the work."""

from __future__ import annotations

from knownparty_client._generated import access_pb2 as pb
from knownparty_client._generated import access_pb2_grpc
from knownparty_service.api.party_messages import time_out
from knownparty_service.api.violation_messages import checked_time_in
from knownparty_service.domain.access import ApiKey, AuditEvent, AuditQuery, Role, current_caller
from knownparty_service.domain.audit_log import AuditLog
from knownparty_service.domain.errors import ViolationCollector
from knownparty_service.domain.keyring import Keyring, parse_key_name

ROLES = {
    pb.ROLE_ADMIN: Role.ADMIN,
    pb.ROLE_MARKETPLACE: Role.MARKETPLACE,
    pb.ROLE_CARRIER: Role.CARRIER,
    pb.ROLE_AUDITOR: Role.AUDITOR,
}
_ROLE_NUMBERS = {role: number for number, role in ROLES.items()}


def key_to_message(key: ApiKey, message: pb.ApiKey | None = None) -> pb.ApiKey:
    message = message if message is not None else pb.ApiKey()
    message.name = key.name
    message.organization = key.organization
    message.role = _ROLE_NUMBERS[key.role]
    message.display_name = key.display_name
    message.created_by = key.created_by
    time_out(key.create_time, message.create_time)
    if key.expire_time is not None:
        time_out(key.expire_time, message.expire_time)
    if key.revoke_time is not None:
        time_out(key.revoke_time, message.revoke_time)
    return message


def event_to_message(event: AuditEvent, message: pb.AuditEvent) -> None:
    time_out(event.event_time, message.event_time)
    message.organization = event.organization
    message.api_key = event.key_id
    message.role = _ROLE_NUMBERS.get(_role_named(event.role), pb.ROLE_UNSPECIFIED)
    message.method = event.method
    message.code = event.code
    message.resource = event.resource
    message.request_id = event.request_id
    message.detail = event.detail


def _role_named(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


class AccessServicer(access_pb2_grpc.AccessServiceServicer):
    def __init__(self, keyring: Keyring, audit_log: AuditLog):
        self._keyring = keyring
        self._audit_log = audit_log

    def CreateApiKey(self, request: pb.CreateApiKeyRequest, context) -> pb.CreateApiKeyResponse:
        errors = ViolationCollector()
        if not request.HasField("api_key"):
            errors.add("api_key", "is required")
        given = request.api_key
        role = ROLES.get(given.role)
        if given.role and role is None:
            errors.add("api_key.role", f"unknown value {given.role}")
        expire_time = checked_time_in(given.expire_time, given.HasField("expire_time"), "api_key.expire_time", errors)
        errors.raise_if_any()
        caller = current_caller()
        key, token = self._keyring.create(
            given.organization,
            role,
            display_name=given.display_name,
            expire_time=expire_time,
            created_by=f"apiKeys/{caller.key_id}" if caller is not None else "",
        )
        return pb.CreateApiKeyResponse(api_key=key_to_message(key), token=token)

    def ListApiKeys(self, request: pb.ListApiKeysRequest, context) -> pb.ListApiKeysResponse:
        keys, token = self._keyring.list(request.organization, request.page_size, request.page_token)
        response = pb.ListApiKeysResponse(next_page_token=token)
        for key in keys:
            key_to_message(key, response.api_keys.add())
        return response

    def RevokeApiKey(self, request: pb.RevokeApiKeyRequest, context) -> pb.ApiKey:
        return key_to_message(self._keyring.revoke(request.name))

    def ListAuditEvents(self, request: pb.ListAuditEventsRequest, context) -> pb.ListAuditEventsResponse:
        key_id = f"apiKeys/{parse_key_name(request.api_key, 'api_key')}" if request.api_key else ""
        errors = ViolationCollector()
        after_time = checked_time_in(request.after_time, request.HasField("after_time"), "after_time", errors)
        before_time = checked_time_in(request.before_time, request.HasField("before_time"), "before_time", errors)
        if len(request.method) > 200:
            errors.add("method", "is at most 200 characters")
        errors.raise_if_any()
        query = AuditQuery(
            organization=request.organization,
            method=request.method,
            key_id=key_id,
            after_time=after_time,
            before_time=before_time,
        )
        events, token = self._audit_log.list(query, request.page_size, request.page_token)
        response = pb.ListAuditEventsResponse(next_page_token=token)
        for event in events:
            event_to_message(event, response.events.add())
        return response
