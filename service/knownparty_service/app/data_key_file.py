"""The data key file: the keys that encrypt protected identifiers at rest, generated on first start.

One key a line, as "<key id> <base64 key>"; lines starting with '#' are comments:

    index <key>         the lookup-index (HMAC) key; never changes
    k20270101-3fa2c1 <key>   the encryption key in use: the first key line encrypts
    k20260101-9b07de <key>   older keys, which still decrypt what they encrypted

The file is the only copy of the keys: losing it loses every protected value. Back it up with the
database, and keep it away from the database's backups.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from knownparty_service.app.secret_files import create_secret_file, replace_secret_file, warn_if_shared
from knownparty_service.storage.field_cipher import KEY_BYTES, DataKeys, FieldCipher, parse_keys

log = logging.getLogger(__name__)

INDEX_KEY_ID = "index"
_HEADER = (
    "# knownparty data keys. Keep secret and backed up; losing them loses the protected values.\n"
    f"# '{INDEX_KEY_ID} <key>' is the lookup-index key: never change it.\n"
    "# Then '<key id> <key>' lines, newest first: the first encrypts, all decrypt.\n"
    "# Add a key with `knownparty db rotate-data-key`.\n"
)


class DataKeyError(ValueError):
    """The data key file cannot be used; the message names the file and why (never a key)."""


def _new_key_id() -> str:
    # The date tells an operator which keys are old enough to retire.
    return f"k{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(3)}"


def _new_key() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _render(entries: list[tuple[str, str]], index_key: str) -> bytes:
    lines = [f"{INDEX_KEY_ID} {index_key}"] + [f"{key_id} {key}" for key_id, key in entries]
    return (_HEADER + "\n".join(lines) + "\n").encode("ascii")


def _parse(path: Path, text: str) -> tuple[list[tuple[str, str]], str]:
    entries: list[tuple[str, str]] = []
    index_key = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise DataKeyError(f"data key file {path}, line {number}: expected '<key id> <base64 key>'")
        if parts[0] == INDEX_KEY_ID:
            if index_key is not None:
                raise DataKeyError(f"data key file {path}, line {number}: a second '{INDEX_KEY_ID}' key")
            index_key = parts[1]
        else:
            entries.append((parts[0], parts[1]))
    if index_key is None:
        raise DataKeyError(f"data key file {path}: no '{INDEX_KEY_ID}' key line")
    if not entries:
        raise DataKeyError(f"data key file {path}: no encryption key line")
    return entries, index_key


def _read(path: Path) -> tuple[list[tuple[str, str]], str]:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not an ASCII text file"
        raise DataKeyError(f"data key file {path}: cannot be read ({reason})") from exc
    warn_if_shared(path, "data key file")
    return _parse(path, text)


def _keys(path: Path, entries: list[tuple[str, str]], index_key: str) -> DataKeys:
    try:
        return parse_keys(entries, index_key)
    except ValueError as exc:
        raise DataKeyError(f"data key file {path}: {exc}") from None


def _create(path: Path) -> DataKeys:
    entries, index_key = [(_new_key_id(), _new_key())], _new_key()
    if not create_secret_file(path, _render(entries, index_key)):
        return load_data_keys(path)
    log.info("generated new data keys (encryption key %s) in %s", entries[0][0], path)
    return _keys(path, entries, index_key)


def load_data_keys(path: Path) -> DataKeys:
    """The keys in `path`; DataKeyError when it is missing or malformed."""
    path = Path(path)
    entries, index_key = _read(path)
    return _keys(path, entries, index_key)


def load_or_create_data_keys(path: Path) -> DataKeys:
    """The keys in `path`, generating a file with a fresh index key and encryption key when absent."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return _create(path)
    return load_data_keys(path)


def add_data_key(path: Path) -> DataKeys:
    """Puts a new encryption key first in `path` (older keys stay to decrypt); returns the new keys."""
    path = Path(path)
    entries, index_key = _read(path)
    _keys(path, entries, index_key)
    entries.insert(0, (_new_key_id(), _new_key()))
    keys = _keys(path, entries, index_key)
    replace_secret_file(path, _render(entries, index_key))
    log.info("added data key %s to %s", entries[0][0], path)
    return keys


def open_field_cipher(path: Path) -> FieldCipher:
    """The cipher over the keys in `path` (created when absent). It re-reads the file when a value
    names a key added since, so a running server keeps reading through a rotation."""
    path = Path(path)
    return FieldCipher(load_or_create_data_keys(path), reload=lambda: load_data_keys(path))
