"""The `knownparty` command line against the fake server."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from knownparty_client import types
from knownparty_client.cli import app

runner = CliRunner()


def invoke(target, *args, **kwargs):
    return runner.invoke(app, ["--target", target, *args], **kwargs)


def test_create(target, fake):
    result = invoke(
        target,
        "--api-key", "s3cret",
        "parties", "create",
        "--kind", "shipment-initiator",
        "--legal-name", "Acme GmbH",
        "--alias", "Acme",
        "--address-line", "Hafenstr. 1",
        "--city", "Hamburg",
        "--country", "de",
        "--identifier", "vat:DE136695976:DE",
        "--identifier", "marketplace-seller-account:amazon:A1B2",
        "--id", "acme",
    )
    assert result.exit_code == 0, result.output
    assert "parties/acme" in result.stdout
    assert "shipment-initiator" in result.stdout
    request = fake.requests("CreateParty")[0]
    assert request.party_id == "acme" and request.request_id
    assert request.party.kind == types.PARTY_KIND_SHIPMENT_INITIATOR
    assert list(request.party.aliases) == ["Acme"]
    assert request.party.addresses[0].country == "DE"
    ids = [(i.type, i.value, i.issuing_country) for i in request.party.identifiers]
    assert ids == [
        (types.IDENTIFIER_TYPE_VAT, "DE136695976", "DE"),
        (types.IDENTIFIER_TYPE_MARKETPLACE_SELLER_ACCOUNT, "amazon:A1B2", ""),
    ]
    assert fake.metadata("CreateParty")[0]["authorization"] == "Bearer s3cret"


def test_get_json(target, fake):
    result = invoke(target, "--json", "parties", "get", "acme")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "parties/acme"
    assert data["legal_name"] == "Acme Logistics GmbH"  # proto field names, not lowerCamel
    assert data["identifiers"][0] == {"type": "IDENTIFIER_TYPE_VAT", "value": "DE136695976", "issuing_country": "DE"}


def test_error_exits_1_with_violations_on_stderr(target, fake):
    result = invoke(target, "parties", "create", "--kind", "seller", "--legal-name", "")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("error: INVALID_ARGUMENT: ")
    assert "  party.addresses[0].country: unknown country 'XX'" in result.stderr.splitlines()
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_not_found(target, fake):
    result = invoke(target, "parties", "get", "missing")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: NOT_FOUND: parties/missing not found"


def test_list_json_lines_across_pages_with_limit(target, fake):
    result = invoke(target, "--json", "parties", "list", "--kind", "seller", "--page-size", "2", "--limit", "3")
    assert result.exit_code == 0, result.output
    names = [json.loads(line)["name"] for line in result.stdout.splitlines()]
    assert names == ["parties/a", "parties/b", "parties/c"]
    assert [r.page_token for r in fake.requests("ListParties")] == ["", "t2"]  # no third page needed


def test_list_table(target, fake):
    result = invoke(target, "parties", "list", "--identifier", "vat:DE136695976")
    assert result.exit_code == 0, result.output
    assert "parties/e" in result.stdout and "5 parties" in result.stdout
    request = fake.requests("ListParties")[0]
    assert request.identifier_type == types.IDENTIFIER_TYPE_VAT and request.identifier_value == "DE136695976"


def test_update_builds_mask(target, fake):
    result = invoke(target, "parties", "update", "acme", "--email", "ops@acme.example", "--city", "Bremen",
                    "--state", "suspended", "--clear", "aliases", "--etag", "e3")
    assert result.exit_code == 0, result.output
    request = fake.requests("UpdateParty")[0]
    assert request.party.name == "parties/acme" and request.party.etag == "e3"
    assert list(request.update_mask.paths) == ["addresses", "email", "state", "aliases"]
    assert request.party.addresses[0].city == "Bremen"
    assert request.party.state == types.PARTY_STATE_SUSPENDED


def test_update_without_fields_is_a_usage_error(target, fake):
    result = invoke(target, "parties", "update", "acme")
    assert result.exit_code == 2
    assert fake.requests("UpdateParty") == []


def test_bad_identifier_is_a_usage_error(target, fake):
    result = invoke(target, "parties", "create", "--kind", "seller", "--legal-name", "A", "--identifier", "ssn:1")
    assert result.exit_code == 2
    assert "unknown identifier type" in result.output
    assert fake.requests("CreateParty") == []


def test_archive_and_history(target, fake):
    archived = invoke(target, "--json", "parties", "archive", "parties/acme", "--etag", "e3")
    history = invoke(target, "--json", "parties", "history", "acme")
    assert archived.exit_code == 0 and history.exit_code == 0, archived.output + history.output
    assert json.loads(archived.stdout)["state"] == "PARTY_STATE_ARCHIVED"
    assert [json.loads(line)["revision"] for line in history.stdout.splitlines()] == ["1", "2", "3"]


def test_unreachable_server():
    result = runner.invoke(app, ["--target", "127.0.0.1:1", "--timeout", "5", "parties", "get", "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: UNAVAILABLE: ")
    assert "is the knownparty server running at 127.0.0.1:1?" in result.stderr


def test_version():
    result = runner.invoke(app, ["--json", "version"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)) >= {"knownparty", "grpcio", "protobuf"}


def _fake_server_modules(monkeypatch, calls):
    import sys
    from types import ModuleType

    class Settings:
        def __init__(self, **overrides):
            calls.append(("Settings", overrides))
            self.database_url = overrides.get("database_url", "sqlite:///default.db")

    settings_mod = ModuleType("knownparty_service.settings")
    settings_mod.Settings = Settings
    server_mod = ModuleType("knownparty_service.api.server")
    server_mod.serve = lambda settings: calls.append(("serve", settings.database_url))
    migrate_mod = ModuleType("knownparty_service.storage.migrate")
    migrate_mod.upgrade = lambda url: calls.append(("upgrade", url)) or "head"
    monkeypatch.setitem(sys.modules, "knownparty_service.settings", settings_mod)
    monkeypatch.setitem(sys.modules, "knownparty_service.api.server", server_mod)
    monkeypatch.setitem(sys.modules, "knownparty_service.storage.migrate", migrate_mod)


def test_serve_passes_only_given_options(monkeypatch):
    calls = []
    _fake_server_modules(monkeypatch, calls)
    assert runner.invoke(app, ["serve", "--listen", "0.0.0.0:6000"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--db", "sqlite:///x.db"]).exit_code == 0
    assert calls == [
        ("Settings", {"listen": "0.0.0.0:6000"}),
        ("serve", "sqlite:///default.db"),
        ("Settings", {"database_url": "sqlite:///x.db"}),
        ("serve", "sqlite:///x.db"),
    ]


def test_db_upgrade(monkeypatch):
    calls = []
    _fake_server_modules(monkeypatch, calls)
    result = runner.invoke(app, ["db", "upgrade", "--db", "sqlite:///y.db"])
    assert result.exit_code == 0
    assert calls[-1] == ("upgrade", "sqlite:///y.db")
    assert "head" in result.stdout


def test_serve_without_server_installed(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "knownparty_service.settings", None)  # import now fails
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "the server is not installed: pip install 'knownparty[server]'"
