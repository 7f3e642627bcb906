"""`knownparty payments ...`: import a carrier's daily fee file, list fee lines, read standing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

from knownparty_client import types
from knownparty_client.cli import output, payment_output
from knownparty_client.cli._state import connect, options
from knownparty_client.payments_csv import FileFormatError, LocalRowError, read_rows

app = typer.Typer(help="Fees billed to shippers, their payments, and repeat-customer standing.", no_args_is_help=True)

# Exit code of an import that ran but rejected some rows (1 is a failed call, 2 a usage error).
EXIT_ROWS_REJECTED = 3


class _ProgressReader:
    """A text file that advances a progress bar by the bytes read."""

    def __init__(self, handle, progress: Progress, task):
        self._handle, self._progress, self._task = handle, progress, task

    def __iter__(self):
        for line in self._handle:
            self._progress.update(self._task, completed=self._handle.buffer.tell())
            yield line

    def read(self, *args):
        return self._handle.read(*args)


@app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The carrier's CSV file.")],
    carrier: Annotated[str, typer.Option("--carrier", help="The carrier whose file this is.")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=5000, help="Rows per streamed batch.")] = 5000,
) -> None:
    """Stream a fee file to the server; bad rows are listed by line number and skipped.

    Exit code 3 when the import finished but rejected rows. Re-sending a file changes nothing.
    """
    opts = options(ctx)
    local_errors: list[LocalRowError] = []
    size = os.path.getsize(path)
    with connect(ctx) as client, path.open(newline="", encoding="utf-8-sig") as handle:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            disable=opts.json,
            transient=False,
        ) as progress:
            task = progress.add_task(path.name, total=size)
            try:
                rows = read_rows(_ProgressReader(handle, progress, task), carrier, local_errors)
                # A whole file may take minutes: the per-call default deadline is for single calls.
                report = client.import_payments(
                    carrier, rows, source_name=path.name, batch_size=batch_size, timeout=max(opts.timeout, 3600)
                )
            except FileFormatError as exc:
                typer.echo(f"error: {path}: {exc}", err=True)
                raise typer.Exit(2) from None
            progress.update(task, completed=size)
    errors = sorted(
        [(e.line, e.field, e.reason) for e in local_errors] + [(e.line, e.field, e.reason) for e in report.errors]
    )
    rejected = report.rows_rejected + len(local_errors)
    if opts.json:
        output.print_json(report)
        for line, field, reason in errors:
            print(payment_output.json_line({"line": line, "field": field, "reason": reason}))
    else:
        typer.echo(
            f"{report.rows_received + len(local_errors)} rows: {report.fees_recorded} fees and "
            f"{report.payments_recorded} payments recorded, {report.rows_unchanged} unchanged, {rejected} rejected"
        )
        for line, field, reason in errors[:200]:
            typer.echo(f"  line {line}: {field or '(row)'}: {reason}", err=True)
        if len(errors) > 200:
            typer.echo(f"  ... and {len(errors) - 200} more", err=True)
    if rejected:
        raise typer.Exit(EXIT_ROWS_REJECTED)


@app.command("fees")
def list_fees(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="The shipper: `parties/ID` or the bare ID.")],
    outstanding: Annotated[bool, typer.Option("--outstanding", help="Only lines with an unpaid balance.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many lines.")] = 100,
) -> None:
    """List a shipper's fee lines."""
    opts = options(ctx)
    with connect(ctx) as client:
        lines = []
        for line in client.list_fee_lines(party, outstanding_only=outstanding, page_size=min(limit, 1000)):
            lines.append(line)
            if len(lines) >= limit:
                break
    if opts.json:
        for line in lines:
            output.print_json(line)
        return
    payment_output.fee_lines_table(lines)


@app.command("standing")
def standing(
    ctx: typer.Context, party: Annotated[str, typer.Argument(help="The shipper: `parties/ID` or the bare ID.")]
) -> None:
    """Show whether the shipper is a repeat customer that has consistently paid its fees."""
    opts = options(ctx)
    with connect(ctx) as client:
        result: types.PaymentStanding = client.get_payment_standing(party)
    if opts.json:
        output.print_json(result)
    else:
        payment_output.standing_table(result)
