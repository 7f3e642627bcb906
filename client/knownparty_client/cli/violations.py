"""`knownparty violations ...`: create, get, list, set-status."""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from knownparty_client import types
from knownparty_client.cli import output
from knownparty_client.cli._choices import enum_label
from knownparty_client.cli._state import connect, options

app = typer.Typer(help="Record, read, list and move trade violations through their statuses.", no_args_is_help=True)

# -- enum choices ---------------------------------------------------------------------------------

_CATEGORY = "VIOLATION_CATEGORY_"
_SOURCE = "VIOLATION_SOURCE_"
_PRODUCT = "PRODUCT_CATEGORY_"
_STATUS = "VIOLATION_STATUS_"


def _choices(class_name: str, wrapper: Any, prefix: str) -> Any:
    """A str Enum of the command-line spellings (`counterfeit-trademark`) of a protocol enum."""
    labels = [enum_label(wrapper, prefix, number) for name, number in wrapper.items() if number != 0]
    return enum.Enum(class_name, {label.replace("-", "_"): label for label in labels}, type=str)


Category = _choices("Category", types.ViolationCategory, _CATEGORY)
Source = _choices("Source", types.ViolationSource, _SOURCE)
ProductCategory = _choices("ProductCategory", types.ProductCategory, _PRODUCT)
Status = _choices("Status", types.ViolationStatus, _STATUS)


def _value(wrapper: Any, prefix: str, choice: enum.Enum) -> int:
    return wrapper.Value(prefix + choice.value.upper().replace("-", "_"))


# -- money ----------------------------------------------------------------------------------------

# ISO 4217 minor-unit exponents that are not 2. The client does not depend on the server's
# currency tables: an unknown code gets 2 here and the server says whether it exists.
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
         "XOF", "XPF"),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
DEFAULT_EXPONENT = 2
_INT64_MAX = 2**63 - 1
_DECIMAL = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?")


def currency_exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS.get(currency.upper(), DEFAULT_EXPONENT)


def parse_amount(text: str, currency: str) -> int:
    """A decimal string (`1234.56`) in minor units of `currency` (123456 for USD); ValueError when
    it is not a plain decimal number or has more decimal places than the currency has (trailing
    zeros aside: `1000.00` JPY is 1000)."""
    match = _DECIMAL.fullmatch(text.strip())
    if not match or not (match.group(2) or match.group(3)):
        raise ValueError(f"{text!r} is not a decimal amount like 1234.56")
    sign, whole, fraction = match.group(1), match.group(2) or "0", (match.group(3) or "").rstrip("0")
    exponent = currency_exponent(currency)
    if len(fraction) > exponent:
        allowed = "no decimal places" if exponent == 0 else f"at most {exponent} decimal places"
        raise ValueError(f"{currency.upper()} amounts have {allowed}; {text.strip()!r} has more")
    minor = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor > _INT64_MAX:
        raise ValueError(f"{text.strip()!r} is too large")
    return -minor if sign == "-" else minor


def format_money(money: types.Money) -> str:
    exponent = currency_exponent(money.currency_code)
    sign = "-" if money.amount_minor < 0 else ""
    whole, fraction = divmod(abs(money.amount_minor), 10**exponent)
    text = f"{sign}{whole}.{fraction:0{exponent}d}" if exponent else f"{sign}{whole}"
    return f"{text} {money.currency_code}"


# -- times ----------------------------------------------------------------------------------------


def parse_time(text: str, flag: str) -> datetime:
    """ISO 8601 (`2026-01-31T08:00:00Z`, `2026-01-31`); a time without an offset is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time like 2026-01-31T08:00:00Z", param_hint=flag) from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _timestamp(value: datetime) -> types.Timestamp:
    stamp = types.Timestamp()
    stamp.FromDatetime(value.astimezone(timezone.utc))
    return stamp


# -- output ---------------------------------------------------------------------------------------


def _label(wrapper: Any, prefix: str, number: int) -> str:
    return enum_label(wrapper, prefix, number) if number else ""


def _history(violation: types.Violation) -> str:
    lines = []
    for change in violation.status_history:
        line = f"{output._time(change.change_time)} {_label(types.ViolationStatus, _STATUS, change.status)}"
        lines.append(f"{line}: {change.note}" if change.note else line)
    return "\n".join(lines)


def print_violation(violation: types.Violation, *, as_json: bool) -> None:
    if as_json:
        output.print_json(violation)
        return
    rows: list[tuple[str, str]] = [
        ("name", violation.name),
        ("status", _label(types.ViolationStatus, _STATUS, violation.status)),
        ("category", _label(types.ViolationCategory, _CATEGORY, violation.category)),
        ("source", _label(types.ViolationSource, _SOURCE, violation.source)),
        ("reference", violation.reference_number),
        ("product category", _label(types.ProductCategory, _PRODUCT, violation.product_category)),
        ("occurred", output._time(violation.occur_time)),
        ("reported", output._time(violation.report_time)),
        ("quantity", str(violation.quantity) if violation.quantity else ""),
        ("value", format_money(violation.value) if violation.HasField("value") else ""),
        ("note", violation.note),
        ("history", _history(violation)),
        ("etag", violation.etag),
        ("created", output._time(violation.create_time)),
        ("updated", output._time(violation.update_time)),
    ]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in rows:
        if value:
            table.add_row(label, Text(value))
    output.stdout().print(table)


def print_violations(violations: Iterable[types.Violation], *, as_json: bool) -> int:
    count = 0
    if as_json:
        for violation in violations:
            output.print_json(violation)
            count += 1
        return count
    table = Table()
    for title in ("name", "status", "category", "reference", "occurred", "value"):
        table.add_column(title, overflow="fold")
    for v in violations:
        table.add_row(
            Text(v.name),
            _label(types.ViolationStatus, _STATUS, v.status),
            _label(types.ViolationCategory, _CATEGORY, v.category),
            Text(v.reference_number),
            output._time(v.occur_time)[:10],  # the date; `get` shows the time
            format_money(v.value) if v.HasField("value") else "",
        )
        count += 1
    console = output.stdout()
    console.print(table)
    console.print(f"{count} violation{'' if count == 1 else 's'}")
    return count


# -- commands -------------------------------------------------------------------------------------

NameArg = Annotated[
    str, typer.Argument(help="`parties/PARTY/violations/ID`, or the shorthand PARTY/ID.", show_default=False)
]


@app.command("create")
def create(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="`parties/ID` or the bare ID of the party.", show_default=False)],
    category: Annotated[Category, typer.Option("--category", case_sensitive=False, help="What was violated.")],
    source: Annotated[Source, typer.Option("--source", case_sensitive=False, help="Who reported it.")],
    reference: Annotated[
        str, typer.Option("--reference", help="Seizure number, takedown id, case number... (unique per source).")
    ],
    occurred: Annotated[str, typer.Option("--occurred", metavar="TIME", help="When it happened (ISO 8601; UTC if no offset).")],
    reported: Annotated[
        Optional[str], typer.Option("--reported", metavar="TIME", help="When it was reported (default: now).")
    ] = None,
    product_category: Annotated[
        Optional[ProductCategory], typer.Option("--product-category", case_sensitive=False, help="CBP IPR category.")
    ] = None,
    quantity: Annotated[int, typer.Option("--quantity", help="Units seized or taken down.")] = 0,
    value: Annotated[
        Optional[str], typer.Option("--value", metavar="AMOUNT", help="Declared or appraised value, like 1234.56.")
    ] = None,
    currency: Annotated[Optional[str], typer.Option("--currency", help="ISO 4217 code of --value, like USD.")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    confirmed: Annotated[bool, typer.Option("--confirmed", help="Record it as confirmed rather than reported.")] = False,
    violation_id: Annotated[str, typer.Option("--id", help="Violation id; the server picks one if not given.")] = "",
    request_id: Annotated[
        Optional[str], typer.Option("--request-id", help="Idempotency key; a random one if not given.")
    ] = None,
) -> None:
    """Record a violation against a party."""
    violation = types.Violation(
        category=_value(types.ViolationCategory, _CATEGORY, category),
        source=_value(types.ViolationSource, _SOURCE, source),
        reference_number=reference,
        occur_time=_timestamp(parse_time(occurred, "--occurred")),
        quantity=quantity,
        note=note,
    )
    if reported is not None:
        violation.report_time.CopyFrom(_timestamp(parse_time(reported, "--reported")))
    if product_category is not None:
        violation.product_category = _value(types.ProductCategory, _PRODUCT, product_category)
    if (value is None) != (currency is None):
        raise typer.BadParameter("--value and --currency go together", param_hint="--value / --currency")
    if value is not None and currency is not None:
        code = currency.strip().upper()
        try:
            amount = parse_amount(value, code)
        except ValueError as err:
            raise typer.BadParameter(str(err), param_hint="--value") from None
        violation.value.CopyFrom(types.Money(currency_code=code, amount_minor=amount))
    initial = types.VIOLATION_STATUS_CONFIRMED if confirmed else None
    with connect(ctx) as client:
        created = client.create_violation(
            party, violation, violation_id=violation_id, request_id=request_id, initial_status=initial
        )
    print_violation(created, as_json=options(ctx).json)


@app.command("get")
def get(ctx: typer.Context, name: NameArg) -> None:
    """Show one violation with its status history."""
    with connect(ctx) as client:
        violation = client.get_violation(name)
    print_violation(violation, as_json=options(ctx).json)


@app.command("list")
def list_(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="`parties/ID`, the bare ID, or - for every party.")] = "-",
    category: Annotated[Optional[Category], typer.Option("--category", case_sensitive=False)] = None,
    status: Annotated[Optional[Status], typer.Option("--status", case_sensitive=False)] = None,
    source: Annotated[Optional[Source], typer.Option("--source", case_sensitive=False)] = None,
    occurred_after: Annotated[
        Optional[str], typer.Option("--occurred-after", metavar="TIME", help="Occurred at or after this time.")
    ] = None,
    occurred_before: Annotated[
        Optional[str], typer.Option("--occurred-before", metavar="TIME", help="Occurred before this time.")
    ] = None,
    page_size: Annotated[int, typer.Option("--page-size", min=0, help="Violations per request (server default 50).")] = 0,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Stop after this many violations.")] = None,
) -> None:
    """List violations in recording order, fetching further pages as needed."""
    after = parse_time(occurred_after, "--occurred-after") if occurred_after else None
    before = parse_time(occurred_before, "--occurred-before") if occurred_before else None
    if limit is not None and not page_size:
        page_size = min(limit, 1000)
    with connect(ctx) as client:
        pager = client.list_violations(
            party,
            page_size=page_size,
            category=_value(types.ViolationCategory, _CATEGORY, category) if category else None,
            status=_value(types.ViolationStatus, _STATUS, status) if status else None,
            source=_value(types.ViolationSource, _SOURCE, source) if source else None,
            occur_after=after,
            occur_before=before,
        )
        print_violations(itertools.islice(pager, limit), as_json=options(ctx).json)


@app.command("set-status")
def set_status(
    ctx: typer.Context,
    name: NameArg,
    status: Annotated[
        Status,
        typer.Argument(
            case_sensitive=False,
            help="reported -> confirmed | dismissed; confirmed -> under-appeal | resolved; "
            "under-appeal -> confirmed | dismissed; resolved and dismissed are final.",
            show_default=False,
        ),
    ],
    note: Annotated[str, typer.Option("--note", help="Why; kept in the status history.")] = "",
    etag: Annotated[str, typer.Option("--etag", help="Fail with ABORTED unless this is the current etag.")] = "",
) -> None:
    """Move a violation to another status."""
    with connect(ctx) as client:
        violation = client.update_violation_status(
            name, _value(types.ViolationStatus, _STATUS, status), note=note, etag=etag
        )
    print_violation(violation, as_json=options(ctx).json)
