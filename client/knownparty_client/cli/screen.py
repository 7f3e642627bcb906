"""`knownparty screen NAME` and `knownparty screen --input FILE`."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from knownparty_client import _requests, types
from knownparty_client.cli import output
from knownparty_client.cli._state import connect, options


class Kind(str, enum.Enum):
    individual = "individual"
    entity = "entity"
    vessel = "vessel"
    aircraft = "aircraft"


KIND_VALUES = {
    "individual": types.ENTRY_TYPE_INDIVIDUAL,
    "entity": types.ENTRY_TYPE_ENTITY,
    "vessel": types.ENTRY_TYPE_VESSEL,
    "aircraft": types.ENTRY_TYPE_AIRCRAFT,
    "": None,
}


def screen(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Argument(help="The name to screen.")] = None,
    input_file: Annotated[
        Optional[Path],
        typer.Option("--input", help="One name a line, or JSON lines with name, type, countries, date_of_birth."),
    ] = None,
    kind: Annotated[Optional[Kind], typer.Option("--type", case_sensitive=False)] = None,
    country: Annotated[Optional[list[str]], typer.Option("--country", help="ISO alpha-2 (repeatable).")] = None,
    dob: Annotated[str, typer.Option("--dob", help="Date of birth: 1971, 1971-05 or 1971-05-03.")] = "",
    list_ids: Annotated[Optional[list[str]], typer.Option("--list", help="Only these lists (repeatable).")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", min=0, max=1)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100)] = 10,
) -> None:
    """Screen a name against the watchlists; exit code 4 when a match raises an alert."""
    if (name is None) == (input_file is None):
        raise typer.BadParameter("give a NAME or --input FILE")
    opts = options(ctx)
    common = dict(
        countries=country or [], date_of_birth=dob, identifiers=[], lists=list_ids or [], min_score=min_score, limit=limit
    )
    with connect(ctx) as client:
        if name is not None:
            response = client.screen_name(name, entry_type=KIND_VALUES[kind.value] if kind else None, **common)
            if opts.json:
                output.print_json(response)
            else:
                _print_response(name, response)
            if response.alert:
                raise typer.Exit(4)
            return
        alerts = _screen_file(client, input_file, kind, common, opts.json)
    if alerts:
        raise typer.Exit(4)


def _queries(path: Path, kind: Kind | None, common: dict):
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            if text.startswith("{"):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise typer.BadParameter(f"{path}:{number}: not JSON: {exc.msg}") from None
                yield _requests.screen_name(
                    str(data.get("name", "")),
                    entry_type=KIND_VALUES.get(str(data.get("type", "")).lower()),
                    countries=data.get("countries", common["countries"]),
                    date_of_birth=data.get("date_of_birth", common["date_of_birth"]),
                    identifiers=data.get("identifiers", []),
                    lists=common["lists"],
                    min_score=common["min_score"],
                    limit=common["limit"],
                    tag=str(number),
                )
            else:
                yield _requests.screen_name(
                    text, entry_type=KIND_VALUES[kind.value] if kind else None, tag=str(number), **common
                )


def _screen_file(client, path: Path, kind, common, as_json: bool) -> int:
    lines = sum(1 for line in path.open(encoding="utf-8") if line.strip())
    alerts = 0
    with Progress(TextColumn("[bold]screening"), BarColumn(), MofNCompleteColumn(), console=output.Console(stderr=True)) as progress:
        task = progress.add_task("screen", total=lines)
        for answer in client.screen_names(_queries(path, kind, common)):
            progress.advance(task)
            if answer.HasField("error"):
                record = {"line": int(answer.tag), "error": [
                    {"field": v.field, "description": v.description} for v in answer.error.field_violations
                ]}
            else:
                result = answer.result
                alerts += result.alert
                record = {"line": int(answer.tag), **output.to_dict(result)}
            print(json.dumps(record, ensure_ascii=False), file=sys.stdout, flush=False)
    sys.stdout.flush()
    return alerts


def _print_response(name: str, response: types.ScreenNameResponse) -> None:
    console = output.stdout()
    verdict = "[bold red]ALERT[/]" if response.alert else "no alert"
    console.print(f"{name!r}: {verdict} (threshold {response.alert_threshold:.2f}; {', '.join(response.list_versions) or 'no lists'})")
    if not response.matches:
        return
    table = Table()
    for column in ("score", "alert", "list", "source id", "type", "listed name", "matched name", "programs"):
        table.add_column(column)
    for match in response.matches:
        entry = match.entry
        table.add_row(
            f"{match.score:.3f}",
            "yes" if match.alert else "",
            entry.list,
            entry.source_id,
            types.EntryType.Name(entry.type).removeprefix("ENTRY_TYPE_").lower(),
            entry.primary_name,
            match.matched_name,
            ", ".join(entry.programs),
        )
    console.print(table)
    best = response.matches[0].explanation
    pairs = ", ".join(f"{p.query_token}->{p.matched_token or '-'} {p.similarity:.2f}" for p in best.token_pairs)
    console.print(f"best match: {pairs}")
    for adjustment in best.adjustments:
        console.print(f"  {adjustment.field} {adjustment.delta:+.3f}: {adjustment.reason}")
