"""Channel credentials for a server that speaks TLS, or mutual TLS when a client certificate is given."""

from __future__ import annotations

from os import PathLike

import grpc

__all__ = ["tls_credentials"]


def tls_credentials(
    ca_file: str | PathLike[str] | None = None,
    cert_file: str | PathLike[str] | None = None,
    key_file: str | PathLike[str] | None = None,
) -> grpc.ChannelCredentials:
    """TLS credentials from PEM files: the CA that signed the server's certificate (the system's trusted
    roots when None), and for mutual TLS this client's certificate chain and its private key.

        KnownPartyClient(target, credentials=tls_credentials("ca.pem", "client.pem", "client.key"))
    """
    if (cert_file is None) != (key_file is None):
        raise ValueError("a client certificate needs its private key, and a key its certificate")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file), private_key=_read(key_file), certificate_chain=_read(cert_file)
    )


def _read(path: str | PathLike[str] | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()
