"""Encryption of single stored values (AES-256-GCM) and their keyed lookup digests (HMAC-SHA256).

A value is stored as "enc:v1:<key id>:<base64(nonce | ciphertext and tag)>". The associated data
names the record and field the value belongs to, so a ciphertext copied to another party or field
fails to decrypt. Several keys may decrypt; the first one encrypts (rotation adds a new first key).

Lookups cannot compare ciphertexts (every encryption differs), so a searchable value is also kept
as "hmac:<base64(HMAC-SHA256)>" under a separate index key, which never rotates: changing it would
mean recomputing every digest at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12
ENCRYPTED_PREFIX = "enc:"
_FORMAT = "enc:v1:"
DIGEST_PREFIX = "hmac:"
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class FieldCipherError(ValueError):
    """A stored value cannot be decrypted. The message never holds the value or its ciphertext."""


@dataclass(frozen=True)
class DataKeys:
    """The encryption keys, newest (the one that encrypts) first, and the lookup-index key."""

    keys: tuple[tuple[str, bytes], ...]
    index_key: bytes

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("at least one encryption key is needed")
        for key_id, key in self.keys:
            if not KEY_ID_PATTERN.match(key_id):
                raise ValueError(f"key id {key_id!r} must be 1 to 32 letters, digits, '-' or '_'")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id} must be {KEY_BYTES} bytes, not {len(key)}")
        if len({key_id for key_id, _ in self.keys}) != len(self.keys):
            raise ValueError("key ids must be unique")
        if len(self.index_key) != KEY_BYTES:
            raise ValueError(f"the index key must be {KEY_BYTES} bytes, not {len(self.index_key)}")

    @classmethod
    def generate(cls, key_id: str = "k1") -> DataKeys:
        return cls(((key_id, os.urandom(KEY_BYTES)),), os.urandom(KEY_BYTES))


class FieldCipher:
    def __init__(self, keys: DataKeys, reload: Callable[[], DataKeys] | None = None):
        """`reload` re-reads the keys when a value names a key not known yet: a key added by a
        rotation while this process runs. From then on the new first key encrypts."""
        self._index_key = keys.index_key
        self._reload = reload
        self._reload_lock = threading.Lock()
        self._use(keys)

    def _use(self, keys: DataKeys) -> None:
        if keys.index_key != self._index_key:
            raise FieldCipherError("the data key file's index key changed; it must never change")
        # One assignment, so other threads see the old pair or the new one, never a mix.
        self._state = (keys.keys[0][0], {key_id: AESGCM(key) for key_id, key in keys.keys})

    @property
    def current_key_id(self) -> str:
        return self._state[0]

    def _cipher_for(self, key_id: str) -> AESGCM | None:
        cipher = self._state[1].get(key_id)
        if cipher is None and self._reload is not None:
            with self._reload_lock:
                if key_id not in self._state[1]:
                    self._use(self._reload())
            cipher = self._state[1].get(key_id)
        return cipher

    @property
    def index_key_check(self) -> str:
        """A fingerprint of the index key, safe to store: tells whether a database used this key."""
        return hmac.new(self._index_key, b"knownparty index key check", hashlib.sha256).hexdigest()

    def encrypt(self, plaintext: str, context: str) -> str:
        key_id, ciphers = self._state
        nonce = os.urandom(_NONCE_BYTES)
        sealed = ciphers[key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_FORMAT}{key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, context: str) -> str:
        """The plaintext of `stored`; FieldCipherError (naming `context`) when that is impossible."""
        if not stored.startswith(_FORMAT):
            raise FieldCipherError(f"protected value of {context}: not in the {_FORMAT}<key id>:<data> form")
        key_id, _, data = stored[len(_FORMAT):].partition(":")
        cipher = self._cipher_for(key_id)
        if cipher is None:
            raise FieldCipherError(
                f"protected value of {context}: encrypted with key {key_id!r}, which is not in the data key file"
            )
        try:
            raw = base64.b64decode(data, validate=True)
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except (ValueError, InvalidTag):
            raise FieldCipherError(
                f"protected value of {context}: failed authentication with key {key_id!r}; the stored "
                "ciphertext was altered or copied from another record"
            ) from None

    def is_current(self, stored: str) -> bool:
        """Whether `stored` is encrypted with the key that encrypts now (else rotation re-encrypts it)."""
        return stored.startswith(f"{_FORMAT}{self.current_key_id}:")

    def digest(self, text: str) -> str:
        """A keyed lookup digest: equal texts give equal digests, and no digest can be reversed."""
        mac = hmac.new(self._index_key, text.encode(), hashlib.sha256).digest()
        return DIGEST_PREFIX + base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(ENCRYPTED_PREFIX)


def is_digest(stored: str) -> bool:
    return stored.startswith(DIGEST_PREFIX)


def parse_keys(entries: Sequence[tuple[str, str]], index_key: str) -> DataKeys:
    """DataKeys from base64 texts; ValueError saying which entry is wrong."""

    def decode(key_id: str, text: str) -> bytes:
        try:
            return base64.b64decode(text, validate=True)
        except ValueError:
            raise ValueError(f"key {key_id} is not valid base64") from None

    return DataKeys(tuple((key_id, decode(key_id, text)) for key_id, text in entries), decode("index", index_key))
