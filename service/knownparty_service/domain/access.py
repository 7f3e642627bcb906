"""Who is calling: API keys, organisations, roles, and which role may call which method.

The API layer authenticates the caller once per call and enters its scope (`caller_scope`); the
domain reads it with `current_caller()` to keep every organisation inside its own records. Work the
server does on its own (background re-evaluation, start-up) runs with no caller and is not scoped.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from knownparty_service.domain.errors import NotFoundError


class Role(str, Enum):
    # Manages keys, imports watchlists, reads the audit log; and may do what the others do.
    ADMIN = "admin"
    # Keeps sellers, their violations and vetting; screens names.
    MARKETPLACE = "marketplace"
    # Keeps shippers, their violations, fees and payments and vetting; screens names.
    CARRIER = "carrier"
    # Reads everything of its organisation and the audit log; changes nothing.
    AUDITOR = "auditor"


# Roles that see tax IDs, bank accounts and ID-document numbers in full: the ones that collect
# them. Admins and auditors see them masked.
ROLES_SEEING_PROTECTED = frozenset({Role.MARKETPLACE, Role.CARRIER})

# Owner of what was made with no caller: records from before there were organisations, and
# the server's own tools.
DEFAULT_ORGANIZATION = "default"

ORGANIZATION_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

# The visible part of a key: "kp_<key id>_<secret>". The key id finds the row, the secret is
# checked against its hash.
KEY_PREFIX = "kp"
_KEY_PATTERN = re.compile(r"^kp_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one RPC."""

    key_id: str
    organization: str
    role: Role

    @property
    def sees_protected(self) -> bool:
        return self.role in ROLES_SEEING_PROTECTED


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    organization: str
    role: Role
    display_name: str
    create_time: datetime
    expire_time: datetime | None
    revoke_time: datetime | None
    created_by: str

    def usable_at(self, now: datetime) -> bool:
        if self.revoke_time is not None and self.revoke_time <= now:
            return False
        return self.expire_time is None or now < self.expire_time

    @property
    def name(self) -> str:
        return f"apiKeys/{self.key_id}"


@dataclass(frozen=True)
class AuditEvent:
    """One call that changed something: who, what, on which resource, and how it ended."""

    event_time: datetime
    organization: str
    key_id: str
    role: str
    method: str
    code: str
    resource: str
    request_id: str
    detail: str
    seq: int = 0


@dataclass(frozen=True)
class AuditQuery:
    """Filters for the audit log; empty values do not filter."""

    organization: str = ""
    method: str = ""
    key_id: str = ""
    after_time: datetime | None = None
    before_time: datetime | None = None


@dataclass(frozen=True)
class NewKey:
    """A key as made: the secret is shown once and only its hash is kept."""

    key: ApiKey
    secret_hash: bytes
    token: str


def make_key(
    organization: str,
    role: Role,
    *,
    display_name: str,
    now: datetime,
    expire_time: datetime | None,
    created_by: str,
) -> NewKey:
    key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        key_id=key_id,
        organization=organization,
        role=role,
        display_name=display_name,
        create_time=now,
        expire_time=expire_time,
        revoke_time=None,
        created_by=created_by,
    )
    return NewKey(key=key, secret_hash=hash_secret(secret), token=f"{KEY_PREFIX}_{key_id}_{secret}")


def hash_secret(secret: str) -> bytes:
    # The secret carries 256 random bits: a plain SHA-256 cannot be brute-forced, and is cheap
    # enough to check on every call (a slow password hash is for guessable passwords).
    return hashlib.sha256(secret.encode("ascii")).digest()


def parse_token(token: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed token, else None."""
    match = _KEY_PATTERN.match(token)
    return (match.group(1), match.group(2)) if match else None


def secret_matches(secret: str, secret_hash: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


_current: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("knownparty_caller", default=None)


def current_caller() -> Caller | None:
    """The caller of the RPC being served; None for the server's own work."""
    return _current.get()


def current_organization() -> str | None:
    caller = _current.get()
    return caller.organization if caller is not None else None


@contextmanager
def caller_scope(caller: Caller | None) -> Iterator[None]:
    token = _current.set(caller)
    try:
        yield
    finally:
        _current.reset(token)


def owning_organization() -> str:
    """The organisation that owns what the current call creates."""
    caller = _current.get()
    return caller.organization if caller is not None else DEFAULT_ORGANIZATION


def visible_to_caller(owner: str) -> bool:
    organization = current_organization()
    return organization is None or owner == organization


def not_found(name: str) -> NotFoundError:
    """The one wording of a missing resource, also used for another organisation's."""
    return NotFoundError(f"{name} does not exist", metadata={"name": name})
