"""Authenticates every call, checks its role against the permission table, scopes it to the
caller's organisation, limits concurrent streams per key, and writes changes to the audit log.

It sits inside the error-mapping interceptor, so its refusals leave as proper statuses.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime

import grpc
from google.rpc import code_pb2

from knownparty_service.api import permissions
from knownparty_service.api.handlers import wrap_handler
from knownparty_service.api.errors import status_for
from knownparty_service.api.observability import current_call
from knownparty_service.domain.access import AuditEvent, Caller, caller_scope
from knownparty_service.domain.audit_log import AuditLog
from knownparty_service.domain.errors import DomainError, PermissionDeniedError, ResourceExhaustedError
from knownparty_service.domain.keyring import Keyring

log = logging.getLogger(__name__)

# Request fields that name the resource a call is about, in order of preference.
_RESOURCE_FIELDS = ("name", "parent", "party")
_MAX_RECORDED = 300


class AccessInterceptor(grpc.ServerInterceptor):
    def __init__(
        self,
        keyring: Keyring,
        audit_log: AuditLog,
        *,
        max_streams_per_key: int,
        clock: Callable[[], datetime],
    ):
        self._keyring = keyring
        self._audit_log = audit_log
        self._max_streams = max_streams_per_key
        self._clock = clock
        self._streams: dict[str, int] = defaultdict(int)
        self._streams_lock = threading.Lock()

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or permissions.is_open(method):
            return handler
        return wrap_handler(
            handler,
            single_reply=lambda behaviour, streaming: self._unary(method, behaviour, streaming=streaming),
            reply_stream=lambda behaviour, _streaming: self._streaming(method, behaviour),
        )

    # -- admission ----------------------------------------------------------------------------

    def _admit(self, method: str, context) -> Caller:
        authorization = None
        for key, value in context.invocation_metadata() or ():
            if key == "authorization":
                authorization = value
                break
        caller = self._keyring.authenticate(authorization)
        record = current_call.get()
        if record is not None:  # for the call's log line
            record.organization, record.key_id = caller.organization, caller.key_id
        if caller.role not in permissions.roles_for(method):
            raise PermissionDeniedError(
                f"role {caller.role.value} may not call {method}",
                reason="ROLE_NOT_ALLOWED",
                metadata={"role": caller.role.value, "method": method},
            )
        return caller

    def _open_stream(self, caller: Caller) -> None:
        with self._streams_lock:
            if self._streams[caller.key_id] >= self._max_streams:
                raise ResourceExhaustedError(
                    f"this API key already has {self._max_streams} streams open; close one and try again",
                    reason="TOO_MANY_STREAMS",
                    metadata={"limit": str(self._max_streams)},
                )
            self._streams[caller.key_id] += 1

    def _close_stream(self, caller: Caller) -> None:
        with self._streams_lock:
            self._streams[caller.key_id] -= 1
            if self._streams[caller.key_id] <= 0:
                del self._streams[caller.key_id]

    # -- wrappers -----------------------------------------------------------------------------

    def _unary(self, method: str, behaviour, *, streaming: bool):
        audited = permissions.is_audited(method)

        def handler(request, context):
            caller = self._admit(method, context)
            if streaming:
                self._open_stream(caller)
            try:
                with caller_scope(caller):
                    if not audited:
                        return behaviour(request, context)
                    counted = _Counted(request) if streaming else None
                    try:
                        response = behaviour(counted if counted is not None else request, context)
                    except BaseException as exc:
                        self._record(caller, method, context, request if not streaming else None, None, exc, counted)
                        raise
                    self._record(caller, method, context, request if not streaming else None, response, None, counted)
                    return response
            finally:
                if streaming:
                    self._close_stream(caller)

        return handler

    def _streaming(self, method: str, behaviour):
        def handler(request, context):
            caller = self._admit(method, context)
            self._open_stream(caller)
            try:
                yield from _scoped(behaviour(request, context), caller)
            finally:
                self._close_stream(caller)

        return handler

    # -- audit --------------------------------------------------------------------------------

    def _record(
        self, caller: Caller, method: str, context, request, response, error: BaseException | None, counted
    ) -> None:
        if error is None:
            code = "OK"
        elif isinstance(error, DomainError):
            code = code_pb2.Code.Name(status_for(error).code)
        else:
            code = _aborted_code(context) or "INTERNAL"
        event = AuditEvent(
            event_time=self._clock(),
            organization=caller.organization,
            key_id=f"apiKeys/{caller.key_id}",
            role=caller.role.value,
            method=method,
            code=code,
            # What a call named, or else what it made (CreateParty names its party in the reply).
            resource=_resource_of(request) or _resource_of(response),
            request_id=_request_id_of(request, context),
            detail=f"{counted.count} stream messages" if counted is not None else "",
        )
        try:
            self._audit_log.record(event)
        except Exception:  # noqa: BLE001 - the call itself is done; losing its audit line is logged loudly
            log.exception("could not write the audit event of %s by %s", method, event.key_id)


def _scoped(responses: Iterator, caller: Caller) -> Iterator:
    """Runs each step of a response stream inside the caller's scope (set and reset around each
    step, in the thread that takes it, so a stream abandoned half-way leaves nothing behind)."""
    try:
        while True:
            with caller_scope(caller):
                try:
                    item = next(responses)
                except StopIteration:
                    return
            yield item
    finally:
        close = getattr(responses, "close", None)
        if close is not None:
            close()


class _Counted:
    """A request stream that counts its messages, for the audit line."""

    def __init__(self, messages):
        self._messages = iter(messages)
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        message = next(self._messages)
        self.count += 1
        return message


def _resource_of(request) -> str:
    if request is None:
        return ""
    for field in _RESOURCE_FIELDS:
        value = getattr(request, field, None)
        if isinstance(value, str) and value:
            return value[:_MAX_RECORDED]
    return ""


def _request_id_of(request, context) -> str:
    value = getattr(request, "request_id", None) if request is not None else None
    if isinstance(value, str) and value:
        return value[:128]
    for key, metadata_value in context.invocation_metadata() or ():
        if key == "x-request-id":
            return str(metadata_value)[:128]
    return ""


def _aborted_code(context) -> str | None:
    code = getattr(context, "code", lambda: None)()
    return code.name if isinstance(code, grpc.StatusCode) and code is not grpc.StatusCode.OK else None
