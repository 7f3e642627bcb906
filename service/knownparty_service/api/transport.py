"""Transport security: TLS and mutual TLS from settings, and a warning for plain text off loopback."""

from __future__ import annotations

import datetime
import ipaddress
import logging
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from knownparty_service.domain.policy import PolicyError
from knownparty_service.settings import Settings

log = logging.getLogger(__name__)


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """None for plain text; with a client CA, every client must present a certificate it signed.

    Files are checked here, before anything else starts, so a bad one refuses the start with its path.
    """
    material = check_tls_files(settings)
    if material is None:
        return None
    key_pem, chain_pem, client_ca_pem = material
    return grpc.ssl_server_credentials(
        [(key_pem, chain_pem)], root_certificates=client_ca_pem, require_client_auth=client_ca_pem is not None
    )


def check_tls_files(settings: Settings) -> tuple[bytes, bytes, bytes | None] | None:
    """(key, certificate chain, client CA) PEM after checking them, None for plain text; PolicyError
    names a bad file. Creates no gRPC object, so a parent may call it before forking workers."""
    cert_file, key_file, client_ca_file = settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file
    if cert_file is None and key_file is None and client_ca_file is None:
        return None
    if cert_file is None or key_file is None:
        raise PolicyError("TLS needs both tls_cert_file and tls_key_file")
    chain_pem = _read(cert_file, "TLS certificate")
    leaf = _certificates(cert_file, chain_pem, "TLS certificate")[0]
    key_pem = _read(key_file, "TLS private key")
    key = _private_key(key_file, key_pem)
    if _spki(key.public_key()) != _spki(leaf.public_key()):
        raise PolicyError(f"{key_file}: this TLS private key does not belong to the certificate in {cert_file}")
    if leaf.not_valid_after_utc < datetime.datetime.now(datetime.timezone.utc):
        log.warning("the TLS certificate in %s expired %s: clients will refuse it", cert_file, leaf.not_valid_after_utc)
    client_ca_pem = None
    if client_ca_file is not None:
        client_ca_pem = _read(client_ca_file, "TLS client CA")
        _certificates(client_ca_file, client_ca_pem, "TLS client CA")
    log.info(
        "TLS on, certificate %s%s",
        cert_file,
        f"; client certificates signed by {client_ca_file} required" if client_ca_file else "",
    )
    return key_pem, chain_pem, client_ca_pem


def is_loopback(listen: str) -> bool:
    """Whether a gRPC listen address (HOST:PORT, [IPv6]:PORT, unix:PATH) stays on this machine."""
    if listen.startswith("unix"):  # unix: and unix-abstract: sockets never leave the machine
        return True
    host = listen.rsplit(":", 1)[0] if listen.count(":") == 1 or listen.startswith("[") else listen
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name, or empty for every interface
        return False


def add_port(server: grpc.Server, listen: str, credentials: grpc.ServerCredentials | None) -> int:
    """Binds the address, with TLS when credentials are given; returns the port, 0 when binding failed."""
    try:
        if credentials is not None:
            return server.add_secure_port(listen, credentials)
        if not is_loopback(listen):
            log.warning(
                "listening on %s without TLS: API keys and party records cross the network in plain text; "
                "set KNOWNPARTY_TLS_CERT_FILE and KNOWNPARTY_TLS_KEY_FILE",
                listen,
            )
        return server.add_insecure_port(listen)
    except RuntimeError:  # grpc raises where its core returned port 0
        return 0


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None


def _certificates(path: Path, pem: bytes, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise PolicyError(f"{path}: the {what} file holds no PEM certificate") from None


def _private_key(path: Path, pem: bytes):
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except TypeError:  # a passphrase-protected key
        raise PolicyError(f"{path}: the TLS private key is encrypted; give an unencrypted PEM key") from None
    except (ValueError, UnsupportedAlgorithm):
        raise PolicyError(f"{path}: the TLS private key file holds no PEM private key") from None


def _spki(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
