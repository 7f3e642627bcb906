"""The process's one engine and the per-request transaction scopes over it."""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import threading
import time
from datetime import datetime, timedelta, timezone
from collections import namedtuple
from collections.abc import Callable, Iterator

from sqlalchemy import Connection, Engine, Select, any_, bindparam, create_engine, event, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from knownparty_service.domain.errors import ServiceUnavailableError, TransactionConflictError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
_KEYS_PER_READ = 500  # values of one `one_of` parameter (fetch_for_each)
# How long a PostgreSQL hot-read connection keeps its prepared statements' plans (_new_read_connection).
READ_CONNECTION_SECONDS = 60.0


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
        # 16 MB of page cache (the default is 2 MB): a bulk import's index pages stay in memory.
        cursor.execute("PRAGMA cache_size=-16384")
        # Checkpoints every 40 MB of WAL (the default is 4 MB): a bulk import rewrites the same index
        # pages batch after batch, and each checkpoint copies them once (a tenth faster at 1M rows).
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("knownparty_writes"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif options.get("knownparty_snapshot"):
            connection.exec_driver_sql("BEGIN")
        # A single read runs in SQLite's own implicit transaction: no BEGIN/COMMIT to pay for.


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
    # No pre-ping: it costs a round trip per request. A connection that died with the server
    # fails its call with UNAVAILABLE (which clients retry) and the pool replaces it.
    # Sized for the server's threads (8 RPC, 4 re-evaluation, index, health) besides the
    # per-thread read connections: with N workers and R replicas PostgreSQL sees up to about
    # N x R x 35 connections (its default max_connections is 100).
    return create_engine(url, pool_size=12, max_overflow=8, pool_recycle=1800)


class Database:
    """Owns the engine; hands out one connection and transaction per request."""

    def __init__(self, url: str, engine: Engine | None = None):
        self.url = url
        self.engine = engine or create_database_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # True once this process is known to be the database's only writer (a server alone on
        # its SQLite file, storage/server_claim.py): what it wrote itself is then all there is.
        self.sole_writer = False
        # Changes after every write transaction this process ends (committed or not): taken
        # before a read and unchanged since, it proves to a sole writer that nothing was written
        # since that read (storage/vet_state_cache.py).
        self._epochs = itertools.count(1)
        self.write_epoch = 0
        # The hot reads' own connections (fetch_one and friends): one per thread on PostgreSQL;
        # on SQLite one shared by all threads, one read at a time. With a connection (and page
        # cache) per thread, eight threads reading at once made a one-row read cost 45-70 us of
        # CPU instead of 16; shared, 18. The GIL serialises the Python around it anyway.
        self._read_lock = threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        self._thread_connections = self._connection_slot()
        self._read_connections: list = []
        self._read_connections_lock = threading.Lock()
        # Single reads skip BEGIN/COMMIT: one statement is atomic on its own.
        self._single_reads = (
            self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """For one statement: no explicit transaction."""
        with _translate_outages(), self._single_reads.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """For several statements that must see one consistent state."""
        with _translate_outages(), self.engine.connect() as connection:
            connection = connection.execution_options(knownparty_snapshot=True)
            with connection.begin():
                yield connection

    @contextlib.contextmanager
    def writing(self, *, keyed: bool = False) -> Iterator[Connection]:
        """One write transaction. `keyed`: it writes only decisions and their stamps, which the
        caller accounts for key by key (storage/vet_state_cache.py), so the write epoch stays
        unless the transaction fails."""
        ended = False
        try:
            with _translate_outages(), self.engine.connect() as connection:
                connection = connection.execution_options(knownparty_writes=True)
                with connection.begin():
                    yield connection
            ended = True
        finally:
            if not (keyed and ended):
                self.note_written()

    def note_written(self) -> None:
        """After a write: this process's, once its transaction has ended, or another process's
        (the vetting helper's) once this process has heard of it."""
        self.write_epoch = next(self._epochs)

    def fetch_one(self, query: "FastQuery", values: dict):
        """Runs a precompiled single-row read on this thread's own driver connection, outside any
        transaction: for the hottest reads, where pool checkout and SQLAlchemy's per-call work
        would be most of the cost. The server's thread pool is fixed, so is the connection count."""
        rows = self._read(query, values)
        return query.make_row(rows[0]) if rows else None

    def fetch_all(self, query: "FastQuery", values: dict) -> list:
        """fetch_one for a SELECT of several rows."""
        return [query.make_row(row) for row in self._read(query, values)]

    def fetch_for_each(self, query: "FastQuery", name: str, keys, values: dict | None = None) -> list:
        """fetch_all of a query whose `name` parameter is a `one_of` list, for every key of `keys`:
        one read per few hundred keys (sorted, so that runs hit the index in order)."""
        rows = []
        for chunk in key_chunks(self, keys):
            rows.extend(self.fetch_all(query, {**(values or {}), name: chunk}))
        return rows

    def _read(self, query: "FastQuery", values: dict) -> list[tuple]:
        with self._read_lock:
            slot = self._thread_connections
            connection = getattr(slot, "connection", None)
            try:
                if connection is not None and slot.replan_at < time.monotonic():
                    self._drop_read_connection()
                    connection = None
                if connection is None:
                    connection = self._new_read_connection()
                if not self.is_sqlite:
                    return slot.prepared.rows(*query.numbered, query.parameters(values))
                cursor = connection.cursor()
                try:
                    cursor.execute(query.sql, query.parameters(values))
                    return cursor.fetchall()
                finally:
                    cursor.close()
            except (self.engine.dialect.dbapi.OperationalError, OperationalError) as exc:
                self._drop_read_connection()
                log.warning("database unavailable: %s", exc)
                raise ServiceUnavailableError("the database is unavailable; retry later") from exc

    def _connection_slot(self):
        """Where _read keeps its connection: a slot per thread, or one for all on SQLite."""
        return _SharedConnectionSlot() if self.is_sqlite else threading.local()

    def _new_read_connection(self):
        # Detached from the pool (the connect-time PRAGMAs have run), in autocommit mode.
        pooled = self.engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()
        slot = self._thread_connections
        slot.replan_at = math.inf
        if not self.is_sqlite:
            from knownparty_service.storage.pg_prepared import PreparedReads

            connection.autocommit = True
            slot.prepared = PreparedReads(connection)
            # Each statement is prepared once, and PostgreSQL then keeps a generic plan: planning
            # anew at every run cost a one-row read three times its execution, in PostgreSQL's
            # CPU beside the server's. But a plan made while the tables were small (or never
            # analyzed: autovacuum can be off) could scan them whole once they have grown, so
            # each connection lives a bounded time and its successor plans afresh (from the
            # tables' sizes as they are then).
            slot.replan_at = time.monotonic() + READ_CONNECTION_SECONDS
        slot.connection = connection
        with self._read_connections_lock:
            self._read_connections.append(connection)
        return connection

    def _drop_read_connection(self) -> None:
        connection = getattr(self._thread_connections, "connection", None)
        self._thread_connections.connection = None
        if connection is not None:
            with self._read_connections_lock:
                self._read_connections.remove(connection)
            with contextlib.suppress(Exception):
                connection.close()

    @property
    def read_connection_count(self) -> int:
        """Open hot-read connections: at most one per thread that ever read (one on SQLite)."""
        return len(self._read_connections)

    def ping(self) -> None:
        with self.reading() as connection:
            connection.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        with self._read_connections_lock:
            connections, self._read_connections = self._read_connections, []
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.close()
        self._thread_connections = self._connection_slot()
        self.engine.dispose()


class _SharedConnectionSlot:
    """Where _read finds its connection: like a threading.local, but one slot for all threads."""

    connection = None
    replan_at = math.inf


# PostgreSQL's serialization failure and deadlock: the transaction was rolled back, not lost.
_CONFLICT_STATES = ("40001", "40P01")


@contextlib.contextmanager
def _translate_outages() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) in _CONFLICT_STATES:
            raise TransactionConflictError("a concurrent change collided with this one; retry") from exc
        log.warning("database unavailable: %s", exc.orig)
        raise ServiceUnavailableError("the database is unavailable; retry later") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise ServiceUnavailableError("the database connection was lost; retry later") from exc
        raise


class FastQuery:
    """A SELECT compiled once for the engine's dialect, with SQLAlchemy's own result processing
    of each column (so times come back as aware UTC datetimes on SQLite and PostgreSQL alike)."""

    def __init__(self, database: Database, statement: Select):
        dialect = database.engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._positional = list(compiled.positiontup) if compiled.positional else None
        if dialect.name == "postgresql":
            from knownparty_service.storage.pg_prepared import numbered

            # The $n statement and its parameter names, for the hot reads' libpq calls.
            self.numbered = numbered(self.sql)
        # Values fixed in the statement itself (a LIMIT) travel with every call's own.
        self._fixed = {name: value for name, value in compiled.params.items() if value is not None}
        columns = list(statement.selected_columns)
        self._row_type = namedtuple("Row", [c.key for c in columns])
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        self._processors: list[tuple[int, Callable]] = [(i, p) for i, p in enumerate(processors) if p is not None]

    def parameters(self, values: dict):
        if self._fixed:
            values = {**self._fixed, **values}
        return tuple(values[name] for name in self._positional) if self._positional is not None else values

    def make_row(self, raw: tuple):
        if self._processors:
            raw = list(raw)
            for index, process in self._processors:
                raw[index] = process(raw[index])
        return self._row_type(*raw)


class BulkStatement:
    """An INSERT/UPDATE compiled once and run with the driver's own executemany, for bulk writes
    where SQLAlchemy's per-row parameter processing would dominate. Each column's bind processor
    still runs (so times are stored exactly as SQLAlchemy stores them)."""

    def __init__(self, database: Database, statement, parameter_types: dict):
        dialect = database.engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._positional = list(compiled.positiontup) if compiled.positional else None
        # Literals inside the statement (the 1 of "version + 1") are binds with fixed values.
        self._fixed = {name: value for name, value in compiled.params.items() if value is not None}
        # The parameter order run_tuples expects.
        self.order = (
            [n for n in self._positional if n not in self._fixed]
            if self._positional is not None
            else [n for n in compiled.params if n not in self._fixed]
        )
        self._processors = {}
        for name, type_ in parameter_types.items():
            if getattr(type_, "utc_datetime", False):
                # The generic processing chain costs microseconds per value; for bulk rows it
                # is done directly: the driver takes aware datetimes on PostgreSQL, and SQLite
                # gets SQLAlchemy's own text form of the UTC time.
                if dialect.name == "sqlite":
                    self._processors[name] = _sqlite_utc_text
                continue
            processor = type_.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors[name] = processor

    def run_tuples(self, connection: Connection, rows: list[tuple]) -> None:
        """Rows already in `self.order`, their times already converted (`time_writer`): the
        fastest path, for the bulk import."""
        if not rows:
            return
        if self._positional is None:
            names = self.order
            rows = [dict(zip(names, row)) for row in rows]
            if self._fixed:
                rows = [{**self._fixed, **row} for row in rows]
        elif self._fixed:
            raise ValueError("run_tuples does not take statements with fixed values")
        with driver_cursor(connection) as cursor:
            cursor.executemany(self.sql, rows)

    def run(self, connection: Connection, rows: list[dict]) -> None:
        if not rows:
            return
        processors = self._processors
        if processors:
            rows = [{k: (processors[k](v) if k in processors else v) for k, v in row.items()} for row in rows]
        if self._fixed:
            rows = [{**self._fixed, **row} for row in rows]
        if self._positional is not None:
            names = self._positional
            parameters = [tuple(row[n] for n in names) for row in rows]
        else:
            parameters = rows
        with driver_cursor(connection) as cursor:
            cursor.executemany(self.sql, parameters)


_ZERO = timedelta(0)


def time_writer(database: Database) -> Callable[[datetime | None], object]:
    """What the driver is given for an aware UTC datetime, as UtcDateTime would bind it."""
    return _sqlite_utc_text if database.is_sqlite else _as_is


def time_reader(database: Database) -> Callable[[object], datetime | None]:
    """An aware UTC datetime from what the driver returns for a UtcDateTime column."""
    return _sqlite_time if database.is_sqlite else _aware_utc


class _Converted(dict):
    """Times converted by `convert`, each distinct value once (a batch's lines share many of
    their times). A dict subclass so that a hit is a plain subscript, without a Python call.
    Given `back`, the cache of the other direction, it teaches it each value's way back: a time
    read is written back as what it came from (an updated row rewrites most of its times)."""

    __slots__ = ("_convert", "_back")

    def __init__(self, convert, back: dict | None = None):
        super().__init__()
        self[None] = None
        self._convert = convert
        self._back = back

    def __missing__(self, value):
        converted = self[value] = self._convert(value)
        if self._back is not None:
            self._back[converted] = value
        return converted


def time_texts(database: Database) -> dict:
    """A fresh cache of `time_writer`: cache[aware datetime or None] -> what the driver takes."""
    return _Converted(time_writer(database))


def stored_times(database: Database, texts: dict | None = None) -> dict:
    """A fresh cache of `time_reader`: cache[what the driver returned] -> aware UTC datetime.
    Given the `time_texts` cache of the same transaction, it fills it with what it reads."""
    return _Converted(time_reader(database), texts)


def _as_is(value):
    return value


def _sqlite_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        # SQLite keeps UTC times as naive text: marking the text is much cheaper than .replace().
        return datetime.fromisoformat(text + "+00:00")
    except ValueError:
        return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None or value.utcoffset() == _ZERO:
        return value
    return value.astimezone(timezone.utc)


def one_of(database: Database, column, name: str):
    """`column` IN the values of one list parameter (give it `list_parameter(database, values)`):
    one statement text whatever the number of values, so it is prepared and planned once."""
    if database.is_sqlite:
        # A JSON array, unpacked by SQLite itself.
        return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(name))))
    return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))


def list_parameter(database: Database, values) -> object:
    """The value of a `one_of` parameter."""
    return json.dumps(list(values)) if database.is_sqlite else list(values)


def driver_rows(connection: Connection, query: "FastQuery", values: dict) -> list[tuple]:
    """Runs a precompiled SELECT inside the connection's transaction; raw driver tuples."""
    with driver_cursor(connection) as cursor:
        cursor.execute(query.sql, query.parameters(values))
        return cursor.fetchall()


def driver_rows_for_each(database: Database, connection: Connection, query: "FastQuery", name: str, keys) -> list[tuple]:
    """driver_rows of a query whose `name` parameter is a `one_of` list, for every key of `keys`
    (Database.fetch_for_each, inside the connection's transaction)."""
    rows: list[tuple] = []
    for chunk in key_chunks(database, keys):
        rows.extend(driver_rows(connection, query, {name: chunk}))
    return rows


def key_chunks(database: Database, keys) -> Iterator:
    """`keys` as `one_of` parameters of a few hundred each, sorted (runs hit the index in order)."""
    keys = sorted(set(keys))
    for start in range(0, len(keys), _KEYS_PER_READ):
        yield list_parameter(database, keys[start : start + _KEYS_PER_READ])


def fetched(connection: Connection, query: "FastQuery", values: dict) -> list:
    """driver_rows, each made a row by the query (its columns' result processing)."""
    return [query.make_row(row) for row in driver_rows(connection, query, values)]


@contextlib.contextmanager
def driver_cursor(connection: Connection):
    """A cursor of the driver itself, inside the connection's transaction. Its errors come out as
    SQLAlchemy's, as from `connection.execute`, so callers catch one family (IntegrityError, or a
    deadlock's OperationalError to retry) whichever path ran the statement."""
    dialect = connection.dialect
    driver_error = dialect.loaded_dbapi.Error
    cursor = connection.connection.driver_connection.cursor()
    try:
        yield cursor
    except driver_error as exc:
        raise DBAPIError.instance(None, None, exc, driver_error, dialect=dialect) from exc
    finally:
        cursor.close()


def _sqlite_utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not timezone.utc:
        value = value.astimezone(timezone.utc)
    # SQLAlchemy's own format for SQLite, a third cheaper than isoformat() and a slice.
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
    )