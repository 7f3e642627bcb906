"""The one place where domain errors become google.rpc.Status responses."""

from __future__ import annotations

import logging
import uuid

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from knownparty_service.domain.errors import (
    AlreadyExistsError,
    DomainError,
    EtagMismatchError,
    FailedPreconditionError,
    NotFoundError,
    ServiceUnavailableError,
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
]


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def status_for(error: DomainError) -> status_pb2.Status:
    code = next((c for cls, c in _CODES if isinstance(error, cls)), code_pb2.FAILED_PRECONDITION)
    details = [_pack(error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata))]
    if isinstance(error, ValidationError):
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                        for v in error.violations
                    ]
                )
            )
        )
    return status_pb2.Status(code=code, message=error.message, details=details)


def internal_status(exc: BaseException) -> status_pb2.Status:
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error (incident %s)", incident, exc_info=exc)
    return status_pb2.Status(
        code=code_pb2.INTERNAL,
        message=f"internal error (incident {incident}); the server log has the details",
        details=[_pack(error_details_pb2.ErrorInfo(reason="INTERNAL", domain=ERROR_DOMAIN, metadata={"incident": incident}))],
    )


def _abort(context: grpc.ServicerContext, status: status_pb2.Status):
    context.abort_with_status(rpc_status.to_status(status))


def _wrap_unary(behaviour):
    def handler(request, context):
        try:
            return behaviour(request, context)
        except DomainError as exc:
            _abort(context, status_for(exc))
        except Exception as exc:  # noqa: BLE001 - the last line of defence: never a trace to the caller
            if _already_aborted(context):
                raise
            _abort(context, internal_status(exc))

    return handler


def _wrap_streaming(behaviour):
    def handler(request, context):
        try:
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
        if handler.unary_unary:
            return handler._replace(unary_unary=_wrap_unary(handler.unary_unary))
        if handler.stream_unary:
            return handler._replace(stream_unary=_wrap_unary(handler.stream_unary))
        if handler.unary_stream:
            return handler._replace(unary_stream=_wrap_streaming(handler.unary_stream))
        if handler.stream_stream:
            return handler._replace(stream_stream=_wrap_streaming(handler.stream_stream))
        return handler
