"""The `knownparty` command line (entry point `knownparty_client.cli:main`)."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Annotated, Optional

import typer

from knownparty_client.cli import keys, lists, parties, payments, screen, server, vet, violations
from knownparty_client.cli._state import Options, options
from knownparty_client.client import DEFAULT_TARGET, DEFAULT_TIMEOUT

app = typer.Typer(
    name="knownparty",
    help="Client and admin commands for the knownparty vetting service.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(parties.app, name="parties")
app.add_typer(violations.app, name="violations")
app.add_typer(payments.app, name="payments")
app.add_typer(lists.app, name="lists")
app.command("screen")(screen.screen)
app.command("vet")(vet.vet)
app.add_typer(vet.decisions_app, name="decisions")
app.add_typer(keys.app, name="keys")
app.add_typer(keys.audit_app, name="audit")
app.add_typer(server.db_app, name="db")
app.command("serve")(server.serve)


def _pem_option(flag: str, envvar: str, help: str) -> typer.models.OptionInfo:
    # Read only when a command connects: `knownparty serve` shares the KNOWNPARTY_TLS_* variables.
    return typer.Option(flag, envvar=envvar, metavar="PEM", help=help)


@app.callback()
def _global(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Option("--target", envvar="KNOWNPARTY_TARGET", metavar="HOST:PORT", help="Server address.")
    ] = DEFAULT_TARGET,
    timeout: Annotated[
        float, typer.Option("--timeout", envvar="KNOWNPARTY_TIMEOUT", min=0.001, help="Seconds per call.")
    ] = DEFAULT_TIMEOUT,
    api_key: Annotated[
        Optional[str], typer.Option("--api-key", envvar="KNOWNPARTY_API_KEY", help="Sent as a Bearer token.")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON (JSON lines for lists).")] = False,
    tls: Annotated[bool, typer.Option("--tls", help="Use TLS, trusting the system's root CAs.")] = False,
    ca_file: Annotated[
        Optional[Path], _pem_option("--ca-file", "KNOWNPARTY_TLS_CA_FILE", "Use TLS, trusting this CA.")
    ] = None,
    cert_file: Annotated[
        Optional[Path], _pem_option("--cert-file", "KNOWNPARTY_CLIENT_CERT_FILE", "Client certificate, for mutual TLS.")
    ] = None,
    key_file: Annotated[
        Optional[Path], _pem_option("--key-file", "KNOWNPARTY_CLIENT_KEY_FILE", "The client certificate's private key.")
    ] = None,
) -> None:
    ctx.obj = Options(
        target=target, timeout=timeout, api_key=api_key or None, json=json,
        tls=tls, ca_file=ca_file, cert_file=cert_file, key_file=key_file,
    )


@app.command("version")
def version(ctx: typer.Context) -> None:
    """Print the client version."""
    import json as json_lib

    import grpc
    from google.protobuf import __version__ as protobuf_version

    from knownparty_client import __version__

    info = {
        "knownparty": __version__,
        "grpcio": grpc.__version__,
        "protobuf": protobuf_version,
        "python": platform.python_version(),
    }
    if options(ctx).json:
        print(json_lib.dumps(info))
    else:
        typer.echo(" ".join(f"{k} {v}" for k, v in info.items()))


def main() -> None:
    app()


__all__ = ["app", "main"]


@app.command("health")
def health(
    ctx: typer.Context,
    service: Annotated[str, typer.Option("--service", help="A service name; empty for the whole server.")] = "",
) -> None:
    """Ask the server's standard health service; exit 0 only when it is SERVING."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    opts = options(ctx)
    try:
        credentials = opts.credentials()
        channel = grpc.secure_channel(opts.target, credentials) if credentials else grpc.insecure_channel(opts.target)
        with channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=opts.timeout
            )
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    except grpc.RpcError as err:
        status = f"{err.code().name}: {err.details()}"
    typer.echo(status)
    if status != "SERVING":
        raise typer.Exit(1)
