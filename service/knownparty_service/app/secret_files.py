"""Writing key files: readable by the owner only from the first byte, durable, and never half-written."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def warn_if_shared(path: Path, what: str) -> None:
    """Logs a warning when a key file can be read by anyone but its owner."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s %s is readable by others (mode %04o); 0600 is expected", what, path, mode)


def create_secret_file(path: Path, content: bytes) -> bool:
    """Writes `content` to `path` unless it exists; True when this call made it. Of two processes
    starting at once, exactly one makes it, and both then read that one."""
    tmp_path = _written(path, content)
    try:
        created = _publish(tmp_path, path)
    finally:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
    if created:
        _fsync_dir(path.parent)
    return created


def replace_secret_file(path: Path, content: bytes) -> None:
    """Replaces `path` with `content` in one atomic step."""
    tmp_path = _written(path, content)
    try:
        os.replace(tmp_path, path)
    finally:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
    _fsync_dir(path.parent)


def _written(path: Path, content: bytes) -> str:
    """A finished temp file beside `path`. mkstemp makes it 0600 from the start: the secret is
    never readable by others, not even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp_path


def _publish(tmp_path: str, path: Path) -> bool:
    """Moves the finished temp file to `path`; False when another process created it first."""
    try:
        # A hard link never overwrites: of two servers starting at once, exactly one key wins
        # and both then load it. os.replace would let the loser use a key nobody keeps.
        os.link(tmp_path, path)
    except FileExistsError:
        return False
    except OSError:
        # Filesystems without hard links: fall back to a plain atomic rename.
        if path.exists():
            return False
        os.replace(tmp_path, path)
        return True
    return True


def _fsync_dir(directory: Path) -> None:
    # Makes the new directory entry durable; not every platform lets a directory be opened.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
