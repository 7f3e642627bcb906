"""The server as operators meet it: health, reflection, migrations, signals, no leaked internals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from sqlalchemy import create_engine, inspect

from knownparty_client import KnownPartyClient, errors, types
from knownparty_service.domain.access import Role
from knownparty_service.storage.migrate import head_revision, upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_serving_for_every_service(target):
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "knownparty.v1.PartyService", "knownparty.v1.DiagnosticsService"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as caught:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_services(target):
    with grpc.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
        services = {s.name for reply in replies for s in reply.list_services_response.service}
    assert {"knownparty.v1.PartyService", "knownparty.v1.DiagnosticsService", "grpc.health.v1.Health"} <= services


def test_stop_reports_not_serving_and_refuses_new_calls(database_url):
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    running = create_server(Settings(database_url=database_url, listen="127.0.0.1:0"))
    target = f"127.0.0.1:{running.port}"
    _, token = running.keyring.create("ops", Role.AUDITOR, created_by="tests")
    with KnownPartyClient(target, timeout=5, api_key=token) as client:
        assert client.echo("up") == "up"
        running.stop(grace=0)
        with pytest.raises(errors.Unavailable):
            client.echo("down", timeout=1)


def test_migrations_reach_head_and_are_idempotent(database_url):
    assert upgrade(database_url) == head_revision()
    assert upgrade(database_url) == head_revision()
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {
        "parties", "party_identifiers", "party_countries", "party_revisions", "idempotency_records", "api_keys",
        "audit_events",
    } <= tables


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(target: str, process: subprocess.Popen, deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.stderr.read().decode()}")
        try:
            with grpc.insecure_channel(target) as channel:
                status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1).status
            if status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become SERVING in time")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_command_keeps_data_and_exits_cleanly_on_signal(tmp_path, signum):
    db = tmp_path / "served.db"
    port = _free_port()
    target = f"127.0.0.1:{port}"
    env = {**os.environ, "KNOWNPARTY_LISTEN": target}
    # The first key is made on the server host, straight in the database.
    made = subprocess.run(
        [sys.executable, "-m", "knownparty_client.cli", "--json", "keys", "create", "--local", "--db", f"sqlite:///{db}",
         "--org", "acme", "--role", "carrier"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    token = json.loads(made.stdout)["token"]
    command = [sys.executable, "-m", "knownparty_client.cli", "serve", "--db", f"sqlite:///{db}"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_until_serving(target, process)
        with KnownPartyClient(target, timeout=5, api_key=token) as client:
            created = client.create_party(
                types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Signal Test", addresses=[types.Address(country="MX")])
            )
        process.send_signal(signum)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # The data survives a restart on the same file.
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    running = create_server(Settings(database_url=f"sqlite:///{db}", listen="127.0.0.1:0"))
    try:
        with KnownPartyClient(f"127.0.0.1:{running.port}", timeout=5, api_key=token) as client:
            assert client.get_party(created.name) == created
    finally:
        running.stop(grace=0)


def test_unexpected_errors_leave_as_internal_without_internals(server, target, monkeypatch):
    from knownparty_service.storage.party_repository import SqlPartyRepository

    def explode(self, party_id):
        raise RuntimeError("secret connection string postgres://admin:hunter2@db")

    monkeypatch.setattr(SqlPartyRepository, "get", explode)
    with KnownPartyClient(f"127.0.0.1:{server.port}", timeout=5) as client:
        with pytest.raises(errors.Internal) as caught:
            client.get_party("parties/any")
    assert "hunter2" not in str(caught.value) and "Traceback" not in str(caught.value)
    assert "incident" in caught.value.message


def test_serve_refuses_a_bad_policy_file_with_its_line(tmp_path):
    from knownparty_service.settings import DEFAULT_POLICY_FILE

    policy = tmp_path / "policy.toml"
    policy.write_text(DEFAULT_POLICY_FILE.read_text().replace("look_back_days = 365", "look_back_days = -30"))
    env = {**os.environ, "KNOWNPARTY_POLICY_FILE": str(policy), "KNOWNPARTY_LISTEN": f"127.0.0.1:{_free_port()}"}
    command = [sys.executable, "-m", "knownparty_client.cli", "serve", "--db", f"sqlite:///{tmp_path / 'p.db'}"]
    finished = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    line = next(n for n, text in enumerate(policy.read_text().splitlines(), 1) if text.startswith("look_back_days"))
    assert f"{policy}:{line}: repeat_customer.look_back_days = -30 is outside" in finished.stderr


def test_serve_refuses_a_taken_port_in_one_line(tmp_path, server):
    """A second server on a port already served says so, without a traceback."""
    env = {**os.environ, "KNOWNPARTY_LISTEN": f"127.0.0.1:{server.port}", "KNOWNPARTY_METRICS_LISTEN": ""}
    command = [sys.executable, "-m", "knownparty_client.cli", "serve", "--db", f"sqlite:///{tmp_path / 'p.db'}"]
    finished = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert f"listen 127.0.0.1:{server.port}: cannot listen there" in finished.stderr
    assert "Traceback" not in finished.stderr and "RuntimeError" not in finished.stderr


def test_a_second_server_on_the_same_sqlite_file_is_refused_in_one_line(tmp_path):
    """A server alone on its SQLite file trusts what it wrote (standing reads need no query), so
    another server on that file is refused, once the first has had its grace time to stop."""
    from knownparty_service.api.server import create_server
    from knownparty_service.settings import Settings

    url = f"sqlite:///{tmp_path / 'p.db'}"
    running = create_server(Settings(database_url=url, listen="127.0.0.1:0", metrics_listen=""))
    try:
        assert running.database.sole_writer
        env = {**os.environ, "KNOWNPARTY_LISTEN": "127.0.0.1:0", "KNOWNPARTY_METRICS_LISTEN": "", "KNOWNPARTY_SHUTDOWN_GRACE_SECONDS": "0"}
        command = [sys.executable, "-m", "knownparty_client.cli", "serve", "--db", url]
        finished = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert finished.returncode == 2
        assert "another knownparty server uses" in finished.stderr and "PostgreSQL for several servers" in finished.stderr
        assert "Traceback" not in finished.stderr
    finally:
        running.stop(grace=0)
    # Stopped: the file is free for the next server.
    again = create_server(Settings(database_url=url, listen="127.0.0.1:0", metrics_listen=""))
    again.stop(grace=0)
