"""`knownparty vet` and `knownparty decisions ...` against a real server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from knownparty_client import KnownPartyClient, types
from knownparty_client.cli import app

runner = CliRunner()


@pytest.fixture
def target(server_target) -> str:
    # Overrides tests/client/conftest.py's fake server: these commands talk to the real one.
    return server_target


def invoke(target, *args):
    return runner.invoke(app, ["--target", target, *args])


def _parties(target):
    with KnownPartyClient(target) as client:
        client.import_watchlist(
            "in-house", types.LIST_FORMAT_GENERIC_CSV, [("entries", "l.csv", b"id,name\nW1,Global Shadow Trading LLC\n")]
        )
        verified = types.Timestamp()
        verified.FromDatetime(datetime.now(timezone.utc) - timedelta(days=3))
        good = client.create_party(
            types.Party(
                kind=types.PARTY_KIND_SELLER,
                legal_name="Harbor Lane Goods Inc",
                addresses=[types.Address(lines=["1 Main St"], city="Austin", country="US")],
                verifications=[types.FieldVerification(field="legal_name", method=types.VERIFICATION_METHOD_DOCUMENT, verify_time=verified)],
            ),
            party_id="harbor-lane",
        )
        shipper = client.create_party(
            types.Party(kind=types.PARTY_KIND_SHIPPER, legal_name="Blue Parcel Exports", addresses=[types.Address(lines=["9 Dock"], city="Ningbo", country="CN")]),
            party_id="blue-parcel",
        )
    return good, shipper


def test_vet_one_party_then_show_verify_replay(target):
    good, shipper = _parties(target)
    result = invoke(target, "vet", "harbor-lane")
    assert result.exit_code == 0, result.output
    assert "KNOWN" in result.stdout and "IDENTITY_VERIFIED" in result.stdout
    as_json = invoke(target, "--json", "vet", "harbor-lane")
    decision = json.loads(as_json.stdout)
    assert decision["outcome"] == "OUTCOME_KNOWN" and decision["flag"] is True
    shown = invoke(target, "decisions", "show", decision["name"])
    assert shown.exit_code == 0 and decision["name"] in shown.stdout
    verified = invoke(target, "decisions", "verify", decision["name"])
    assert verified.exit_code == 0 and "valid" in verified.stdout
    replayed = invoke(target, "decisions", "replay", decision["name"])
    assert replayed.exit_code == 0 and "same outcome and reasons" in replayed.stdout
    # A shipper without payment history is not a known carrier customer: exit code 5.
    not_known = invoke(target, "vet", "blue-parcel", "--purpose", "shipper")
    assert not_known.exit_code == 5 and "NOT_REPEAT_CUSTOMER" in not_known.stdout
    listed = invoke(target, "decisions", "list")
    assert listed.exit_code == 0 and len(listed.stdout.strip().splitlines()) == 2


def test_vet_a_file_streams_answers_with_errors_in_place(target, tmp_path):
    _parties(target)
    batch = tmp_path / "batch.txt"
    batch.write_text('harbor-lane\n{"party": "blue-parcel", "purpose": "shipper"}\n\nno-such-party\n')
    result = invoke(target, "vet", "--input", str(batch))
    assert result.exit_code == 5, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 4]
    assert lines[0]["outcome"] == "OUTCOME_KNOWN"
    assert lines[1]["outcome"] == "OUTCOME_NOT_KNOWN"
    assert lines[2]["error"]["code"] == "NOT_FOUND"
    bad = tmp_path / "bad.txt"
    bad.write_text('{"party": "harbor-lane", "purpose": "buyer"}\n')
    refused = invoke(target, "vet", "--input", str(bad))
    assert refused.exit_code == 2 and "purpose must be seller or shipper" in refused.output


def test_a_seller_created_with_a_verification_on_the_command_line_is_known(target):
    _parties(target)
    created = invoke(
        target, "parties", "create", "--kind", "seller", "--id", "quiet-crafts", "--legal-name", "Quiet Honest Crafts LLC",
        "--address-line", "5 Elm St", "--city", "Portland", "--country", "US",
        "--verified", "legal_name:government-registry:OR-SOS",
    )
    assert created.exit_code == 0, created.output
    assert "government-registry (OR-SOS)" in created.stdout
    assert invoke(target, "vet", "quiet-crafts").exit_code == 0
    refused = invoke(target, "parties", "create", "--kind", "seller", "--legal-name", "X", "--verified", "legal_name:telepathy")
    assert refused.exit_code == 2 and "FIELD:METHOD" in refused.output
