"""Signing vetting decisions: the canonical encoding, key ids, Ed25519 signing and verification.

A decision's attestation is an Ed25519 signature over `canonical_json(payload)`. The encoding
must come out byte for byte the same wherever it is computed (server now, client or auditor
later), so it admits no floats: fractions travel as fixed-precision strings (`format_fraction`)
and times as fixed-width UTC strings (`format_time`). The client keeps an identical copy of the
two formatters in `knownparty_client.attestation`; change both or neither.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "ed25519"
PAYLOAD_FORMAT = "knownparty.decision.v1"
KEY_ID_PREFIX = "ed25519:"
RAW_KEY_BYTES = 32


def _has_float_or_odd_key(value: object) -> bool:
    """Whether _refuse_floats would refuse `value`: the walk without paths (every decision is
    signed, so this runs often; the paths are worked out only for the error)."""
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return True
            push(item.values())
        elif kind is list or kind is tuple:
            push(item)
        elif isinstance(item, float):
            return True
        elif isinstance(item, Mapping):
            if any(not isinstance(key, str) for key in item):
                return True
            push(item.values())
        elif isinstance(item, (list, tuple)):
            push(item)
    return False


def _refuse_floats(value: object, path: str) -> None:
    # json.dumps never calls `default` for floats, so they have to be caught before encoding.
    if isinstance(value, float):
        raise TypeError(f"canonical_json refuses floats (at {path}): encode fractions as strings")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                # json.dumps would turn 1 and "1" into the same key.
                raise TypeError(f"canonical_json needs string keys (at {path}: {key!r})")
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def canonical_json(value: object) -> bytes:
    """The one byte encoding of `value`: UTF-8 JSON, keys sorted, no white space, no floats."""
    if _has_float_or_odd_key(value):
        _refuse_floats(value, "$")  # raises, naming where
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def canonical_json_text(value: object) -> str:
    """canonical_json as text, for a value built without floats (not checked: the caller's
    values are its own, such as the recorded inputs of a decision; what is signed goes through
    canonical_json)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def key_id_of(public_key_raw: bytes) -> str:
    """"ed25519:" and the first 16 hex digits of the SHA-256 of the raw public key."""
    return KEY_ID_PREFIX + hashlib.sha256(public_key_raw).hexdigest()[:16]


class DecisionSigner:
    """Signs decision payloads with one Ed25519 private key (the raw 32 bytes)."""

    def __init__(self, private_key_raw: bytes) -> None:
        if len(private_key_raw) != RAW_KEY_BYTES:
            raise ValueError(f"an Ed25519 private key is {RAW_KEY_BYTES} bytes, got {len(private_key_raw)}")
        self._private_key = Ed25519PrivateKey.from_private_bytes(private_key_raw)
        self._public_key = self._private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._key_id = key_id_of(self._public_key)

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key, as GetSigningKeys publishes it."""
        return self._public_key

    @property
    def algorithm(self) -> str:
        return ALGORITHM

    def sign(self, payload: bytes) -> bytes:
        return self._private_key.sign(payload)

    def __repr__(self) -> str:  # never the private key
        return f"DecisionSigner(key_id={self._key_id!r})"


def verify_signature(public_key_raw: bytes, payload: bytes, signature: bytes) -> bool:
    """Whether `signature` is the Ed25519 signature of `payload` by that key; False for any bad input."""
    try:
        public_key = Ed25519PublicKey.from_public_bytes(bytes(public_key_raw))
        public_key.verify(bytes(signature), bytes(payload))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def format_time(dt: datetime) -> str:
    """An aware datetime as UTC "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always six fraction digits)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("format_time needs an aware datetime")
    utc = dt.astimezone(timezone.utc)
    # Not strftime: %Y does not zero-pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def format_fraction(x: float) -> str:
    """A score or ratio as the fixed four-decimal string the payload carries."""
    return f"{x:.4f}"
