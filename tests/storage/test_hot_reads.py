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
