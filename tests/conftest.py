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
def server_target(server, admin_token, monkeypatch) -> str:
    # Clients and the command line made with only the address act as the test organisation's admin.
    monkeypatch.setenv("KNOWNPARTY_API_KEY", admin_token)
    return f"127.0.0.1:{server.port}"


@pytest.fixture
def target(server_target) -> str:
    return server_target


TEST_ORGANIZATION = "test-org"


@pytest.fixture
def admin_key():
    """admin_key(running) -> a new admin API key's token on a server a test started itself."""
    from knownparty_service.domain.access import Role

    def issue(running, organization: str = TEST_ORGANIZATION) -> str:
        _, token = running.keyring.create(organization, Role.ADMIN, display_name="tests admin", created_by="tests")
        return token

    return issue


@pytest.fixture
def issue_key(server):
    """issue_key(role, organization=TEST_ORGANIZATION) -> a new API key's token."""
    from knownparty_service.domain.access import Role

    def issue(role: str = "admin", organization: str = TEST_ORGANIZATION) -> str:
        _, token = server.keyring.create(organization, Role(role), display_name=f"tests {role}", created_by="tests")
        return token

    return issue


@pytest.fixture
def admin_token(issue_key) -> str:
    return issue_key("admin")


@pytest.fixture
def admin_metadata(admin_token) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying an admin API key of the test organisation (for raw stubs)."""
    return (("authorization", f"Bearer {admin_token}"),)


@pytest.fixture
def client(target, admin_token):
    from knownparty_client import KnownPartyClient

    with KnownPartyClient(target, timeout=15, api_key=admin_token) as c:
        yield c


def _key_file_in(tmp_path_factory, variable: str, file_name: str):
    previous = os.environ.get(variable)
    path = tmp_path_factory.mktemp("keys") / file_name
    os.environ[variable] = str(path)
    yield path
    if previous is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = previous


@pytest.fixture(scope="session", autouse=True)
def _signing_key_file(tmp_path_factory):
    """Servers started by the tests sign with a key of their own, not one in the working folder."""
    yield from _key_file_in(tmp_path_factory, "KNOWNPARTY_SIGNING_KEY_FILE", "signing.key")


@pytest.fixture(scope="session", autouse=True)
def _data_key_file(tmp_path_factory):
    """Servers started by the tests encrypt with data keys of their own, not ones in the working folder."""
    yield from _key_file_in(tmp_path_factory, "KNOWNPARTY_DATA_KEY_FILE", "data.key")


@pytest.fixture(scope="session", autouse=True)
def _metrics_port():
    """Servers started by the tests (`knownparty serve` too) serve metrics on a free port, not 9464."""
    previous = os.environ.get("KNOWNPARTY_METRICS_LISTEN")
    os.environ["KNOWNPARTY_METRICS_LISTEN"] = "127.0.0.1:0"
    yield
    if previous is None:
        os.environ.pop("KNOWNPARTY_METRICS_LISTEN", None)
    else:
        os.environ["KNOWNPARTY_METRICS_LISTEN"] = previous
