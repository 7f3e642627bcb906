"""Errors the domain raises; the API layer maps each class to one gRPC status code."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: `field` is a path such as `addresses[0].country`."""

    field: str
    description: str


class DomainError(Exception):
    """Base class. `reason` is a stable UPPER_SNAKE_CASE code for ErrorInfo."""

    reason = "DOMAIN_ERROR"

    def __init__(self, message: str, *, reason: str | None = None, metadata: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if reason:
            self.reason = reason
        self.metadata = dict(metadata or {})


class ValidationError(DomainError):
    """The request is malformed; every bad field is listed."""

    reason = "INVALID_FIELDS"

    def __init__(self, violations: list[FieldViolation], message: str | None = None, **kwargs):
        self.violations = list(violations)
        text = message or "; ".join(f"{v.field}: {v.description}" for v in self.violations)
        super().__init__(text, **kwargs)

    @classmethod
    def single(cls, field_path: str, description: str) -> "ValidationError":
        return cls([FieldViolation(field_path, description)])

    def prefixed(self, prefix: str) -> "ValidationError":
        """The same violations with `prefix.` put before every field path."""
        return ValidationError(
            [FieldViolation(f"{prefix}.{v.field}" if v.field else prefix, v.description) for v in self.violations],
            reason=self.reason,
            metadata=self.metadata,
        )


class NotFoundError(DomainError):
    reason = "NOT_FOUND"


class AlreadyExistsError(DomainError):
    reason = "ALREADY_EXISTS"


class EtagMismatchError(DomainError):
    """The caller's etag is stale: it must re-read and retry."""

    reason = "ETAG_MISMATCH"


class FailedPreconditionError(DomainError):
    reason = "FAILED_PRECONDITION"


class UnauthenticatedError(DomainError):
    """No API key, or one that is unknown, expired or revoked."""

    reason = "UNAUTHENTICATED"


class PermissionDeniedError(DomainError):
    """The caller is known, but its role may not do this."""

    reason = "PERMISSION_DENIED"


class ResourceExhaustedError(DomainError):
    """A limit of the caller's was reached (concurrent streams); it may try again later."""

    reason = "RESOURCE_EXHAUSTED"


@dataclass
class ViolationCollector:
    """Gathers every violation of a request before raising, so callers see them all at once."""

    violations: list[FieldViolation] = field(default_factory=list)

    def add(self, path: str, description: str) -> None:
        self.violations.append(FieldViolation(path, description))

    def raise_if_any(self) -> None:
        if self.violations:
            raise ValidationError(self.violations)


class ServiceUnavailableError(DomainError):
    """A dependency (the database) is down or busy; the call may be retried."""

    reason = "SERVICE_UNAVAILABLE"


class TransactionConflictError(ServiceUnavailableError):
    """Concurrent transactions collided (a deadlock, a serialization failure) and this one was
    rolled back whole: running it again is safe and normally succeeds."""

    reason = "TRANSACTION_CONFLICT"
