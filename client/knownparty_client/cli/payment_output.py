"""Tables for fee lines and payment standing."""

from __future__ import annotations

import json
from collections.abc import Iterable

from rich.table import Table

from knownparty_client import types
from knownparty_client.cli._choices import enum_label
from knownparty_client.cli.output import _time, stdout

# ISO 4217 minor-unit exponents that are not 2; for display only (the server stores minor units).
_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                     "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def money(m: types.Money) -> str:
    exponent = _EXPONENTS.get(m.currency_code, 2)
    sign = "-" if m.amount_minor < 0 else ""
    whole, fraction = divmod(abs(m.amount_minor), 10**exponent)
    text = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    return f"{sign}{text} {m.currency_code}"


def monies(values: Iterable[types.Money]) -> str:
    return ", ".join(money(m) for m in values) or "-"


def json_line(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def fee_lines_table(lines: list[types.FeeLine]) -> None:
    table = Table(show_lines=False)
    for column in ("shipment", "fee", "shipped", "due", "billed", "paid", "settled", "resolution"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            f"{line.carrier}/{line.shipment_reference}",
            enum_label(types.FeeType, "FEE_TYPE_", line.fee_type),
            _time(line.shipment_time),
            _time(line.due_time),
            money(line.billed),
            money(line.paid),
            _time(line.settle_time) or "-",
            enum_label(types.FeeResolution, "FEE_RESOLUTION_", line.resolution),
        )
    console = stdout()
    console.print(table)
    console.print(f"{len(lines)} fee lines")


def standing_table(s: types.PaymentStanding) -> None:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("party", s.party),
        ("repeat customer", "yes" if s.repeat_customer else "no"),
        ("policy version", s.policy_version),
        ("window from", _time(s.window_start)),
        ("shipments", str(s.shipments)),
        ("first / last shipment", f"{_time(s.first_shipment_time) or '-'} / {_time(s.last_shipment_time) or '-'}"),
        ("billed", monies(s.billed)),
        ("paid", monies(s.paid)),
        ("outstanding", monies(s.outstanding)),
        ("overdue", f"{monies(s.overdue)} ({s.overdue_lines} lines)"),
        ("paid on time", f"{s.on_time_ratio:.1%} ({s.settled_on_time} on time, {s.settled_late} late)"),
        ("written off", str(s.written_off_lines)),
        ("last default", _time(s.last_default_time) or "-"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    for reason in s.reasons:
        table.add_row("reason", f"{reason.code}: {reason.message}")
    stdout().print(table)
