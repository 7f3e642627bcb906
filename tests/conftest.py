"""Shared fixtures: a database per test on SQLite and PostgreSQL, a real server on a free port.

PostgreSQL tests read the admin URL from KNOWNPARTY_TEST_POSTGRES_URL (for example
postgresql+psycopg://postgres@127.0.0.1:5432/postgres). Each test creates its own database and
drops it afterwards. Without the variable they are skipped locally, and fail under CI=true.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

POSTGRES_ENV = "KNOWNPARTY_TEST_POSTGRES_URL"


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set, and PostgreSQL tests must run under CI")
        pytest.skip(f"{POSTGRES_ENV} not set: PostgreSQL tests skipped")
    return url


@pytest.fixture(scope="session")
def postgres_admin_engine():
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from knownparty_service.settings import Settings

    url = Settings(database_url=_postgres_admin_url()).database_url
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {exc.orig}")
    yield engine
    engine.dispose()


def _create_postgres_database(admin_engine) -> tuple[str, callable]:
    name = f"kp_test_{secrets.token_hex(6)}"
    with admin_engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin_engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin_engine.url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'knownparty.db'}"
        return
    admin_engine = request.getfixturevalue("postgres_admin_engine")
    url, drop = _create_postgres_database(admin_engine)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def server(database_url):
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    running = create_server(Settings(database_url=database_url, listen="127.0.0.1:0", max_workers=8))
    try:
        yield running
    finally:
        running.stop(grace=0)


@pytest.fixture
def target(server) -> str:
    return f"127.0.0.1:{server.port}"


@pytest.fixture
def client(target):
    from knownparty_client import KnownPartyClient

    with KnownPartyClient(target, timeout=15) as c:
        yield c


@pytest.fixture(scope="session", autouse=True)
def _signing_key_file(tmp_path_factory):
    """Servers started by the tests sign with a key of their own, not one in the working folder."""
    import os

    path = tmp_path_factory.mktemp("keys") / "signing.key"
    previous = os.environ.get("KNOWNPARTY_SIGNING_KEY_FILE")
    os.environ["KNOWNPARTY_SIGNING_KEY_FILE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("KNOWNPARTY_SIGNING_KEY_FILE", None)
    else:
        os.environ["KNOWNPARTY_SIGNING_KEY_FILE"] = previous
