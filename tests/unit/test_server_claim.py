"""Claims on an SQLite file: one server alone, or the workers of one server, never both."""

from __future__ import annotations

import pytest

from knownparty_service.storage.server_claim import DatabaseClaimed, claim_sqlite_database


def test_a_server_alone_excludes_any_other_until_it_releases(tmp_path):
    url = f"sqlite:///{tmp_path / 'kp.db'}"
    alone = claim_sqlite_database(url, alone=True, wait_seconds=0)
    assert alone is not None and alone.exclusive
    with pytest.raises(DatabaseClaimed, match="one server per SQLite file"):
        claim_sqlite_database(url, alone=True, wait_seconds=0.2)
    with pytest.raises(DatabaseClaimed):
        claim_sqlite_database(url, alone=False, wait_seconds=0)
    alone.release()
    again = claim_sqlite_database(url, alone=True, wait_seconds=0)
    assert again is not None
    again.release()


def test_workers_share_a_file_and_keep_a_server_alone_out(tmp_path):
    url = f"sqlite:///{tmp_path / 'kp.db'}"
    workers = [claim_sqlite_database(url, alone=False, wait_seconds=0) for _ in range(2)]
    assert all(w is not None and not w.exclusive for w in workers)
    with pytest.raises(DatabaseClaimed):
        claim_sqlite_database(url, alone=True, wait_seconds=0)
    for worker in workers:
        worker.release()


def test_databases_that_are_not_sqlite_files_are_not_claimed(tmp_path):
    assert claim_sqlite_database("sqlite://", alone=True, wait_seconds=0) is None
    assert claim_sqlite_database("postgresql+psycopg://postgres@127.0.0.1/x", alone=True, wait_seconds=0) is None
