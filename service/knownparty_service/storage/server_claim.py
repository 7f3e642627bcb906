"""Which servers use an SQLite database: one alone, or the workers of one `serve --workers N`.

A server alone on its database may trust what it wrote itself: a payment standing it computed
stays current until this process writes that shipper's ledger again, so a standing read needs no
query at all (storage/payment_repository.py). That only holds if no other server writes the same
file, which this claim makes sure of: an advisory lock on `<database file>.servers.lock`,
exclusive for a server alone, shared by the workers of one server. The kernel drops it when the
process ends, however it ends. PostgreSQL databases are not claimed: several replicas are the
normal case there, and every standing read asks the database.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


class DatabaseClaimed(Exception):
    """Another server holds the database in a way that excludes this one."""


class ServerClaim:
    def __init__(self, path: str, descriptor: int, exclusive: bool):
        self.path = path
        self.exclusive = exclusive
        self._descriptor: int | None = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing the descriptor drops the lock
            self._descriptor = None


def claim_sqlite_database(url: str, *, alone: bool, wait_seconds: float) -> ServerClaim | None:
    """Claims an SQLite database file for this server: exclusively when `alone`, shared with
    the other workers otherwise. Waits up to `wait_seconds` for a server that is stopping;
    DatabaseClaimed after that. None for a database that is not an SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = f"{os.path.abspath(parsed.database)}.servers.lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    mode = (fcntl.LOCK_EX if alone else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + wait_seconds
    waiting = False
    while True:
        try:
            fcntl.flock(descriptor, mode)
            return ServerClaim(path, descriptor, alone)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise DatabaseClaimed(
                    f"another knownparty server uses {parsed.database} (its lock {path} is held): one server per "
                    "SQLite file, or `serve --workers N`, or PostgreSQL for several servers"
                ) from None
            if not waiting:
                log.warning("waiting for the other server on %s to stop (lock %s)", parsed.database, path)
                waiting = True
            time.sleep(0.1)
