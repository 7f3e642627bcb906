"""`knownparty keys` and `knownparty audit` against a real server, and `keys --local` on its database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from knownparty_client import KnownPartyClient, errors
from knownparty_client.cli import app

runner = CliRunner()


@pytest.fixture
def target(server_target) -> str:
    # Overrides tests/client/conftest.py's fake server: these commands talk to the real one.
    return server_target


def invoke(target, *args):
    return runner.invoke(app, ["--target", target, *args])


def test_create_list_revoke_and_audit_through_the_api(target):
    made = invoke(target, "--json", "keys", "create", "--org", "acme", "--role", "carrier", "--name", "acme ops", "--expires-in", "30d")
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)
    assert key["organization"] == "acme" and key["role"] == "carrier" and key["expire_time"]
    with KnownPartyClient(target, timeout=5, api_key=key["token"]) as acme:
        assert list(acme.list_parties()) == []
    listed = invoke(target, "--json", "keys", "list", "--org", "acme")
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["name"] for r in rows] == [key["name"]] and "token" not in rows[0]
    revoked = invoke(target, "--json", "keys", "revoke", key["name"].split("/")[1])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.stdout)["revoke_time"]
    with KnownPartyClient(target, timeout=5, api_key=key["token"]) as acme:
        with pytest.raises(errors.Unauthenticated):
            list(acme.list_parties())
    audit = invoke(target, "--json", "audit", "list", "--method", "CreateApiKey")
    assert audit.exit_code == 0, audit.output
    events = [json.loads(line) for line in audit.stdout.splitlines()]
    assert len(events) == 1 and events[0]["method"] == "/knownparty.v1.AccessService/CreateApiKey"
    assert events[0]["code"] == "OK"


def test_bad_input_is_refused_with_the_field(target):
    bad_org = invoke(target, "keys", "create", "--org", "Not Valid", "--role", "admin")
    assert bad_org.exit_code == 1 and "api_key.organization" in bad_org.stderr
    bad_expiry = invoke(target, "keys", "create", "--org", "acme", "--role", "admin", "--expires-in", "soon")
    assert bad_expiry.exit_code == 2 and "--expires-in" in bad_expiry.output
    missing = invoke(target, "keys", "revoke", "apiKeys/nosuchkey123")
    assert missing.exit_code == 1 and "NOT_FOUND" in missing.stderr
    unknown_method = invoke(target, "audit", "list", "--method", "NoSuchMethod")
    assert unknown_method.exit_code == 2


def test_local_keys_bootstrap_the_first_admin(tmp_path, monkeypatch):
    monkeypatch.delenv("KNOWNPARTY_API_KEY", raising=False)
    db = f"sqlite:///{tmp_path / 'kp.db'}"
    made = runner.invoke(app, ["--json", "keys", "create", "--local", "--db", db, "--org", "operator", "--role", "admin"])
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)
    assert key["created_by"].startswith("local:") and key["token"].startswith("kp_")
    listed = runner.invoke(app, ["--json", "keys", "list", "--local", "--db", db])
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == [key["name"]]
    refused = runner.invoke(app, ["keys", "create", "--local", "--db", db, "--org", "-bad-", "--role", "admin"])
    assert refused.exit_code == 1 and "api_key.organization" in refused.stderr
    revoked = runner.invoke(app, ["--json", "keys", "revoke", "--local", "--db", db, key["name"]])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoke_time"]
