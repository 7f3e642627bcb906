"""`knownparty parties ...`: create, get, list, update, archive, history."""

from __future__ import annotations

import enum
import itertools
from typing import Annotated, Optional

import typer

from knownparty_client import types
from knownparty_client.cli import output
from knownparty_client.cli._choices import (
    Kind,
    SettableState,
    State,
    kind_value,
    parse_identifier,
    parse_identifier_filter,
    state_value,
)
from knownparty_client.cli._state import connect, options

app = typer.Typer(help="Create, read, list, update and archive parties.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="`parties/ID` or the bare ID.")]
EtagOpt = Annotated[str, typer.Option("--etag", help="Fail with ABORTED unless this is the current etag.")]

# Field flags shared by create and update.
LegalNameOpt = Annotated[Optional[str], typer.Option("--legal-name", help="Registered legal name.")]
AliasOpt = Annotated[Optional[list[str]], typer.Option("--alias", help="Other name (repeatable).")]
AddressLineOpt = Annotated[Optional[list[str]], typer.Option("--address-line", help="Street line (repeatable).")]
CityOpt = Annotated[Optional[str], typer.Option("--city")]
RegionOpt = Annotated[Optional[str], typer.Option("--region")]
PostalCodeOpt = Annotated[Optional[str], typer.Option("--postal-code")]
CountryOpt = Annotated[Optional[str], typer.Option("--country", help="ISO 3166-1 alpha-2 of the address.")]
IdentifierOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--identifier",
        metavar="TYPE:VALUE[:COUNTRY]",
        help="For example vat:DE136695976:DE or ein:12-3456789 (repeatable). TYPE is one of tax-id, "
        "ein, vat, eori, duns, lei, mid, business-registration, marketplace-seller-account, "
        "carrier-account.",
    ),
]
VerifiedOpt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--verified",
        metavar="FIELD:METHOD[:REFERENCE]",
        help="A field verified now, for example legal_name:government-registry:OpenCorporates (repeatable). "
        "FIELD is legal_name, aliases, addresses, identifiers, email or phone; METHOD one of document, "
        "government-registry, third-party-service, email-confirmation, phone-confirmation, "
        "bank-confirmation, manual-review, self-certification.",
    ),
]
EmailOpt = Annotated[Optional[str], typer.Option("--email")]
PhoneOpt = Annotated[Optional[str], typer.Option("--phone", help="E.164, for example +14155550100.")]


def _address(
    lines: list[str] | None, city: str | None, region: str | None, postal_code: str | None, country: str | None
) -> types.Address | None:
    """One address from the address flags, or None when none of them was given."""
    if not lines and city is None and region is None and postal_code is None and country is None:
        return None
    return types.Address(
        lines=lines or [],
        city=city or "",
        region=region or "",
        postal_code=postal_code or "",
        country=(country or "").upper(),
    )


def parse_verification(text: str) -> types.FieldVerification:
    field, _, rest = text.partition(":")
    method, _, reference = rest.partition(":")
    name = "VERIFICATION_METHOD_" + method.strip().upper().replace("-", "_")
    if not field or name not in types.VerificationMethod.keys():
        raise typer.BadParameter(f"--verified {text!r}: expected FIELD:METHOD[:REFERENCE]")
    verification = types.FieldVerification(
        field=field.strip(), method=types.VerificationMethod.Value(name), source_reference=reference.strip()
    )
    verification.verify_time.GetCurrentTime()
    return verification


@app.command("create")
def create(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Option("--kind", help="What the party is.", case_sensitive=False)],
    legal_name: Annotated[str, typer.Option("--legal-name", help="Registered legal name.")],
    alias: AliasOpt = None,
    address_line: AddressLineOpt = None,
    city: CityOpt = None,
    region: RegionOpt = None,
    postal_code: PostalCodeOpt = None,
    country: CountryOpt = None,
    identifier: IdentifierOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    verified: VerifiedOpt = None,
    party_id: Annotated[str, typer.Option("--id", help="Party id to use; the server picks one if not given.")] = "",
    request_id: Annotated[
        Optional[str], typer.Option("--request-id", help="Idempotency key; a random one if not given.")
    ] = None,
) -> None:
    """Create a party."""
    party = types.Party(
        kind=kind_value(kind),
        legal_name=legal_name,
        aliases=alias or [],
        identifiers=[parse_identifier(i) for i in identifier or []],
        email=email or "",
        phone=phone or "",
        verifications=[parse_verification(v) for v in verified or []],
    )
    addr = _address(address_line, city, region, postal_code, country)
    if addr is not None:
        party.addresses.append(addr)
    with connect(ctx) as client:
        created = client.create_party(party, party_id=party_id, request_id=request_id)
    output.print_party(created, as_json=options(ctx).json)


@app.command("get")
def get(ctx: typer.Context, name: NameArg) -> None:
    """Show one party (archived ones too)."""
    with connect(ctx) as client:
        party = client.get_party(name)
    output.print_party(party, as_json=options(ctx).json)


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: Annotated[Optional[Kind], typer.Option("--kind", case_sensitive=False)] = None,
    country: Annotated[str, typer.Option("--country", help="Parties with an address in this country.")] = "",
    state: Annotated[Optional[State], typer.Option("--state", case_sensitive=False)] = None,
    identifier: Annotated[
        Optional[str], typer.Option("--identifier", metavar="TYPE:VALUE", help="Parties holding this identifier.")
    ] = None,
    name_prefix: Annotated[str, typer.Option("--name-prefix", help="Case-insensitive legal name prefix.")] = "",
    show_archived: Annotated[bool, typer.Option("--show-archived", help="Include archived parties.")] = False,
    page_size: Annotated[int, typer.Option("--page-size", min=0, help="Parties per request (server default 50).")] = 0,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Stop after this many parties.")] = None,
) -> None:
    """List parties, fetching further pages as needed."""
    id_type, id_value = parse_identifier_filter(identifier) if identifier else (None, "")
    if limit is not None and not page_size:
        page_size = min(limit, 1000)
    with connect(ctx) as client:
        pager = client.list_parties(
            page_size=page_size,
            kind=kind_value(kind) if kind else None,
            country=country.upper(),
            state=state_value(state) if state else None,
            identifier_type=id_type,
            identifier_value=id_value,
            name_prefix=name_prefix,
            show_archived=show_archived,
        )
        output.print_parties(itertools.islice(pager, limit), as_json=options(ctx).json)


class Clearable(str, enum.Enum):
    aliases = "aliases"
    addresses = "addresses"
    identifiers = "identifiers"
    email = "email"
    phone = "phone"
    verifications = "verifications"


@app.command("update")
def update(
    ctx: typer.Context,
    name: NameArg,
    legal_name: LegalNameOpt = None,
    alias: Annotated[Optional[list[str]], typer.Option("--alias", help="Replaces the aliases (repeatable).")] = None,
    address_line: AddressLineOpt = None,
    city: CityOpt = None,
    region: RegionOpt = None,
    postal_code: PostalCodeOpt = None,
    country: CountryOpt = None,
    identifier: IdentifierOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    state: Annotated[Optional[SettableState], typer.Option("--state", case_sensitive=False)] = None,
    clear: Annotated[
        Optional[list[Clearable]], typer.Option("--clear", help="Empty this field (repeatable).", case_sensitive=False)
    ] = None,
    etag: EtagOpt = "",
) -> None:
    """Change the fields given. Any address flag replaces all addresses with that one address;
    --alias and --identifier replace the whole list."""
    party = types.Party(name=name, etag=etag)
    mask: list[str] = []
    if legal_name is not None:
        party.legal_name = legal_name
        mask.append("legal_name")
    if alias:
        party.aliases.extend(alias)
        mask.append("aliases")
    addr = _address(address_line, city, region, postal_code, country)
    if addr is not None:
        party.addresses.append(addr)
        mask.append("addresses")
    if identifier:
        party.identifiers.extend(parse_identifier(i) for i in identifier)
        mask.append("identifiers")
    if email is not None:
        party.email = email
        mask.append("email")
    if phone is not None:
        party.phone = phone
        mask.append("phone")
    if state is not None:
        party.state = state_value(state)
        mask.append("state")
    for field in clear or []:
        if field.value in mask:
            raise typer.BadParameter(f"{field.value} is both set and cleared", param_hint="--clear")
        mask.append(field.value)
    if not mask:
        ctx.fail(
            "give at least one field to change (--legal-name, --alias, --address-line, --city, --region, "
            "--postal-code, --country, --identifier, --email, --phone, --state or --clear)"
        )
    with connect(ctx) as client:
        updated = client.update_party(party, mask)
    output.print_party(updated, as_json=options(ctx).json)


@app.command("archive")
def archive(ctx: typer.Context, name: NameArg, etag: EtagOpt = "") -> None:
    """Archive a party (soft delete: its history stays)."""
    with connect(ctx) as client:
        party = client.archive_party(name, etag=etag)
    output.print_party(party, as_json=options(ctx).json)


@app.command("history")
def history(
    ctx: typer.Context,
    name: NameArg,
    page_size: Annotated[int, typer.Option("--page-size", min=0, help="Revisions per request.")] = 0,
) -> None:
    """List every revision of a party, oldest first."""
    with connect(ctx) as client:
        revisions = client.list_party_revisions(name, page_size=page_size)
        output.print_revisions(revisions, as_json=options(ctx).json)
