"""Client for the knownparty vetting service.

    from knownparty_client import KnownPartyClient, types, errors

The generated protocol code in `_generated` is private: use `types` for messages and enums, and
catch `errors.KnownPartyError` (or one of its subclasses) for failed calls.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from knownparty_client import errors, types
from knownparty_client.aio import AsyncKnownPartyClient
from knownparty_client.client import KnownPartyClient
from knownparty_client.errors import (
    Aborted,
    AlreadyExists,
    Cancelled,
    DataLoss,
    DeadlineExceeded,
    FailedPrecondition,
    FieldViolation,
    Internal,
    InvalidArgument,
    KnownPartyError,
    NotFound,
    OutOfRange,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
    Unimplemented,
    Unknown,
)
from knownparty_client.pagers import AsyncPager, Pager

try:
    __version__ = _metadata.version("knownparty")
except _metadata.PackageNotFoundError:  # running from a source checkout
    __version__ = "0.0.0+unknown"

__all__ = [
    "KnownPartyClient",
    "AsyncKnownPartyClient",
    "Pager",
    "AsyncPager",
    "errors",
    "types",
    "KnownPartyError",
    "FieldViolation",
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
    "__version__",
]
