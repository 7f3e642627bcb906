"""The global options, the client they configure, and turning call errors into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import typer

from knownparty_client.client import KnownPartyClient
from knownparty_client.errors import DeadlineExceeded, KnownPartyError, Unauthenticated, Unavailable
from knownparty_client.tls import tls_credentials


@dataclass
class Options:
    target: str
    timeout: float
    api_key: str | None
    json: bool
    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None

    @property
    def uses_tls(self) -> bool:
        return self.tls or self.ca_file is not None or self.cert_file is not None

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS when --tls, a CA file or a client certificate is given; the certificate adds mutual TLS."""
        if not self.uses_tls:
            return None
        try:
            return tls_credentials(self.ca_file, self.cert_file, self.key_file)
        except (OSError, ValueError) as err:
            typer.echo(f"error: TLS: {err} (--ca-file / --cert-file / --key-file)", err=True)
            raise typer.Exit(1) from None


def options(ctx: typer.Context) -> Options:
    obj = ctx.find_root().obj
    if not isinstance(obj, Options):  # a command invoked without the root callback (tests)
        obj = Options(target="127.0.0.1:50051", timeout=10.0, api_key=None, json=False)
    return obj


def print_error(err: KnownPartyError, opts: Options) -> None:
    typer.echo(f"error: {err.code.name}: {err.message or '(no message)'}", err=True)
    for v in err.field_violations:
        typer.echo(f"  {v.field or '(request)'}: {v.description}", err=True)
    if err.request_id:
        typer.echo(f"request id: {err.request_id}", err=True)
    if isinstance(err, Unavailable) and not err.reason:
        typer.echo(f"hint: is the knownparty server running at {opts.target}? (--target / KNOWNPARTY_TARGET)", err=True)
        if not opts.uses_tls:
            typer.echo("hint: if the server uses TLS, pass --tls or --ca-file", err=True)
    elif isinstance(err, DeadlineExceeded):
        typer.echo(f"hint: no answer from {opts.target} within {opts.timeout:g}s (--timeout)", err=True)
    elif isinstance(err, Unauthenticated) and not opts.api_key:
        typer.echo("hint: pass --api-key or set KNOWNPARTY_API_KEY", err=True)


@contextmanager
def connect(ctx: typer.Context) -> Iterator[KnownPartyClient]:
    """A client for the global options; a failed call prints `error: CODE: message` and exits 1."""
    opts = options(ctx)
    try:
        with KnownPartyClient(
            opts.target, timeout=opts.timeout, api_key=opts.api_key, credentials=opts.credentials()
        ) as client:
            yield client
    except KnownPartyError as err:
        print_error(err, opts)
        raise typer.Exit(1) from None
