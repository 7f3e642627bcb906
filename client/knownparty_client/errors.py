"""Typed errors: every failed call raises a subclass of KnownPartyError, never a raw grpc.RpcError.

The server sends a google.rpc.Status in the `grpc-status-details-bin` trailer; its ErrorInfo and
BadRequest details are parsed into attributes, and every detail it carries is kept in `details`.

    try:
        client.create_party(party)
    except InvalidArgument as err:
        for v in err.field_violations:
            print(v.field, v.description)
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2, message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

__all__ = [
    "FieldViolation",
    "KnownPartyError",
    "InvalidArgument",
    "NotFound",
    "AlreadyExists",
    "Aborted",
    "FailedPrecondition",
    "OutOfRange",
    "Unauthenticated",
    "PermissionDenied",
    "ResourceExhausted",
    "Unavailable",
    "DeadlineExceeded",
    "Cancelled",
    "Unimplemented",
    "Internal",
    "DataLoss",
    "Unknown",
    "from_rpc_error",
]

_DETAILS_KEY = "grpc-status-details-bin"

# The google.rpc detail messages this client knows how to unpack; others stay as Any.
_DETAIL_TYPES: dict[str, type[message.Message]] = {
    cls.DESCRIPTOR.full_name: cls
    for cls in (
        error_details_pb2.ErrorInfo,
        error_details_pb2.BadRequest,
        error_details_pb2.RetryInfo,
        error_details_pb2.DebugInfo,
        error_details_pb2.QuotaFailure,
        error_details_pb2.PreconditionFailure,
        error_details_pb2.RequestInfo,
        error_details_pb2.ResourceInfo,
        error_details_pb2.Help,
        error_details_pb2.LocalizedMessage,
    )
}


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request, from google.rpc.BadRequest: `field` is a path such as
    `party.addresses[0].country`."""

    field: str
    description: str


class KnownPartyError(Exception):
    """Base class of every error the client raises for a failed call.

    Attributes:
        code: the grpc.StatusCode of the call.
        message: the status message.
        reason, domain: from google.rpc.ErrorInfo ("" when the server sent none).
        error_metadata: ErrorInfo.metadata as a dict.
        field_violations: the google.rpc.BadRequest violations, in order.
        details: every detail message of the status, unpacked when its type is known.
        request_id: the call's id, from the server's `x-request-id` reply metadata ("" when none
            came); quote it when reporting a problem, it names the call in the server's logs.
    """

    #: The status code a subclass stands for; instances carry the actual one in `code`.
    grpc_code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        message: str = "",
        *,
        code: grpc.StatusCode | None = None,
        reason: str = "",
        domain: str = "",
        error_metadata: Mapping[str, str] | None = None,
        field_violations: Iterable[FieldViolation] = (),
        details: Iterable[Any] = (),
        request_id: str = "",
    ) -> None:
        super().__init__(message)
        self.code: grpc.StatusCode = code if code is not None else self.grpc_code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.error_metadata: dict[str, str] = dict(error_metadata or {})
        self.field_violations: list[FieldViolation] = list(field_violations)
        self.details: list[Any] = list(details)
        self.request_id = request_id

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}" if self.message else self.code.name
        if self.reason and self.reason != self.code.name:
            text += f" [{self.reason}]"
        for v in self.field_violations:
            text += f"\n  {v.field or '(request)'}: {v.description}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.name}, message={self.message!r}, reason={self.reason!r})"

    def __reduce__(self):  # keyword-only arguments would otherwise break pickling
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[KnownPartyError], msg: str, state: dict[str, Any]) -> KnownPartyError:
    err = cls.__new__(cls)
    Exception.__init__(err, msg)
    err.__dict__.update(state)
    return err


class InvalidArgument(KnownPartyError):
    """The request is malformed; `field_violations` lists every bad field."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(KnownPartyError):
    grpc_code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(KnownPartyError):
    grpc_code = grpc.StatusCode.ALREADY_EXISTS


class Aborted(KnownPartyError):
    """A concurrency conflict, such as a stale etag: re-read and retry."""

    grpc_code = grpc.StatusCode.ABORTED


class FailedPrecondition(KnownPartyError):
    """The resource is not in a state that allows the call (an archived party, for instance)."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION


class OutOfRange(KnownPartyError):
    grpc_code = grpc.StatusCode.OUT_OF_RANGE


class Unauthenticated(KnownPartyError):
    grpc_code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(KnownPartyError):
    grpc_code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(KnownPartyError):
    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(KnownPartyError):
    """The server could not be reached or is shutting down (already retried where safe)."""

    grpc_code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(KnownPartyError):
    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED


class Cancelled(KnownPartyError):
    grpc_code = grpc.StatusCode.CANCELLED


class Unimplemented(KnownPartyError):
    grpc_code = grpc.StatusCode.UNIMPLEMENTED


class Internal(KnownPartyError):
    grpc_code = grpc.StatusCode.INTERNAL


class DataLoss(KnownPartyError):
    grpc_code = grpc.StatusCode.DATA_LOSS


class Unknown(KnownPartyError):
    """UNKNOWN, and the fallback for any code without a class of its own."""

    grpc_code = grpc.StatusCode.UNKNOWN


_BY_CODE: dict[grpc.StatusCode, type[KnownPartyError]] = {
    cls.grpc_code: cls
    for cls in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        Aborted,
        FailedPrecondition,
        OutOfRange,
        Unauthenticated,
        PermissionDenied,
        ResourceExhausted,
        Unavailable,
        DeadlineExceeded,
        Cancelled,
        Unimplemented,
        Internal,
        DataLoss,
        Unknown,
    )
}


def error_class(code: grpc.StatusCode) -> type[KnownPartyError]:
    """The KnownPartyError subclass raised for `code` (Unknown when none is specific to it)."""
    return _BY_CODE.get(code, Unknown)


def _call_attr(err: Any, name: str) -> Any:
    fn = getattr(err, name, None)
    if not callable(fn):
        return None
    try:
        return fn()
    except Exception:  # a half-built error object must not hide the original failure
        return None


def _rich_status(err: Any) -> status_pb2.Status | None:
    """The google.rpc.Status from the call's trailers, or None when it sent none."""
    try:
        status = rpc_status.from_call(err)
        if status is not None:
            return status
    except (ValueError, TypeError, AttributeError):
        # from_call insists the trailer agrees with the call's code and message (and may not
        # understand every metadata shape); a mismatch still leaves the details worth reading.
        pass
    trailers = _call_attr(err, "trailing_metadata")
    if not trailers:
        return None
    try:
        for key, value in trailers:
            if key == _DETAILS_KEY:
                return status_pb2.Status.FromString(value)
    except (ValueError, TypeError, message.DecodeError):
        return None
    return None


def _unpack(detail: any_pb2.Any) -> Any:
    cls = _DETAIL_TYPES.get(detail.TypeName())
    if cls is None:
        return detail
    msg = cls()
    return msg if detail.Unpack(msg) else detail


def from_status(
    code: grpc.StatusCode, text: str, status: status_pb2.Status | None = None, request_id: str = ""
) -> KnownPartyError:
    """Build the typed error for a status code, message and optional google.rpc.Status."""
    details = [_unpack(d) for d in status.details] if status is not None else []
    reason = domain = ""
    error_metadata: dict[str, str] = {}
    violations: list[FieldViolation] = []
    for detail in details:
        if isinstance(detail, error_details_pb2.ErrorInfo) and not reason:
            reason, domain, error_metadata = detail.reason, detail.domain, dict(detail.metadata)
        elif isinstance(detail, error_details_pb2.BadRequest):
            violations.extend(FieldViolation(v.field, v.description) for v in detail.field_violations)
    if not text and status is not None:
        text = status.message
    return error_class(code)(
        text,
        code=code,
        reason=reason,
        domain=domain,
        error_metadata=error_metadata,
        field_violations=violations,
        details=details,
        request_id=request_id,
    )


def from_rpc_error(err: grpc.RpcError) -> KnownPartyError:
    """Convert a grpc.RpcError (sync) or grpc.aio.AioRpcError into the matching KnownPartyError."""
    if isinstance(err, KnownPartyError):
        return err
    code = _call_attr(err, "code")
    if not isinstance(code, grpc.StatusCode):
        code = grpc.StatusCode.UNKNOWN
    text = _call_attr(err, "details")
    if not isinstance(text, str):
        text = ""
    status = _rich_status(err)
    return from_status(code, text, status, _request_id(err))


REQUEST_ID_KEY = "x-request-id"


def _request_id(err: Any) -> str:
    """The server's `x-request-id`: in the trailers of a unary call, in the initial metadata of a
    stream; "" when none came."""
    for attribute in ("trailing_metadata", "initial_metadata"):
        metadata = _call_attr(err, attribute)
        if inspect.isawaitable(metadata):  # an aio call object rather than its error: not read here
            getattr(metadata, "close", lambda: None)()
            continue
        try:
            for key, value in metadata or ():
                if key == REQUEST_ID_KEY and isinstance(value, str):
                    return value
        except (TypeError, ValueError):
            continue
    return ""
