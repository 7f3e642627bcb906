"""TLS and mutual TLS from settings, against certificates made here; reflection off; the plain-text warning."""

from __future__ import annotations

import datetime
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from pydantic import ValidationError
from typer.testing import CliRunner

from knownparty_client import KnownPartyClient, errors
from knownparty_client.cli import app
from knownparty_client.tls import tls_credentials
from knownparty_service.api.server import RunningServer, create_server
from knownparty_service.api.transport import is_loopback
from knownparty_service.domain.policy import PolicyError
from knownparty_service.settings import Settings

SERVING = health_pb2.HealthCheckResponse.SERVING


# -- certificates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    stranger_cert: Path  # a client certificate from other_ca
    stranger_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, key, issuer, issuer_key, *, ca=False, sans=(), usage=None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, stem: str, cert: x509.Certificate, key) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _ca(folder: Path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(name, key, name, key, ca=True)
    path, _ = _write(folder, name, cert, key)
    return path, key


def _issue(folder: Path, stem: str, ca_name: str, ca_key, **kwargs) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    return _write(folder, stem, _certificate(stem, key, ca_name, ca_key, **kwargs), key)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    import ipaddress

    folder = tmp_path_factory.mktemp("pki")
    ca, ca_key = _ca(folder, "test-ca")
    other_ca, other_key = _ca(folder, "other-ca")
    server_cert, server_key = _issue(
        folder, "server", "test-ca", ca_key,
        sans=(x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))),
        usage=ExtendedKeyUsageOID.SERVER_AUTH,
    )
    client_cert, client_key = _issue(folder, "client", "test-ca", ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    stranger_cert, stranger_key = _issue(
        folder, "stranger", "other-ca", other_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH
    )
    return Pki(ca, server_cert, server_key, client_cert, client_key, other_ca, stranger_cert, stranger_key)


# -- servers ----------------------------------------------------------------------------------


@contextmanager
def serving(database_url: str, **settings) -> Iterator[RunningServer]:
    running = create_server(Settings(database_url=database_url, listen=settings.pop("listen", "127.0.0.1:0"), **settings))
    try:
        yield running
    finally:
        running.stop(grace=0)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tls.db'}"


def _check_health(channel: grpc.Channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status


def _health_code(channel: grpc.Channel) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        _check_health(channel)
    return caught.value.code()


def _echo_reaches_the_server(client: KnownPartyClient) -> None:
    """Echo answers, or (once API keys are required) refuses the missing key: either way past TLS."""
    try:
        assert client.echo("over tls") == "over tls"
    except errors.Unauthenticated:
        pass


# -- TLS --------------------------------------------------------------------------------------


def test_tls_serves_clients_that_trust_its_ca_and_refuses_plain_text(pki, database_url):
    with serving(database_url, tls_cert_file=pki.server_cert, tls_key_file=pki.server_key) as running:
        target = f"127.0.0.1:{running.port}"
        with grpc.secure_channel(target, tls_credentials(pki.ca)) as channel:
            assert _check_health(channel) == SERVING
        with grpc.secure_channel(f"localhost:{running.port}", tls_credentials(pki.ca)) as channel:
            assert _check_health(channel) == SERVING
        with KnownPartyClient(target, timeout=5, credentials=tls_credentials(pki.ca)) as client:
            _echo_reaches_the_server(client)

        with grpc.insecure_channel(target) as channel:
            assert _health_code(channel) == grpc.StatusCode.UNAVAILABLE
        with grpc.secure_channel(target, tls_credentials(pki.other_ca)) as channel:  # the server is not trusted
            assert _health_code(channel) == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_admits_only_clients_with_a_certificate_from_the_client_ca(pki, database_url):
    tls = dict(tls_cert_file=pki.server_cert, tls_key_file=pki.server_key, tls_client_ca_file=pki.ca)
    with serving(database_url, **tls) as running:
        target = f"127.0.0.1:{running.port}"
        with grpc.secure_channel(target, tls_credentials(pki.ca, pki.client_cert, pki.client_key)) as channel:
            assert _check_health(channel) == SERVING
        credentials = tls_credentials(pki.ca, pki.client_cert, pki.client_key)
        with KnownPartyClient(target, timeout=5, credentials=credentials) as client:
            _echo_reaches_the_server(client)

        with grpc.secure_channel(target, tls_credentials(pki.ca)) as channel:  # no client certificate
            assert _health_code(channel) == grpc.StatusCode.UNAVAILABLE
        stranger = tls_credentials(pki.ca, pki.stranger_cert, pki.stranger_key)
        with grpc.secure_channel(target, stranger) as channel:
            assert _health_code(channel) == grpc.StatusCode.UNAVAILABLE
        with grpc.insecure_channel(target) as channel:
            assert _health_code(channel) == grpc.StatusCode.UNAVAILABLE


def test_the_cli_speaks_tls_and_mutual_tls(pki, sqlite_url, monkeypatch):
    runner = CliRunner()
    tls = dict(tls_cert_file=pki.server_cert, tls_key_file=pki.server_key, tls_client_ca_file=pki.ca)
    with serving(sqlite_url, **tls) as running:
        target = ["--target", f"127.0.0.1:{running.port}", "--timeout", "5"]
        mtls = ["--ca-file", str(pki.ca), "--cert-file", str(pki.client_cert), "--key-file", str(pki.client_key)]
        result = runner.invoke(app, [*target, *mtls, "health"])
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == "SERVING"

        monkeypatch.setenv("KNOWNPARTY_TLS_CA_FILE", str(pki.ca))
        monkeypatch.setenv("KNOWNPARTY_CLIENT_CERT_FILE", str(pki.client_cert))
        monkeypatch.setenv("KNOWNPARTY_CLIENT_KEY_FILE", str(pki.client_key))
        result = runner.invoke(app, [*target, "health"])
        assert result.exit_code == 0, result.output

        monkeypatch.delenv("KNOWNPARTY_CLIENT_CERT_FILE")
        monkeypatch.delenv("KNOWNPARTY_CLIENT_KEY_FILE")
        result = runner.invoke(app, [*target, "health"])  # TLS, but no client certificate
        assert result.exit_code == 1 and "UNAVAILABLE" in result.stdout

        result = runner.invoke(app, [*target, "--ca-file", str(pki.ca) + ".missing", "health"])
        assert result.exit_code == 1 and f"{pki.ca}.missing" in result.output

    with serving(sqlite_url) as plain:
        result = runner.invoke(app, ["--target", f"127.0.0.1:{plain.port}", "--timeout", "5", "health"])
        assert result.exit_code == 1  # the CA file in the environment still asks for TLS


def test_a_client_certificate_needs_its_key():
    with pytest.raises(ValueError, match="private key"):
        tls_credentials(cert_file="client.pem")


# -- refusing to start ------------------------------------------------------------------------


def test_bad_tls_files_refuse_the_start_naming_the_file(pki, sqlite_url, tmp_path):
    missing = tmp_path / "absent.pem"
    with pytest.raises(PolicyError, match=f"{missing}: cannot read the TLS certificate"):
        create_server(Settings(database_url=sqlite_url, tls_cert_file=missing, tls_key_file=pki.server_key))

    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(PolicyError, match=f"{garbage}: the TLS certificate file holds no PEM certificate"):
        create_server(Settings(database_url=sqlite_url, tls_cert_file=garbage, tls_key_file=pki.server_key))
    with pytest.raises(PolicyError, match=f"{garbage}: the TLS private key file holds no PEM private key"):
        create_server(Settings(database_url=sqlite_url, tls_cert_file=pki.server_cert, tls_key_file=garbage))
    with pytest.raises(PolicyError, match=f"{pki.client_key}: this TLS private key does not belong"):
        create_server(Settings(database_url=sqlite_url, tls_cert_file=pki.server_cert, tls_key_file=pki.client_key))
    with pytest.raises(PolicyError, match=f"{tmp_path}: cannot read the TLS client CA"):
        create_server(
            Settings(
                database_url=sqlite_url,
                tls_cert_file=pki.server_cert,
                tls_key_file=pki.server_key,
                tls_client_ca_file=tmp_path,  # a folder
            )
        )
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # refused before touching the database


def test_tls_settings_that_do_not_go_together_are_refused(pki):
    with pytest.raises(ValidationError, match="tls_cert_file and tls_key_file must be set together"):
        Settings(tls_cert_file=pki.server_cert)
    with pytest.raises(ValidationError, match="tls_cert_file and tls_key_file must be set together"):
        Settings(tls_key_file=pki.server_key)
    with pytest.raises(ValidationError, match="tls_client_ca_file .* needs tls_cert_file and tls_key_file"):
        Settings(tls_client_ca_file=pki.ca)


def test_serve_refuses_a_missing_certificate_with_its_path(pki, tmp_path):
    missing = tmp_path / "absent.pem"
    env = {
        **os.environ,
        "KNOWNPARTY_TLS_CERT_FILE": str(missing),
        "KNOWNPARTY_TLS_KEY_FILE": str(pki.server_key),
        "KNOWNPARTY_LISTEN": "127.0.0.1:0",
    }
    command = [sys.executable, "-m", "knownparty_client.cli", "serve", "--db", f"sqlite:///{tmp_path / 's.db'}"]
    finished = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2, finished.stderr
    assert f"refusing to start: {missing}: cannot read the TLS certificate" in finished.stderr


# -- reflection and the plain-text warning ------------------------------------------------------


def test_reflection_can_be_turned_off_while_health_stays_open(sqlite_url):
    with serving(sqlite_url, reflection=False) as running, grpc.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        assert _check_health(channel) == SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        with pytest.raises(grpc.RpcError) as caught:
            list(stub.ServerReflectionInfo(iter([request]), timeout=5))
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize(
    ("listen", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("127.1.2.3:50051", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("unix:/run/knownparty.sock", True),
        ("0.0.0.0:50051", False),
        ("[::]:50051", False),
        (":50051", False),
        ("10.0.0.5:50051", False),
        ("knownparty.internal:50051", False),
    ],
)
def test_loopback_addresses(listen, loopback):
    assert is_loopback(listen) is loopback


def _plain_text_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "without TLS" in r.getMessage()]


def test_plain_text_off_loopback_is_warned_about(pki, sqlite_url, caplog):
    caplog.set_level(logging.WARNING, logger="knownparty_service.api.transport")
    with serving(sqlite_url, listen="127.0.0.1:0"):
        pass
    assert _plain_text_warnings(caplog) == []

    with serving(sqlite_url, listen="0.0.0.0:0", tls_cert_file=pki.server_cert, tls_key_file=pki.server_key):
        pass
    assert _plain_text_warnings(caplog) == []

    with serving(sqlite_url, listen="0.0.0.0:0"):
        pass
    (warning,) = _plain_text_warnings(caplog)
    assert "0.0.0.0:0" in warning and "KNOWNPARTY_TLS_CERT_FILE" in warning
