"""The decision signing key on disk: an unencrypted PKCS8 PEM file, generated on first start.

The file is the only copy of the private key. Losing it does not invalidate stored decisions
(their public keys stay published), but new decisions are then signed by a new key.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from knownparty_service.app.secret_files import create_secret_file, warn_if_shared
from knownparty_service.domain.signing import DecisionSigner

log = logging.getLogger(__name__)


class SigningKeyError(ValueError):
    """The configured signing key file cannot be used; the message names the file and why."""


def public_key_of(private_raw: bytes) -> bytes:
    """The raw 32-byte Ed25519 public key of a raw 32-byte private key."""
    return DecisionSigner(private_raw).public_key


def _raw_private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _load(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"signing key file {path}: cannot be read ({exc.strerror or exc})") from exc
    if b"-----BEGIN" not in data:
        raise SigningKeyError(f"signing key file {path}: not a PEM file (expected a PKCS8 Ed25519 private key)")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # cryptography's way of saying "this one needs a password"
        raise SigningKeyError(f"signing key file {path}: the key is encrypted; an unencrypted key is needed") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(f"signing key file {path}: not a readable PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"signing key file {path}: holds a key of type {type(key).__name__.removesuffix('PrivateKey')}, "
            "not an Ed25519 key"
        )
    warn_if_shared(path, "signing key file")
    return _raw_private_bytes(key)


def _create(path: Path) -> bytes:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if not create_secret_file(path, pem):
        return _load(path)
    raw = _raw_private_bytes(key)
    log.info("generated a new decision signing key %s in %s", DecisionSigner(raw).key_id, path)
    return raw


def load_or_create_signing_key(path: Path) -> bytes:
    """The raw 32-byte Ed25519 private key in `path`, generating and writing one when absent.

    Raises SigningKeyError when the file exists but is unreadable, not PEM, or not Ed25519.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return _create(path)
    return _load(path)
