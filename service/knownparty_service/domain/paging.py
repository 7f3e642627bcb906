"""Page sizes and opaque page tokens bound to the query that produced them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from knownparty_service.domain.errors import FieldViolation, ValidationError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def resolve_page_size(page_size: int, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> int:
    if page_size < 0:
        raise ValidationError([FieldViolation("page_size", "must not be negative")])
    return min(page_size or default, maximum)


def fingerprint(*parts: object) -> str:
    """A short digest of a query's filters, so a token cannot be replayed against another query."""
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:16]


def encode_page_token(cursor: int, query_fingerprint: str) -> str:
    raw = json.dumps({"c": cursor, "q": query_fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str, query_fingerprint: str) -> int:
    """The cursor inside `token`; 0 for the first page."""
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor, bound_to = data["c"], data["q"]
        if not isinstance(cursor, int) or not 0 <= cursor < 2**63:
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise ValidationError([FieldViolation("page_token", "is not a page token this service issued")]) from None
    if bound_to != query_fingerprint:
        raise ValidationError(
            [FieldViolation("page_token", "belongs to a different query; keep the filters of the first page")]
        )
    return cursor
