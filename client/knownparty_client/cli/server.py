"""`knownparty serve` and `knownparty db upgrade`: thin wrappers over the server package, which is
imported only here so that the client-only install keeps working."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

NOT_INSTALLED = "the server is not installed: pip install 'knownparty[server]'"

DbOpt = Annotated[
    Optional[str], typer.Option("--db", metavar="URL", help="Database URL (default: the server's settings).")
]

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def _settings(**overrides: Any) -> Any:
    """The server's Settings with only the options actually given overriding the environment."""
    try:
        from knownparty_service.settings import Settings
    except ImportError as err:
        _not_installed(err)
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except Exception as err:  # pydantic's ValidationError, without importing pydantic here
        typer.echo(f"error: invalid server settings: {err}", err=True)
        raise typer.Exit(1) from None


def _not_installed(err: ImportError) -> None:
    typer.echo(NOT_INSTALLED, err=True)
    typer.echo(f"  ({err})", err=True)
    raise typer.Exit(1)


def serve(
    db: DbOpt = None,
    listen: Annotated[
        Optional[str], typer.Option("--listen", metavar="HOST:PORT", help="Address to listen on.")
    ] = None,
    tls_cert_file: Annotated[
        Optional[Path], typer.Option("--tls-cert-file", metavar="PEM", help="Serve TLS with this certificate chain.")
    ] = None,
    tls_key_file: Annotated[
        Optional[Path], typer.Option("--tls-key-file", metavar="PEM", help="The certificate's private key.")
    ] = None,
    tls_client_ca_file: Annotated[
        Optional[Path],
        typer.Option(
            "--tls-client-ca-file", metavar="PEM", help="Mutual TLS: require client certificates signed by this CA."
        ),
    ] = None,
    no_reflection: Annotated[bool, typer.Option("--no-reflection", help="Turn server reflection off.")] = False,
    workers: Annotated[
        Optional[int],
        typer.Option("--workers", min=1, metavar="N", help="Server processes sharing the port (default 1)."),
    ] = None,
) -> None:
    """Run the knownparty server until SIGTERM or SIGINT."""
    settings = _settings(
        database_url=db,
        listen=listen,
        workers=workers,
        tls_cert_file=tls_cert_file,
        tls_key_file=tls_key_file,
        tls_client_ca_file=tls_client_ca_file,
        reflection=False if no_reflection else None,
    )
    try:
        from knownparty_service.api.server import serve as run_server
    except ImportError as err:
        _not_installed(err)
    run_server(settings)


@db_app.command("upgrade")
def upgrade(db: DbOpt = None) -> None:
    """Apply the database migrations."""
    settings = _settings(database_url=db)
    try:
        from knownparty_service.storage.migrate import upgrade as run_upgrade
    except ImportError as err:
        _not_installed(err)
    result = run_upgrade(settings.database_url)
    typer.echo(f"database upgraded: {result}" if result is not None else "database upgraded")


@db_app.command("rotate-data-key")
def rotate_data_key(
    db: DbOpt = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Values re-encrypted per transaction.")
    ] = 500,
    reencrypt_only: Annotated[
        bool,
        typer.Option("--reencrypt-only", help="Add no key: re-encrypt what older keys encrypted with the current one."),
    ] = False,
) -> None:
    """Add a new data key to the data key file and re-encrypt the stored protected identifiers with it."""
    settings = _settings(database_url=db)
    try:
        from knownparty_service.app.data_key_file import DataKeyError
        from knownparty_service.app.data_key_rotation import rotate_data_key as run_rotation
        from knownparty_service.storage.field_cipher import FieldCipherError
        from knownparty_service.storage.protected_identifiers import DataKeyMismatchError
    except ImportError as err:
        _not_installed(err)
    try:
        result = run_rotation(
            settings.database_url, settings.data_key_file, add_key=not reencrypt_only, batch_size=batch_size
        )
    except (DataKeyError, DataKeyMismatchError, FieldCipherError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    counts = result.counts
    if result.added:
        typer.echo(f"added data key {result.key_id} to {settings.data_key_file}")
    typer.echo(
        f"re-encrypted with {result.key_id}: {counts.documents} parties, {counts.snapshots} revisions"
        + (f", {counts.lookups} lookups digested" if counts.lookups else "")
    )
    if result.added:
        typer.echo(
            "running servers read the new key already; restart them so that they also write with it, "
            "then run `knownparty db rotate-data-key --reencrypt-only` before retiring an old key"
        )
