"""Use cases of API keys: make, list and revoke them, and tell who a presented key belongs to."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from knownparty_service.domain.access import (
    ORGANIZATION_PATTERN,
    ApiKey,
    Caller,
    NewKey,
    Role,
    make_key,
    not_found,
    parse_token,
    secret_matches,
)
from knownparty_service.domain.errors import UnauthenticatedError, ValidationError, ViolationCollector
from knownparty_service.domain.paging import resolve_page_size
from knownparty_service.domain.party_registry import utc_now
from knownparty_service.domain.party_rules import clean_text

MAX_DISPLAY_NAME = 200
# How long a key read from the database is trusted before it is read again: a revocation made
# by another server process takes effect within this time (at once in the process that made it).
KEY_RECHECK_SECONDS = 5.0
_KEYS_KEPT = 10_000


class KeyRepository(Protocol):
    def add_key(self, new: NewKey) -> ApiKey: ...

    def key_with_hash(self, key_id: str) -> tuple[ApiKey, bytes] | None: ...

    def get_key(self, key_id: str) -> ApiKey | None: ...

    def list_keys(self, organization: str | None, after: str, limit: int) -> tuple[list[ApiKey], str | None]: ...

    def revoke_key(self, key_id: str, now: datetime) -> ApiKey | None: ...


def parse_key_name(name: str, path: str = "name") -> str:
    errors = ViolationCollector()
    prefix, _, key_id = name.partition("/")
    if prefix != "apiKeys" or not key_id or len(key_id) > 64 or not key_id.isalnum():
        errors.add(path, "must look like apiKeys/{key}")
    errors.raise_if_any()
    return key_id


class Keyring:
    def __init__(self, repository: KeyRepository, clock: Callable[[], datetime] = utc_now):
        self._repository = repository
        self._clock = clock
        # key id -> (key, secret hash, monotonic time read)
        self._known: dict[str, tuple[ApiKey, bytes, float]] = {}
        self._lock = threading.Lock()

    def create(
        self,
        organization: str,
        role: Role | None,
        *,
        display_name: str = "",
        expire_time: datetime | None = None,
        created_by: str,
    ) -> tuple[ApiKey, str]:
        """(the key, its token): the token is shown this once; only its hash is stored."""
        errors = ViolationCollector()
        if not ORGANIZATION_PATTERN.match(organization or ""):
            errors.add("api_key.organization", "is 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen")
        if role is None:
            errors.add("api_key.role", "is required: admin, marketplace, carrier or auditor")
        display_name = clean_text(display_name, "api_key.display_name", MAX_DISPLAY_NAME, errors)
        now = self._clock()
        if expire_time is not None and expire_time <= now:
            errors.add("api_key.expire_time", "must be in the future")
        errors.raise_if_any()
        new = make_key(
            organization, role, display_name=display_name, now=now, expire_time=expire_time, created_by=created_by
        )
        return self._repository.add_key(new), new.token

    def list(self, organization: str, page_size: int, page_token: str) -> tuple[list[ApiKey], str]:
        limit = resolve_page_size(page_size)
        # The token is the last key id of the previous page (key ids are not secret).
        if page_token and (len(page_token) > 64 or not page_token.isalnum()):
            raise ValidationError.single("page_token", "is not a page token this service issued")
        if organization and not ORGANIZATION_PATTERN.match(organization):
            raise ValidationError.single("organization", "is not an organisation id")
        items, cursor = self._repository.list_keys(organization or None, page_token, limit)
        return items, (cursor or "")

    def revoke(self, name: str) -> ApiKey:
        key_id = parse_key_name(name)
        revoked = self._repository.revoke_key(key_id, self._clock())
        if revoked is None:
            raise not_found(name)
        with self._lock:
            self._known.pop(key_id, None)
        return revoked

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller a `Bearer` authorization value names; UNAUTHENTICATED for anything else,
        always in the same words so that a guess learns nothing."""
        if not authorization:
            raise UnauthenticatedError("an API key is required: send authorization: Bearer <key>", reason="API_KEY_MISSING")
        scheme, _, token = authorization.partition(" ")
        parsed = parse_token(token.strip()) if scheme.lower() == "bearer" else None
        if parsed is None:
            raise _refused()
        key_id, secret = parsed
        known = self._known.get(key_id)
        if known is None or time.monotonic() - known[2] > KEY_RECHECK_SECONDS:
            found = self._repository.key_with_hash(key_id)
            if found is None:
                with self._lock:
                    self._known.pop(key_id, None)
                raise _refused()
            if len(self._known) >= _KEYS_KEPT:
                with self._lock:
                    self._known.clear()
            known = (found[0], found[1], time.monotonic())
            self._known[key_id] = known
        key, secret_hash, _ = known
        if not secret_matches(secret, secret_hash) or not key.usable_at(self._clock()):
            raise _refused()
        return Caller(key.key_id, key.organization, key.role)


def _refused() -> UnauthenticatedError:
    return UnauthenticatedError("the API key is not valid (unknown, expired or revoked)", reason="API_KEY_INVALID")
