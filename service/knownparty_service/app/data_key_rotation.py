"""Rotating the data key: a new first key in the key file, then every stored value re-encrypted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knownparty_service.app.data_key_file import add_data_key, load_data_keys
from knownparty_service.storage.database import Database
from knownparty_service.storage.field_cipher import FieldCipher
from knownparty_service.storage.protected_identifiers import (
    DEFAULT_BATCH_SIZE,
    ResealCounts,
    protect_existing,
    reseal,
)


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    added: bool
    counts: ResealCounts


def rotate_data_key(
    database_url: str,
    key_file: Path,
    *,
    add_key: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[ResealCounts], None] | None = None,
) -> RotationResult:
    """Adds a key (unless `add_key` is False) and re-encrypts what another key encrypted.

    The key file must exist (a new one could not read the database); DataKeyError if not, and
    DataKeyMismatchError when it is not the database's key file. Both checks precede any change.
    """
    database = Database(database_url)
    try:
        current = FieldCipher(load_data_keys(key_file))
        protect_existing(database, current, batch_size)
        keys = add_data_key(key_file) if add_key else load_data_keys(key_file)
        cipher = FieldCipher(keys)
        counts = reseal(database, cipher, rotate=True, batch_size=batch_size, progress=progress)
        return RotationResult(cipher.current_key_id, add_key, counts)
    finally:
        database.dispose()
