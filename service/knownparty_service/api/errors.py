"""The one place where domain errors become google.rpc.Status responses."""

from __future__ import annotations

import logging
import uuid

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from knownparty_service.api.handlers import wrap_handler
from knownparty_service.api.observability import REQUEST_ID_KEY, current_call
from knownparty_service.domain.errors import (
    AlreadyExistsError,
    DomainError,
    EtagMismatchError,
    FailedPreconditionError,
    FieldViolation,
    NotFoundError,
    PermissionDeniedError,
    ResourceExhaustedError,
    ServiceUnavailableError,
    UnauthenticatedError,
    ValidationError,
)

log = logging.getLogger(__name__)

ERROR_DOMAIN = "knownparty.v1"

_CODES: list[tuple[type[DomainError], int]] = [
    (ValidationError, code_pb2.INVALID_ARGUMENT),
    (NotFoundError, code_pb2.NOT_FOUND),
    (AlreadyExistsError, code_pb2.ALREADY_EXISTS),
    (EtagMismatchError, code_pb2.ABORTED),
    (FailedPreconditionError, code_pb2.FAILED_PRECONDITION),
    (ServiceUnavailableError, code_pb2.UNAVAILABLE),
    (UnauthenticatedError, code_pb2.UNAUTHENTICATED),
    (PermissionDeniedError, code_pb2.PERMISSION_DENIED),
    (ResourceExhaustedError, code_pb2.RESOURCE_EXHAUSTED),
]


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


# Error statuses travel in trailers, which clients cap (8 KiB by default); a status echoing a huge
# input would reach the caller as RESOURCE_EXHAUSTED instead. Sizes in UTF-8 bytes.
MAX_STATUS_MESSAGE = 600
MAX_STATUS_DETAIL = 200
MAX_STATUS_VIOLATIONS_BYTES = 2500


def _clip(text: str, limit: int = MAX_STATUS_DETAIL) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore") + "..."


def _field_violations(violations) -> list[error_details_pb2.BadRequest.FieldViolation]:
    listed, used = [], 0
    for v in violations:
        field, description = _clip(v.field), _clip(v.description)
        used += len(field.encode()) + len(description.encode())
        if used > MAX_STATUS_VIOLATIONS_BYTES:
            listed.append(error_details_pb2.BadRequest.FieldViolation(description=f"and {len(violations) - len(listed)} more"))
            break
        listed.append(error_details_pb2.BadRequest.FieldViolation(field=field, description=description))
    return listed


def status_for(error: DomainError) -> status_pb2.Status:
    code = next((c for cls, c in _CODES if isinstance(error, cls)), code_pb2.FAILED_PRECONDITION)
    metadata = {_clip(k): _clip(v) for k, v in list(error.metadata.items())[:10]}
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=metadata))]
    if isinstance(error, ValidationError):
        details.append(_pack(error_details_pb2.BadRequest(field_violations=_field_violations(error.violations))))
    return status_pb2.Status(code=code, message=_clip(error.message, MAX_STATUS_MESSAGE), details=details)


def internal_status(exc: BaseException) -> status_pb2.Status:
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error (incident %s)", incident, exc_info=exc)
    return status_pb2.Status(
        code=code_pb2.INTERNAL,
        message=f"internal error (incident {incident}); the server log has the details",
        details=[_pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=ERROR_DOMAIN, metadata={"incident": incident}))],
    )


def _abort(context: grpc.ServicerContext, status: status_pb2.Status):
    grpc_status = rpc_status.to_status(status)
    record = current_call.get()
    if record is not None and record.request_id:
        # abort_with_status replaces the trailers: keep the call's request id in them.
        grpc_status = grpc_status._replace(
            trailing_metadata=(*grpc_status.trailing_metadata, (REQUEST_ID_KEY, record.request_id))
        )
    context.abort_with_status(grpc_status)


class _Unreadable:
    """Stands for a request whose bytes did not parse (gRPC itself would answer INTERNAL)."""


_UNREADABLE = _Unreadable()


def _unreadable_error() -> ValidationError:
    return ValidationError(
        [FieldViolation("request", "is not a valid serialized message of the method's request type")],
        reason="MALFORMED_REQUEST",
    )


def _lenient(deserializer):
    if deserializer is None:
        return None

    def parse(data):
        try:
            return deserializer(data)
        except Exception:  # noqa: BLE001 - DecodeError, or anything a corrupt message makes the parser raise
            return _UNREADABLE

    return parse


def _checked(requests):
    for request in requests:
        if request is _UNREADABLE:
            raise _unreadable_error()
        yield request


def _wrap_unary(behaviour, streaming_in: bool = False):
    def handler(request, context):
        try:
            if streaming_in:
                request = _checked(request)
            elif request is _UNREADABLE:
                raise _unreadable_error()
            return behaviour(request, context)
        except DomainError as exc:
            _abort(context, status_for(exc))
        except Exception as exc:  # noqa: BLE001 - the last line of defence: never a trace to the caller
            if _already_aborted(context):
                raise
            _abort(context, internal_status(exc))

    return handler


def _wrap_streaming(behaviour, streaming_in: bool = False):
    def handler(request, context):
        try:
            if streaming_in:
                request = _checked(request)
            elif request is _UNREADABLE:
                raise _unreadable_error()
            yield from behaviour(request, context)
        except DomainError as exc:
            _abort(context, status_for(exc))
        except Exception as exc:  # noqa: BLE001
            if _already_aborted(context):
                raise
            _abort(context, internal_status(exc))

    return handler


def _already_aborted(context: grpc.ServicerContext) -> bool:
    # context.abort raises a plain Exception after setting the status; leave that one alone.
    code = getattr(context, "code", lambda: None)()
    return code is not None and code != grpc.StatusCode.OK


class ErrorMappingInterceptor(grpc.ServerInterceptor):
    """Wraps every handler so a DomainError (or a bug) leaves as a proper google.rpc.Status."""

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        # A request that does not parse is INVALID_ARGUMENT, not gRPC's INTERNAL.
        handler = handler._replace(request_deserializer=_lenient(handler.request_deserializer))
        return wrap_handler(handler, single_reply=_wrap_unary, reply_stream=_wrap_streaming)
