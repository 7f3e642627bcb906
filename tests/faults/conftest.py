"""Fixtures of the fault tests: a private PostgreSQL cluster that a test may stop and start, and
`knownparty serve` processes that a test may kill."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from faults_support import PrivatePostgres, ServeProcess, find_postgres_bindir


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test alone (the shared one must never be stopped)."""
    bindir = find_postgres_bindir()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found: database outage tests need them"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp_path: its parents are private to root, and the cluster runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="kp-faults-pg-"))
    cluster = PrivatePostgres(bindir, root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop("immediate", check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def serve_process(tmp_path):
    """serve_process(database_url) -> a started ServeProcess; all are killed at the end."""
    started: list[ServeProcess] = []

    def start(database_url: str, **env: str) -> ServeProcess:
        process = ServeProcess(database_url, tmp_path / f"serve-{len(started)}.log", env)
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def local_key():
    """local_key(database_url) -> an admin API key's token, made straight in the database."""

    def make(database_url: str, organization: str = "acme") -> str:
        import json
        import sys

        made = subprocess.run(
            [sys.executable, "-m", "knownparty_client.cli", "--json", "keys", "create", "--local", "--db", database_url,
             "--org", organization, "--role", "admin"],
            capture_output=True, text=True, timeout=60, check=True,
        )
        return json.loads(made.stdout)["token"]

    return make
