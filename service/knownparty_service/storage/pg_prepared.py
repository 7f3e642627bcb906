"""The hot reads on PostgreSQL run with libpq's own prepare and execute calls.

A one-row read through a psycopg cursor cost the server about 204-239 us of CPU with eight
threads reading at once, against 101 us this way (bench/hot_reads.py: same statement). The
cursor's per-call machinery (a cursor, its transformer, the wait generators around the socket)
is what the difference pays for; the adaptation of values both ways is psycopg's own here too
(its Transformer), so rows come back as the cursor would return them. libpq lets go of the GIL
while it waits for the answer, as the cursor does.

For connections in autocommit mode only: psycopg would not see a transaction begun here.
"""

from __future__ import annotations

import re

from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def numbered(sql: str) -> tuple[bytes, tuple[str, ...]]:
    """A pyformat statement (as SQLAlchemy compiles it for psycopg) in PostgreSQL's own $n form,
    and the parameter names in $n order."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PLACEHOLDER.sub(number, sql).encode(), tuple(names)


class PreparedReads:
    """One autocommit connection's prepared statements: prepared at first use, then executed."""

    def __init__(self, connection):
        self._pgconn = connection.pgconn
        self._encoding = connection.info.encoding
        self._transformer = Transformer(connection)
        self._names: dict[tuple, bytes] = {}  # (statement, parameter types) -> prepared name

    def rows(self, statement: bytes, names: tuple[str, ...], values: dict) -> list[tuple]:
        transformer = self._transformer
        parameters = transformer.dump_sequence([values[n] for n in names], [PyFormat.AUTO] * len(names))
        key = (statement, transformer.types)
        name = self._names.get(key)
        if name is None:
            name = f"knownparty_{len(self._names)}".encode()
            self._check(self._pgconn.prepare(name, statement, transformer.types), pq.ExecStatus.COMMAND_OK)
            self._names[key] = name
        result = self._pgconn.exec_prepared(name, parameters, transformer.formats, pq.Format.TEXT)
        self._check(result, pq.ExecStatus.TUPLES_OK)
        transformer.set_pgresult(result)
        return transformer.load_rows(0, result.ntuples, tuple)

    def _check(self, result, expected) -> None:
        if result.status == expected:
            return
        if self._pgconn.status == pq.ConnStatus.BAD or result.error_field(pq.DiagnosticField.SQLSTATE) is None:
            # The connection is gone (no error of the statement's own): as psycopg says it.
            message = (result.error_message or self._pgconn.error_message).decode(self._encoding, "replace")
            raise errors.OperationalError(message.strip() or "the connection to the database was lost")
        raise errors.error_from_result(result, encoding=self._encoding)
