"""`knownparty payments ...` against a real server: import a carrier file, list fees, standing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from knownparty_client import types
from knownparty_client.cli import app

runner = CliRunner()
NOW = datetime.now(timezone.utc).replace(microsecond=0)
HEADER = "record,shipper,carrier,shipment_reference,fee_type,amount,currency,shipment_time,bill_time,due_time,resolution,payment_reference,paid_time\n"


@pytest.fixture
def target(server_target) -> str:
    # Overrides tests/client/conftest.py's fake server: these commands talk to the real one.
    return server_target


@pytest.fixture
def shipper(client) -> str:
    client.create_party(
        types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Harbour Freight", addresses=[types.Address(country="US")]),
        party_id="harbour",
    )
    return "harbour"


def daily_file(tmp_path, rows: list[str]):
    path = tmp_path / "ups-daily.csv"
    path.write_text(HEADER + "".join(rows))
    return path


def fee_row(shipment: str, days_ago: int, amount: int = 1250, fee_type: str = "duty") -> str:
    shipped = (NOW - timedelta(days=days_ago)).isoformat()
    due = (NOW - timedelta(days=days_ago - 15)).isoformat()
    return f"fee,harbour,UPS,{shipment},{fee_type},{amount},USD,{shipped},{shipped},{due},,,\n"


def payment_row(shipment: str, reference: str, days_ago: int, amount: int = 1250) -> str:
    paid = (NOW - timedelta(days=days_ago)).isoformat()
    return f"payment,harbour,UPS,{shipment},duty,{amount},USD,,,,,{reference},{paid}\n"


def test_import_then_standing_and_fees(target, shipper, tmp_path):
    rows = []
    for i, days_ago in enumerate([300, 200, 100, 20]):
        rows += [fee_row(f"1Z{i}", days_ago), payment_row(f"1Z{i}", f"P{i}", days_ago - 3)]
    path = daily_file(tmp_path, rows)
    result = runner.invoke(app, ["--target", target, "payments", "import", str(path), "--carrier", "UPS"])
    assert result.exit_code == 0, result.output
    assert "4 fees and 4 payments recorded, 0 unchanged, 0 rejected" in result.output

    again = runner.invoke(app, ["--target", target, "--json", "payments", "import", str(path), "--carrier", "UPS"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout.strip().splitlines()[0])
    assert report["rows_unchanged"] == "8" and "fees_recorded" not in report

    standing = runner.invoke(app, ["--target", target, "--json", "payments", "standing", shipper])
    assert standing.exit_code == 0, standing.output
    data = json.loads(standing.stdout)
    assert data["repeat_customer"] is True and data["shipments"] == "4"
    assert data["billed"] == [{"currency_code": "USD", "amount_minor": "5000"}]

    table = runner.invoke(app, ["--target", target, "payments", "standing", shipper])
    assert "repeat customer" in table.stdout and "50.00 USD" in table.stdout

    fees = runner.invoke(app, ["--target", target, "payments", "fees", shipper])
    assert fees.exit_code == 0 and "4 fee lines" in fees.stdout


def test_bad_rows_are_listed_by_line_and_the_rest_lands(target, shipper, client, tmp_path):
    path = daily_file(
        tmp_path,
        [
            fee_row("OK1", 10),
            fee_row("BAD-AMOUNT", 10, amount=-5),
            "fee,harbour,UPS,BAD-NUMBER,duty,12.50,USD,2026-01-01,2026-01-01,2026-01-20,,,\n",
            payment_row("NEVER-BILLED", "PX", 1),
            fee_row("OK2", 5),
        ],
    )
    result = runner.invoke(app, ["--target", target, "payments", "import", str(path), "--carrier", "UPS"])
    assert result.exit_code == 3, result.output
    assert "2 fees and 0 payments recorded, 0 unchanged, 3 rejected" in result.stdout
    assert "line 3: fee_line.billed.amount_minor" in result.stderr
    assert "line 4: amount" in result.stderr
    assert "line 5: shipment_reference" in result.stderr
    assert sorted(line.shipment_reference for line in client.list_fee_lines(shipper)) == ["OK1", "OK2"]


def test_a_file_with_unknown_columns_is_refused_whole(target, shipper, client, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("record,shipper,carrier,shipment_ref,fee_type,amount,currency\nfee,harbour,UPS,X,duty,1,USD\n")
    result = runner.invoke(app, ["--target", target, "payments", "import", str(path), "--carrier", "UPS"])
    assert result.exit_code == 2
    assert "unknown columns: shipment_ref" in result.stderr
    assert list(client.list_fee_lines(shipper)) == []
