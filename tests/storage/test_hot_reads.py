"""The precompiled hot reads (Database.fetch_one and friends) from many threads at once."""

from __future__ import annotations

import threading

from sqlalchemy import bindparam, select

from knownparty_service.storage.database import Database, FastQuery
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.tables import parties


def test_reads_from_many_threads_each_get_their_own_answer(database_url):
    upgrade(database_url)
    database = Database(database_url)
    try:
        query = FastQuery(database, select(parties.c.seq, bindparam("echo").label("echo")).where(parties.c.seq == -1))
        echo = FastQuery(database, select(bindparam("echo").label("echo")))
        wrong: list = []

        def read(thread: int) -> None:
            for n in range(300):
                value = f"{thread}-{n}"
                row = database.fetch_one(echo, {"echo": value})
                if row is None or row.echo != value:
                    wrong.append((value, row))
                if database.fetch_one(query, {"echo": value}) is not None:
                    wrong.append((value, "a row where none exists"))

        threads = [threading.Thread(target=read, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert wrong == []
        # SQLite: one connection shared by every thread (a page cache per thread made each read
        # cost several times the CPU); PostgreSQL: one per thread that read.
        if database.is_sqlite:
            assert database.read_connection_count == 1
        else:
            assert 1 <= database.read_connection_count <= len(threads)
    finally:
        database.dispose()


def test_a_postgresql_read_connection_is_replaced_after_its_time_so_plans_are_made_afresh(database_url):
    """PostgreSQL keeps a prepared statement's generic plan: one made while the tables were small
    must not outlive their growth, so each hot-read connection is replaced after a while."""
    upgrade(database_url)
    database = Database(database_url)
    try:
        echo = FastQuery(database, select(bindparam("echo").label("echo")))
        assert database.fetch_one(echo, {"echo": "a"}).echo == "a"
        first = database._thread_connections.connection
        assert database.fetch_one(echo, {"echo": "b"}).echo == "b"
        assert database._thread_connections.connection is first  # within its time: kept
        if database.is_sqlite:
            assert database._thread_connections.replan_at == float("inf")  # no plans kept: it stays
            return
        database._thread_connections.replan_at = 0.0  # its time is up
        assert database.fetch_one(echo, {"echo": "c"}).echo == "c"
        assert database._thread_connections.connection is not first and first.closed
        assert database.read_connection_count == 1
    finally:
        database.dispose()


def test_placeholders_become_postgresql_numbered_parameters():
    from knownparty_service.storage.pg_prepared import numbered

    statement, names = numbered("SELECT %(a)s::INTEGER, %(b)s, %(a)s WHERE x LIKE 'y%%'")
    assert statement == b"SELECT $1::INTEGER, $2, $1 WHERE x LIKE 'y%'"
    assert names == ("a", "b")


def test_hot_reads_return_what_sqlalchemy_returns(database_url):
    """The hot reads (on PostgreSQL straight through libpq) give the values SQLAlchemy gives for
    the same statement: the same types, times aware and in UTC, lists as parameters."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import Boolean, Integer, String

    from knownparty_service.storage.database import list_parameter, one_of
    from knownparty_service.storage.tables import UtcDateTime

    upgrade(database_url)
    database = Database(database_url)
    try:
        statement = select(
            bindparam("number", type_=Integer).label("number"),
            bindparam("text", type_=String).label("text"),
            bindparam("moment", type_=UtcDateTime).label("moment"),
            bindparam("flag", type_=Boolean).label("flag"),
            bindparam("absent", type_=String).label("absent"),
        ).where(one_of(database, bindparam("probe", type_=String), "among"))
        query = FastQuery(database, statement)
        moment = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
        values = {
            "number": 42, "text": "Zoë's %s", "moment": moment, "flag": True, "absent": None,
            "probe": "b", "among": list_parameter(database, ["a", "b"]),
        }
        with database.reading() as connection:
            expected = connection.execute(statement, values).one()
        for _ in range(3):  # prepared at the first read, executed after
            row = database.fetch_one(query, values)
            assert tuple(row) == tuple(expected)
        assert row.moment == moment and row.moment.utcoffset() == timedelta(0)
        assert database.fetch_all(query, {**values, "among": list_parameter(database, ["c"])}) == []
    finally:
        database.dispose()


def test_a_failing_hot_read_raises_the_drivers_error_and_the_connection_reads_on(database_url):
    import pytest
    from sqlalchemy import Integer, String, cast

    upgrade(database_url)
    database = Database(database_url)
    try:
        number = FastQuery(database, select(cast(bindparam("text", type_=String), Integer).label("number")))
        assert database.fetch_one(number, {"text": "12"}).number == 12
        if not database.is_sqlite:  # SQLite makes 0 of it
            import psycopg

            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                database.fetch_one(number, {"text": "twelve"})
        assert database.fetch_one(number, {"text": "13"}).number == 13
        assert database.read_connection_count == 1
    finally:
        database.dispose()
