"""The process's one engine and the per-request transaction scopes over it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from knownparty_service.domain.errors import ServiceUnavailableError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # The driver's own transaction handling is turned off so that we can choose BEGIN
        # IMMEDIATE for writes (a deferred read-then-write transaction fails at once in WAL mode
        # when another writer got there first, instead of waiting out the busy timeout).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get("knownparty_writes", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def create_database_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=32,
            max_overflow=32,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=16, max_overflow=16, pool_pre_ping=True)


class Database:
    """Owns the engine; hands out one connection and transaction per request."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or create_database_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        with _translate_outages(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        with _translate_outages(), self.engine.connect() as connection:
            connection = connection.execution_options(knownparty_writes=True)
            with connection.begin():
                yield connection

    def ping(self) -> None:
        with self.reading() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


@contextlib.contextmanager
def _translate_outages() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        log.warning("database unavailable: %s", exc.orig)
        raise ServiceUnavailableError("the database is unavailable; retry later") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise ServiceUnavailableError("the database connection was lost; retry later") from exc
        raise
