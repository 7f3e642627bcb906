"""`knownparty lists ...`: import watchlist files, show lists and versions, diff a version."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from knownparty_client import types
from knownparty_client.cli import output
from knownparty_client.cli._state import connect, options

app = typer.Typer(help="Import watchlists and read their versions.", no_args_is_help=True)


class Format(str, enum.Enum):
    ofac_sdn = "ofac-sdn"
    ofac_nonsdn = "ofac-nonsdn"
    csl = "csl"
    bis_dpl = "bis-dpl"
    un = "un"
    generic_csv = "generic-csv"
    generic_jsonl = "generic-jsonl"


FORMAT_VALUES = {
    Format.ofac_sdn: types.LIST_FORMAT_OFAC_SDN,
    Format.ofac_nonsdn: types.LIST_FORMAT_OFAC_NONSDN,
    Format.csl: types.LIST_FORMAT_CSL,
    Format.bis_dpl: types.LIST_FORMAT_BIS_DPL,
    Format.un: types.LIST_FORMAT_UN,
    Format.generic_csv: types.LIST_FORMAT_GENERIC_CSV,
    Format.generic_jsonl: types.LIST_FORMAT_GENERIC_JSONL,
}

# The official file names, so `lists import --format ofac-sdn sdn.csv alt.csv` needs no roles.
KNOWN_FILE_ROLES = {
    Format.ofac_sdn: {"sdn.csv": "sdn", "alt.csv": "alt", "add.csv": "add", "sdn_comments.csv": "comments"},
    Format.ofac_nonsdn: {
        "cons_prim.csv": "prim",
        "cons_alt.csv": "alt",
        "cons_add.csv": "add",
        "cons_comments.csv": "comments",
    },
}
SINGLE_FILE_ROLE = {
    Format.csl: "csl",
    Format.bis_dpl: "dpl",
    Format.un: "un",
    Format.generic_csv: "entries",
    Format.generic_jsonl: "entries",
}


def file_roles(list_format: Format, paths: list[str]) -> list[tuple[str, Path]]:
    """(role, path) for each argument: `role=PATH`, or a path whose name says its role."""
    result = []
    for argument in paths:
        role, sep, rest = argument.partition("=")
        if sep and not Path(argument).exists():
            result.append((role, Path(rest)))
            continue
        path = Path(argument)
        if list_format in SINGLE_FILE_ROLE:
            if len(paths) != 1:
                raise typer.BadParameter(f"the {list_format.value} format takes one file")
            result.append((SINGLE_FILE_ROLE[list_format], path))
            continue
        role = KNOWN_FILE_ROLES[list_format].get(path.name.lower())
        if role is None:
            known = ", ".join(KNOWN_FILE_ROLES[list_format])
            raise typer.BadParameter(f"{path.name}: not a known {list_format.value} file name ({known}); use ROLE=PATH")
        result.append((role, path))
    return result


@app.command("import")
def import_list(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="The list's files (or ROLE=PATH).")],
    list_id: Annotated[str, typer.Option("--list", help="The list id, e.g. ofac-sdn.")],
    list_format: Annotated[Format, typer.Option("--format", case_sensitive=False)],
    source: Annotated[str, typer.Option("--source", help="Where the files came from.")] = "",
) -> None:
    """Import a list's files as a new version; prints the diff against the active version."""
    opts = options(ctx)
    files = []
    for role, path in file_roles(list_format, paths):
        if not path.is_file():
            raise typer.BadParameter(f"{path}: no such file")
        files.append((role, path.name, path.read_bytes()))
    total = sum(len(data) for _, _, data in files)
    with connect(ctx) as client, Progress(
        TextColumn("[bold]uploading"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), disable=opts.json
    ) as progress:
        task = progress.add_task("upload", total=total)
        response = client.import_watchlist(
            list_id, FORMAT_VALUES[list_format], files, source=source, timeout=max(opts.timeout, 600)
        )
        progress.update(task, completed=total)
    if opts.json:
        output.print_json(response)
        return
    version = response.version
    verb = "imported" if response.created else "unchanged (same content as the active version)"
    typer.echo(f"{version.name}: {verb}; {version.entry_count} entries")
    _print_diff(version)


def _print_diff(version: types.WatchlistVersion) -> None:
    diff = version.diff
    against = diff.previous_version or "nothing (first version)"
    typer.echo(f"against {against}: +{diff.added} added, -{diff.removed} removed, ~{diff.changed} changed, {diff.unchanged} unchanged")
    for label, ids in (("added", diff.added_ids), ("removed", diff.removed_ids), ("changed", diff.changed_ids)):
        if ids:
            shown = ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
            typer.echo(f"  {label}: {shown}")


@app.command("show")
def show(
    ctx: typer.Context,
    list_id: Annotated[Optional[str], typer.Argument(help="A list id: show its versions.")] = None,
) -> None:
    """Without a list: every list with its active version. With one: its versions, newest first."""
    opts = options(ctx)
    with connect(ctx) as client:
        if list_id is None:
            lists = client.list_watchlists()
            if opts.json:
                for item in lists:
                    output.print_json(item)
                return
            table = Table()
            for column in ("list", "format", "active version", "entries", "updated"):
                table.add_column(column)
            for item in lists:
                table.add_row(
                    item.name,
                    types.ListFormat.Name(item.format).removeprefix("LIST_FORMAT_").lower().replace("_", "-"),
                    item.active_version,
                    str(item.entry_count),
                    output._time(item.update_time),
                )
            output.stdout().print(table)
            return
        versions = list(client.list_watchlist_versions(list_id))
    if opts.json:
        for version in versions:
            output.print_json(version)
        return
    table = Table()
    for column in ("version", "active", "entries", "added", "removed", "changed", "source", "imported"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            v.name, "yes" if v.active else "", str(v.entry_count), str(v.diff.added), str(v.diff.removed),
            str(v.diff.changed), v.source, output._time(v.create_time),
        )
    output.stdout().print(table)


@app.command("diff")
def diff(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="LIST (the active version) or LIST/N.")],
) -> None:
    """What a version added, removed and changed against the version active before it."""
    opts = options(ctx)
    with connect(ctx) as client:
        found = client.get_watchlist_version(version)
    if opts.json:
        output.print_json(found.diff)
        return
    typer.echo(found.name)
    _print_diff(found)
