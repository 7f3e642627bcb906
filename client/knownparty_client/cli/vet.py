"""`knownparty vet PARTY`, `knownparty vet --input FILE` and `knownparty decisions ...`."""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from knownparty_client import _requests, types
from knownparty_client.cli import output
from knownparty_client.cli._state import connect, options

# Exit code when a decision's flag is false (NOT_KNOWN or NEEDS_REVIEW).
NOT_KNOWN_EXIT = 5


class PurposeChoice(str, enum.Enum):
    seller = "seller"
    shipper = "shipper"


PURPOSE_VALUES = {"seller": types.PURPOSE_KNOWN_MARKETPLACE_SELLER, "shipper": types.PURPOSE_KNOWN_CARRIER_CUSTOMER}


def _outcome(number: int) -> str:
    return types.Outcome.Name(number).removeprefix("OUTCOME_").lower()


def print_decision(decision: types.Decision, *, as_json: bool) -> None:
    if as_json:
        output.print_json(decision)
        return
    console = output.stdout()
    console.soft_wrap = True  # names and reasons are copied from here: never broken across lines
    purpose = types.Purpose.Name(decision.purpose).removeprefix("PURPOSE_").lower()
    verdict = {"known": "[bold green]KNOWN[/]", "not_known": "[bold red]NOT KNOWN[/]", "needs_review": "[bold yellow]NEEDS REVIEW[/]"}
    console.print(f"{decision.name}: {verdict[_outcome(decision.outcome)]} ({purpose}; flag {'true' if decision.flag else 'false'})")
    console.print(
        f"  policy {decision.policy_version}; decided {output._time(decision.decide_time)}, valid until "
        f"{output._time(decision.valid_until)}; lists {', '.join(decision.list_versions) or 'none'}"
    )
    for reason in decision.reasons:
        console.print(f"  [{_outcome(reason.effect)}] {reason.code}: {reason.message}")
        for evidence in reason.evidence:
            kind = evidence.WhichOneof("ref")
            value = getattr(evidence, kind)
            console.print(f"      {kind}: {value if isinstance(value, str) else output.to_dict(value)}")
    console.print(f"  signed by {decision.attestation.key_id}")


def vet(
    ctx: typer.Context,
    party: Annotated[Optional[str], typer.Argument(help="The party: parties/{id} or its id.")] = None,
    input_file: Annotated[
        Optional[Path],
        typer.Option("--input", help='One party a line, or JSON lines {"party", "purpose": seller|shipper, "high_volume"}.'),
    ] = None,
    purpose: Annotated[
        Optional[PurposeChoice], typer.Option("--purpose", case_sensitive=False, help="seller (default) or shipper.")
    ] = None,
    high_volume: Annotated[bool, typer.Option("--high-volume", help="The seller is high-volume (INFORM Act).")] = False,
) -> None:
    """Decide Known Marketplace Seller (seller) or Known Carrier Customer (shipper); exit code 5
    when a flag is false. With --input, vets a file in one stream (JSON lines out)."""
    if (party is None) == (input_file is None):
        raise typer.BadParameter("give a PARTY or --input FILE")
    opts = options(ctx)
    chosen = (purpose or PurposeChoice.seller).value
    with connect(ctx) as client:
        if party is not None:
            if chosen == "seller":
                decision = client.vet_seller(party, high_volume=high_volume)
            else:
                decision = client.check_shipper(party)
            print_decision(decision, as_json=opts.json)
            if not decision.flag:
                raise typer.Exit(NOT_KNOWN_EXIT)
            return
        not_known = _vet_file(client, input_file, chosen, high_volume)
    if not_known:
        raise typer.Exit(NOT_KNOWN_EXIT)


def _requests_of(path: Path, purpose: str, high_volume: bool):
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
                party, kind, volume = str(data.get("party", "")), str(data.get("purpose", purpose)), bool(data.get("high_volume", high_volume))
            else:
                party, kind, volume = text, purpose, high_volume
            if kind not in PURPOSE_VALUES:
                raise typer.BadParameter(f"{path}:{number}: purpose must be seller or shipper, not {kind!r}")
            name = _requests.party_name(party) if party else ""
            if kind == "seller":
                yield types.VetPartyRequest(tag=str(number), vet_seller=types.VetSellerRequest(party=name, high_volume=volume))
            else:
                yield types.VetPartyRequest(tag=str(number), check_shipper=types.CheckShipperRequest(party=name))


def _vet_file(client, path: Path, purpose: str, high_volume: bool) -> int:
    # Read (and check) the whole file first: a bad line is reported before anything is vetted.
    requests = list(_requests_of(path, purpose, high_volume))
    total = len(requests)
    counts = {"known": 0, "not_known": 0, "needs_review": 0, "error": 0}
    with Progress(TextColumn("[bold]vetting"), BarColumn(), MofNCompleteColumn(), console=output.Console(stderr=True)) as progress:
        task = progress.add_task("vet", total=total)
        for answer in client.vet_parties(requests):
            progress.advance(task)
            if answer.HasField("error"):
                counts["error"] += 1
                record = {"line": int(answer.tag), "error": output.to_dict(answer.error)}
            else:
                counts[_outcome(answer.decision.outcome)] += 1
                record = {"line": int(answer.tag), **output.to_dict(answer.decision)}
            print(json.dumps(record, ensure_ascii=False), file=sys.stdout, flush=False)
    sys.stdout.flush()
    print(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()), file=sys.stderr)
    return counts["not_known"] + counts["needs_review"] + counts["error"]


decisions_app = typer.Typer(help="Vetting decisions, their attestations, changes and match clearances.", no_args_is_help=True)


@decisions_app.command("show")
def show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="parties/{p}/decisions/{d}")]) -> None:
    """Show a decision."""
    with connect(ctx) as client:
        print_decision(client.get_decision(name), as_json=options(ctx).json)


@decisions_app.command("list")
def list_decisions(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="A party, or parties/- for all.")] = "parties/-",
    purpose: Annotated[Optional[PurposeChoice], typer.Option("--purpose", case_sensitive=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
) -> None:
    """List decisions, newest first."""
    opts = options(ctx)
    with connect(ctx) as client:
        pager = client.list_decisions(party, purpose=PURPOSE_VALUES[purpose.value] if purpose else 0)
        for count, decision in enumerate(pager, start=1):
            if opts.json:
                print(json.dumps(output.to_dict(decision), ensure_ascii=False))
            else:
                print(f"{output._time(decision.decide_time)}  {_outcome(decision.outcome):12}  {decision.name}")
            if count >= limit:
                break


@decisions_app.command("verify")
def verify(ctx: typer.Context, name: Annotated[str, typer.Argument(help="parties/{p}/decisions/{d}")]) -> None:
    """Verify a decision's signature offline with the service's published keys; exit 1 if invalid."""
    with connect(ctx) as client:
        check = client.verify_attestation(client.get_decision(name))
    print(f"{name}: {'valid' if check.valid else 'INVALID: ' + check.reason} (key {check.key_id})")
    if not check.valid:
        raise typer.Exit(1)


@decisions_app.command("replay")
def replay(ctx: typer.Context, name: Annotated[str, typer.Argument(help="parties/{p}/decisions/{d}")]) -> None:
    """Re-evaluate a decision from its recorded inputs and policy; exit 1 if it disagrees."""
    with connect(ctx) as client:
        result = client.replay_decision(name)
    if options(ctx).json:
        output.print_json(result)
    else:
        verdict = "same outcome and reasons" if result.same else "DIFFERS: " + "; ".join(result.differences)
        print(f"{name}: replayed {_outcome(result.replayed_outcome)}: {verdict}")
    if not result.same:
        raise typer.Exit(1)


@decisions_app.command("changes")
def changes(
    ctx: typer.Context,
    cursor: Annotated[str, typer.Option("--cursor", help="Resume after this change's cursor.")] = "",
    follow: Annotated[bool, typer.Option("--follow", help="Keep watching for new changes.")] = False,
) -> None:
    """Decisions whose outcome changed (JSON lines with their cursors)."""
    with connect(ctx) as client:
        stream = (
            client.watch_decision_changes(cursor=cursor, from_beginning=not cursor)
            if follow
            else client.list_decision_changes(cursor=cursor)
        )
        for change in stream:
            print(json.dumps(output.to_dict(change), ensure_ascii=False), flush=follow)


@decisions_app.command("clear")
def clear(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="The party.")],
    entry: Annotated[str, typer.Argument(help="watchlists/{list}/versions/{v}/entries/{id}")],
    analyst: Annotated[str, typer.Option("--analyst", help="Who judged it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is a false positive.")],
) -> None:
    """Clear a watchlist hit for a party as a false positive."""
    with connect(ctx) as client:
        clearance = client.clear_watchlist_match(party, entry, analyst=analyst, reason=reason)
    if options(ctx).json:
        output.print_json(clearance)
    else:
        print(f"cleared: {clearance.name}")


@decisions_app.command("clearances")
def clearances(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="The party.")],
    show_revoked: Annotated[bool, typer.Option("--show-revoked")] = False,
) -> None:
    """List a party's match clearances (JSON lines)."""
    with connect(ctx) as client:
        for clearance in client.list_match_clearances(party, show_revoked=show_revoked):
            print(json.dumps(output.to_dict(clearance), ensure_ascii=False))


@decisions_app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="parties/{p}/matchClearances/{c}")],
    analyst: Annotated[str, typer.Option("--analyst", help="Who revokes it.")],
) -> None:
    """Revoke a match clearance: the hit alerts again."""
    with connect(ctx) as client:
        revoked = client.revoke_match_clearance(name, analyst=analyst)
    if options(ctx).json:
        output.print_json(revoked)
    else:
        print(f"revoked: {revoked.name}")
