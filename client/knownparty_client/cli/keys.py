"""`knownparty keys create | list | revoke` and `knownparty audit`: API keys and the audit log.

With --local the key commands work straight on the server's database (run them on the server
host: that is how the first admin key is made); without it they call the admin-only RPCs.
"""

from __future__ import annotations

import enum
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Optional

import typer
from rich.table import Table

from knownparty_client import types
from knownparty_client.cli import output
from knownparty_client.cli._state import connect, options
from knownparty_client.cli.server import DbOpt, _not_installed, _settings

app = typer.Typer(help="Make, list and revoke API keys.", no_args_is_help=True)
audit_app = typer.Typer(help="Read the audit log (admins and auditors).", no_args_is_help=True)


class RoleChoice(str, enum.Enum):
    admin = "admin"
    marketplace = "marketplace"
    carrier = "carrier"
    auditor = "auditor"


_ROLE_NUMBERS = {
    "admin": types.ROLE_ADMIN,
    "marketplace": types.ROLE_MARKETPLACE,
    "carrier": types.ROLE_CARRIER,
    "auditor": types.ROLE_AUDITOR,
}
_ROLE_NAMES = {number: name for name, number in _ROLE_NUMBERS.items()}
_DURATION = re.compile(r"^(\d{1,5})([dh])$")

LocalOpt = Annotated[
    bool, typer.Option("--local", help="Work on the server's database directly (on the server host).")
]


def _expiry(expires_in: str | None) -> datetime | None:
    if not expires_in:
        return None
    match = _DURATION.match(expires_in.strip())
    if not match:
        raise typer.BadParameter("a number of days or hours, such as 90d or 12h", param_hint="--expires-in")
    amount, unit = int(match.group(1)), match.group(2)
    return datetime.now(timezone.utc) + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))


def _key_row(key: Any) -> dict[str, str]:
    """One key as printed, from an ApiKey message or the server's ApiKey."""
    if isinstance(key, types.ApiKey):
        return {
            "name": key.name,
            "organization": key.organization,
            "role": _ROLE_NAMES.get(key.role, "?"),
            "display_name": key.display_name,
            "create_time": output._time(key.create_time),
            "expire_time": output._time(key.expire_time) if key.HasField("expire_time") else "",
            "revoke_time": output._time(key.revoke_time) if key.HasField("revoke_time") else "",
            "created_by": key.created_by,
        }

    def _at(value: datetime | None) -> str:
        return value.isoformat().replace("+00:00", "Z") if value is not None else ""

    return {
        "name": key.name,
        "organization": key.organization,
        "role": key.role.value,
        "display_name": key.display_name,
        "create_time": _at(key.create_time),
        "expire_time": _at(key.expire_time),
        "revoke_time": _at(key.revoke_time),
        "created_by": key.created_by,
    }


def _print_keys(rows: list[dict[str, str]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("name", "organization", "role", "display name", "expires", "revoked", "created by")
    for row in rows:
        table.add_row(
            row["name"], row["organization"], row["role"], row["display_name"], row["expire_time"] or "-",
            row["revoke_time"] or "-", row["created_by"],
        )
    output.stdout().print(table)


@contextmanager
def _local(db: str | None) -> Iterator[Any]:
    """The server's keys in its own database; a refused change prints its error and exits 1."""
    settings = _settings(database_url=db)
    try:
        from knownparty_service.app.local_keys import LocalKeys
        from knownparty_service.domain.errors import DomainError
    except ImportError as err:
        _not_installed(err)
    with LocalKeys(settings) as keys:
        try:
            yield keys
        except DomainError as err:
            typer.echo(f"error: {err.message}", err=True)
            raise typer.Exit(1) from None


@app.command("create")
def create(
    ctx: typer.Context,
    organization: Annotated[str, typer.Option("--organization", "--org", help="The organisation the key acts for.")],
    role: Annotated[RoleChoice, typer.Option("--role", help="What the key may do (see the README's role table).")],
    display_name: Annotated[str, typer.Option("--name", help="A label for people.")] = "",
    expires_in: Annotated[
        Optional[str], typer.Option("--expires-in", metavar="DURATION", help="Such as 90d or 12h; never by default.")
    ] = None,
    local: LocalOpt = False,
    db: DbOpt = None,
) -> None:
    """Make an API key. Its token is printed this once: store it, only its hash is kept."""
    expire_time = _expiry(expires_in)
    as_json = options(ctx).json
    if local:
        with _local(db) as keys:
            key, token = keys.create(organization, role.value, display_name, expire_time)
        row = _key_row(key)
    else:
        with connect(ctx) as client:
            response = client.create_api_key(
                organization, _ROLE_NUMBERS[role.value], display_name=display_name, expire_time=expire_time
            )
        row, token = _key_row(response.api_key), response.token
    if as_json:
        typer.echo(json.dumps({**row, "token": token}))
        return
    typer.echo(f"{row['name']}: {row['role']} of {row['organization']}")
    typer.echo(f"token (shown this once; send it as authorization: Bearer <token>):\n{token}")


@app.command("list")
def list_(
    ctx: typer.Context,
    organization: Annotated[str, typer.Option("--organization", "--org", help="Only this organisation's keys.")] = "",
    local: LocalOpt = False,
    db: DbOpt = None,
) -> None:
    """List API keys (never their secrets)."""
    if local:
        with _local(db) as keys:
            rows = [_key_row(k) for k in keys.list(organization)]
    else:
        with connect(ctx) as client:
            rows = [_key_row(k) for k in client.list_api_keys(organization=organization)]
    _print_keys(rows, options(ctx).json)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="apiKeys/{key} or the key id.")],
    local: LocalOpt = False,
    db: DbOpt = None,
) -> None:
    """Revoke an API key: refused at once by this server, within seconds by the others."""
    if local:
        with _local(db) as keys:
            row = _key_row(keys.revoke(name))
    else:
        with connect(ctx) as client:
            row = _key_row(client.revoke_api_key(name))
    _print_keys([row], options(ctx).json)


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    organization: Annotated[str, typer.Option("--organization", "--org", help="Only this organisation.")] = "",
    method: Annotated[str, typer.Option("--method", help="Only this method, such as CreateParty.")] = "",
    api_key: Annotated[str, typer.Option("--api-key-name", help="Only calls made with apiKeys/{key}.")] = "",
    limit: Annotated[int, typer.Option("--limit", min=1, help="Stop after this many events.")] = 50,
) -> None:
    """Calls that changed something, newest first."""
    if method and not method.startswith("/"):
        method = _full_method(method)
    if api_key and not api_key.startswith("apiKeys/"):
        api_key = f"apiKeys/{api_key}"
    with connect(ctx) as client:
        events = list(
            itertools.islice(
                client.list_audit_events(
                    organization=organization, method=method, api_key=api_key, page_size=min(limit, 1000)
                ),
                limit,
            )
        )
    if options(ctx).json:
        for event in events:
            output.print_json(event)
        return
    table = Table("time", "organization", "key", "method", "code", "resource", "request id")
    for event in events:
        table.add_row(
            output._time(event.event_time), event.organization, event.api_key, event.method.rsplit("/", 1)[-1],
            event.code, event.resource, event.request_id,
        )
    output.stdout().print(table)


def _full_method(short: str) -> str:
    """`CreateParty` -> `/knownparty.v1.PartyService/CreateParty`, looked up in the generated services."""
    from knownparty_client._generated import (
        access_pb2, party_pb2, payment_pb2, screening_pb2, vetting_pb2, violation_pb2, watchlist_pb2,
    )

    for module in (party_pb2, violation_pb2, payment_pb2, watchlist_pb2, screening_pb2, vetting_pb2, access_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            if short in service.methods_by_name:
                return f"/{service.full_name}/{short}"
    raise typer.BadParameter(f"no method named {short!r}", param_hint="--method")
