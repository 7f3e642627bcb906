"""`knownparty serve` and `knownparty db upgrade`: thin wrappers over the server package, which is
imported only here so that the client-only install keeps working."""

from __future__ import annotations

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
) -> None:
    """Run the knownparty server until SIGTERM or SIGINT."""
    settings = _settings(database_url=db, listen=listen)
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
