"""`knownparty violations ...` against a real server (SQLite and PostgreSQL), not the fake one."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from knownparty_client import types
from knownparty_client.cli import app

runner = CliRunner()


@pytest.fixture
def target(server_target) -> str:
    # Overrides tests/client/conftest.py's fake server: these commands talk to the real one.
    return server_target


@pytest.fixture
def party(client) -> types.Party:
    return client.create_party(
        types.Party(kind=types.PARTY_KIND_SELLER, legal_name="Bright Star Trading", addresses=[types.Address(country="CN")]),
        party_id="bright-star",
    )


def invoke(target, *args):
    return runner.invoke(app, ["--target", target, *args])


def create(target, *extra, reference="2026-5301-000123", json_out=True):
    args = ["--json"] if json_out else []
    args += [
        "violations", "create", "bright-star",
        "--category", "counterfeit-trademark",
        "--source", "cbp-seizure",
        "--reference", reference,
        "--occurred", "2026-01-31T00:00:00Z",
        *extra,
    ]
    return invoke(target, *args)


def count(client) -> int:
    return sum(1 for _ in client.list_violations())


def test_create_with_every_flag(target, client, party):
    result = create(
        target,
        "--reported", "2026-02-02T10:00:00+01:00",
        "--product-category", "handbags-wallets",
        "--quantity", "240",
        "--value", "1234.56",
        "--currency", "usd",
        "--note", "Seized at JFK",
        "--confirmed",
        "--id", "jfk-1",
        "--request-id", "cli-req-1",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "parties/bright-star/violations/jfk-1"
    assert data["category"] == "VIOLATION_CATEGORY_COUNTERFEIT_TRADEMARK"
    assert data["source"] == "VIOLATION_SOURCE_CBP_SEIZURE"
    assert data["product_category"] == "PRODUCT_CATEGORY_HANDBAGS_WALLETS"
    assert data["value"] == {"currency_code": "USD", "amount_minor": "123456"}
    assert data["quantity"] == "240"
    assert data["status"] == "VIOLATION_STATUS_CONFIRMED"
    assert data["occur_time"] == "2026-01-31T00:00:00Z"
    assert data["report_time"] == "2026-02-02T09:00:00Z"
    stored = client.get_violation("parties/bright-star/violations/jfk-1")
    assert stored.note == "Seized at JFK" and stored.value.amount_minor == 123456
    # The same request id and body again: the first result, nothing new.
    again = create(
        target,
        "--reported", "2026-02-02T10:00:00+01:00", "--product-category", "handbags-wallets", "--quantity", "240",
        "--value", "1234.56", "--currency", "USD", "--note", "Seized at JFK", "--confirmed", "--id", "jfk-1",
        "--request-id", "cli-req-1",
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == data
    assert count(client) == 1


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [("1500", "JPY", 1500), ("1500.00", "jpy", 1500), ("1.234", "KWD", 1234), ("0.5", "EUR", 50), ("7", "GBP", 700)],
)
def test_value_uses_the_currency_exponent(target, client, party, value, currency, minor):
    result = create(target, "--value", value, "--currency", currency)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["value"] == {"currency_code": currency.upper(), "amount_minor": str(minor)}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--value", "12.345", "--currency", "USD"], "at most 2 decimal places"),
        (["--value", "12.5", "--currency", "JPY"], "no decimal places"),
        (["--value", "1,234.56", "--currency", "USD"], "not a decimal amount"),
        (["--value", "12"], "--value and --currency go together"),
        (["--currency", "USD"], "--value and --currency go together"),
        (["--reported", "yesterday"], "not an ISO 8601 time"),
        (["--category", "piracy"], "piracy"),
    ],
)
def test_usage_errors_exit_2_and_send_nothing(target, client, party, extra, message):
    result = create(target, *extra)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())  # rich wraps long lines
    assert count(client) == 0


def test_server_refusal_names_the_field(target, client, party):
    future = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    result = invoke(
        target, "violations", "create", "bright-star", "--category", "narcotics", "--source", "carrier-report",
        "--reference", "CR-1", "--occurred", future, "--quantity", "-2", "--value", "10", "--currency", "ABC",
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: INVALID_ARGUMENT: ")
    fields = {line.strip().split(":")[0] for line in lines[1:] if not line.startswith("request id: ")}
    assert fields == {"violation.occur_time", "violation.quantity", "violation.value.currency_code"}
    assert re.fullmatch(r"request id: [0-9a-f]{32}", lines[-1])
    assert result.stdout == ""
    assert count(client) == 0


def test_unknown_and_archived_party(target, client, party):
    missing = invoke(target, "violations", "create", "nobody", "--category", "narcotics", "--source", "other",
                     "--reference", "X", "--occurred", "2026-01-01")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: NOT_FOUND: parties/nobody does not exist")
    client.archive_party(party.name)
    archived = create(target)
    assert archived.exit_code == 1
    assert archived.stderr.startswith("error: FAILED_PRECONDITION: parties/bright-star is archived")
    assert count(client) == 0


def test_get_shows_a_table(target, client, party):
    create(target, "--id", "v1", "--value", "99.90", "--currency", "USD", "--product-category", "footwear")
    result = invoke(target, "violations", "get", "bright-star/v1")
    assert result.exit_code == 0, result.output
    for text in ("parties/bright-star/violations/v1", "counterfeit-trademark", "cbp-seizure", "2026-5301-000123",
                 "footwear", "99.90 USD", "reported", "2026-01-31T00:00:00+00:00"):
        assert text in result.stdout, text


def test_list_filters_and_limit(target, client, party):
    client.create_party(types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Other", addresses=[types.Address(country="US")]),
                        party_id="other")
    assert create(target, reference="A").exit_code == 0
    assert create(target, "--occurred", "2026-03-01", "--category", "narcotics", reference="B").exit_code == 0
    other = invoke(target, "violations", "create", "other", "--category", "undervaluation", "--source",
                   "marketplace-takedown", "--reference", "C", "--occurred", "2026-02-01")
    assert other.exit_code == 0, other.output

    def listed(*args):
        result = invoke(target, "--json", "violations", "list", *args)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["reference_number"] for line in result.stdout.splitlines()]

    assert listed() == ["A", "B", "C"]
    assert listed("-") == ["A", "B", "C"]
    assert listed("bright-star") == ["A", "B"]
    assert listed("parties/other") == ["C"]
    assert listed("--category", "narcotics") == ["B"]
    assert listed("--source", "marketplace-takedown") == ["C"]
    assert listed("--status", "reported") == ["A", "B", "C"]
    assert listed("--status", "confirmed") == []
    assert listed("--occurred-after", "2026-02-01T00:00:00Z") == ["B", "C"]
    assert listed("--occurred-before", "2026-02-01") == ["A"]
    assert listed("--occurred-after", "2026-02-01", "--occurred-before", "2026-02-15") == ["C"]
    assert listed("--limit", "2", "--page-size", "1") == ["A", "B"]

    table = invoke(target, "violations", "list", "bright-star")
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[-1] == "2 violations"
    assert "2026-01-31" in table.stdout and "2026-03-01" in table.stdout and "reported" in table.stdout

    bad = invoke(target, "violations", "list", "--occurred-after", "2026-03-01", "--occurred-before", "2026-01-01")
    assert bad.exit_code == 1
    assert "occur_before" in bad.stderr


def test_set_status_walks_the_workflow(target, client, party):
    create(target, "--id", "v1")
    confirmed = invoke(target, "--json", "violations", "set-status", "bright-star/v1", "confirmed",
                       "--note", "notice received", "--etag", "r1")
    assert confirmed.exit_code == 0, confirmed.output
    data = json.loads(confirmed.stdout)
    assert data["status"] == "VIOLATION_STATUS_CONFIRMED"
    assert [(h["status"], h.get("note", "")) for h in data["status_history"]] == [
        ("VIOLATION_STATUS_REPORTED", ""),
        ("VIOLATION_STATUS_CONFIRMED", "notice received"),
    ]

    stale = invoke(target, "violations", "set-status", "bright-star/v1", "resolved", "--etag", "r1")
    assert stale.exit_code == 1
    assert stale.stderr.startswith("error: ABORTED: ")

    illegal = invoke(target, "violations", "set-status", "parties/bright-star/violations/v1", "reported")
    assert illegal.exit_code == 1
    assert illegal.stderr.startswith("error: FAILED_PRECONDITION: ")
    assert "cannot move from confirmed to reported" in illegal.stderr

    appeal = invoke(target, "violations", "set-status", "bright-star/v1", "under-appeal", "--note", "petition filed")
    assert appeal.exit_code == 0, appeal.output
    assert "under-appeal" in appeal.stdout and "petition filed" in appeal.stdout
    assert client.get_violation("bright-star/v1").status == types.VIOLATION_STATUS_UNDER_APPEAL
