"""KnownPartyClient against a real gRPC server running the fake servicer."""

from __future__ import annotations

import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

import knownparty_client
from knownparty_client import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    KnownPartyClient,
    KnownPartyError,
    NotFound,
    Unauthenticated,
    Unavailable,
    types,
)
from knownparty_client._retry import SERVICE_CONFIG


def test_echo_and_metadata(target, fake):
    with KnownPartyClient(target, api_key="s3cret", metadata=[("x-tenant", "t1")]) as client:
        assert client.echo("ping") == "ping"
    seen = fake.metadata("Echo")[0]
    assert seen["authorization"] == "Bearer s3cret"
    assert seen["x-tenant"] == "t1"


def test_no_authorization_without_api_key(target, fake):
    with KnownPartyClient(target) as client:
        client.echo("ping")
    assert "authorization" not in fake.metadata("Echo")[0]


def test_unauthenticated(target, fake):
    with KnownPartyClient(target, api_key="wrong") as client:
        with pytest.raises(Unauthenticated) as info:
            client.get_party("secret")
    assert info.value.reason == "API_KEY_INVALID"
    with KnownPartyClient(target, api_key="s3cret") as client:
        assert client.get_party("secret").name == "parties/secret"


def test_invalid_argument_details(target, fake):
    with KnownPartyClient(target) as client:
        with pytest.raises(InvalidArgument) as info:
            client.create_party(types.Party(kind=types.PARTY_KIND_SELLER))
    err = info.value
    assert isinstance(err, KnownPartyError) and not isinstance(err, grpc.RpcError)
    assert err.code is grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == "INVALID_FIELDS"
    assert err.domain == fake.domain
    assert err.error_metadata == {"violations": "2"}
    assert err.field_violations == [
        FieldViolation("party.legal_name", "must not be empty"),
        FieldViolation("party.addresses[0].country", "unknown country 'XX'"),
    ]
    assert [type(d) for d in err.details] == [error_details_pb2.ErrorInfo, error_details_pb2.BadRequest]
    text = str(err)
    assert text.startswith("INVALID_ARGUMENT: party.legal_name: must not be empty")
    assert "party.addresses[0].country: unknown country 'XX'" in text.splitlines()[-1]
    with pytest.raises(AttributeError):
        err.field_violations[0].field = "x"  # frozen


@pytest.mark.parametrize(
    ("call", "cls", "reason"),
    [
        (lambda c: c.get_party("missing"), NotFound, "NOT_FOUND"),
        (lambda c: c.create_party(types.Party(legal_name="x"), party_id="taken"), AlreadyExists, "ALREADY_EXISTS"),
        (lambda c: c.update_party(types.Party(name="x", etag="stale"), ["legal_name"]), Aborted, "ETAG_MISMATCH"),
        (lambda c: c.delete_party("archived"), FailedPrecondition, "PARTY_ARCHIVED"),
    ],
)
def test_typed_errors(target, fake, call, cls, reason):
    with KnownPartyClient(target) as client:
        with pytest.raises(cls) as info:
            call(client)
    assert type(info.value) is cls
    assert info.value.code is cls.grpc_code
    assert info.value.reason == reason
    assert info.value.domain == fake.domain
    assert isinstance(info.value.__cause__, grpc.RpcError)


def test_error_metadata_of_aborted(target, fake):
    with KnownPartyClient(target) as client:
        with pytest.raises(Aborted) as info:
            client.update_party(types.Party(name="p", etag="stale"), ["email"])
    assert info.value.error_metadata == {"current_etag": "e9"}
    assert info.value.field_violations == []


def test_pager_walks_three_pages_lazily(target, fake):
    with KnownPartyClient(target) as client:
        pager = client.list_parties(page_size=2, kind=types.PARTY_KIND_SELLER, country="DE")
        assert len(fake.requests("ListParties")) == 1  # first page fetched by the call itself
        assert pager.next_page_token == "t2"
        names = [p.name for p in pager]
    assert names == ["parties/a", "parties/b", "parties/c", "parties/d", "parties/e"]
    requests = fake.requests("ListParties")
    assert [r.page_token for r in requests] == ["", "t2", "t3"]
    # Every page repeats the query; only the token changes.
    assert all(r.page_size == 2 and r.kind == types.PARTY_KIND_SELLER and r.country == "DE" for r in requests)
    assert pager.next_page_token == ""


def test_pager_pages(target, fake):
    with KnownPartyClient(target) as client:
        pages = list(client.list_parties().pages)
    assert [len(p.parties) for p in pages] == [2, 2, 1]
    assert [p.next_page_token for p in pages] == ["t2", "t3", ""]


def test_pager_error_surfaces_while_iterating(target, fake):
    fake.party_pages[""] = (["a"], "bogus")  # the second page request is rejected
    with KnownPartyClient(target) as client:
        pager = client.list_parties()
        with pytest.raises(InvalidArgument) as info:
            list(pager)
    assert info.value.field_violations == [FieldViolation("page_token", "not from this query")]


def test_revision_pager(target, fake):
    with KnownPartyClient(target) as client:
        revisions = list(client.list_party_revisions("acme", page_size=2))
    assert [r.revision for r in revisions] == [1, 2, 3]
    assert {r.name for r in fake.requests("ListPartyRevisions")} == {"parties/acme"}


def test_request_id_generated_when_missing(target, fake):
    with KnownPartyClient(target) as client:
        created = client.create_party(types.Party(legal_name="Acme", kind=types.PARTY_KIND_SELLER), party_id="acme")
        client.create_party(types.Party(legal_name="Acme"), request_id="")
    assert created.name == "parties/acme"
    first, second = (r.request_id for r in fake.requests("CreateParty"))
    assert uuid.UUID(first) and uuid.UUID(second)
    assert first != second


def test_request_id_kept_when_given(target, fake):
    with KnownPartyClient(target) as client:
        client.create_party(types.Party(legal_name="Acme"), request_id="order-42")
    assert fake.requests("CreateParty")[0].request_id == "order-42"


@pytest.mark.parametrize("name", ["acme", "parties/acme"])
def test_names_are_normalised(target, fake, name):
    with KnownPartyClient(target) as client:
        assert client.get_party(name).name == "parties/acme"
        client.delete_party(name, etag="e3")
        client.archive_party(name)
        client.update_party(types.Party(name=name, legal_name="Acme 2"), ["legal_name"])
    assert [r.name for r in fake.requests("DeleteParty")] == ["parties/acme", "parties/acme"]
    assert fake.requests("DeleteParty")[0].etag == "e3"
    update = fake.requests("UpdateParty")[0]
    assert update.party.name == "parties/acme"
    assert list(update.update_mask.paths) == ["legal_name"]


def test_update_does_not_touch_callers_message(target, fake):
    party = types.Party(name="acme", legal_name="New")
    with KnownPartyClient(target) as client:
        client.update_party(party, "legal_name,email")
    assert party.name == "acme"
    assert list(fake.requests("UpdateParty")[0].update_mask.paths) == ["legal_name", "email"]


def test_get_party_retried_on_unavailable(target, fake):
    with KnownPartyClient(target) as client:
        party = client.get_party("flaky")
    assert party.name == "parties/flaky"
    assert len(fake.requests("GetParty")) == 3  # two UNAVAILABLE, then success


def test_retries_give_up_after_four_attempts(target, fake):
    with KnownPartyClient(target) as client:
        with pytest.raises(Unavailable) as info:
            client.get_party("down")
    assert info.value.message == "still down"
    assert len(fake.requests("GetParty")) == 4


def test_update_party_not_retried(target, fake):
    with KnownPartyClient(target) as client:
        with pytest.raises(Unavailable):
            client.update_party(types.Party(name="flaky", legal_name="x"), ["legal_name"])
    assert len(fake.requests("UpdateParty")) == 1


def test_service_config_covers_exactly_the_idempotent_methods():
    names = {(n["service"], n["method"]) for c in SERVICE_CONFIG["methodConfig"] for n in c["name"]}
    assert ("knownparty.v1.PartyService", "UpdateParty") not in names
    assert ("knownparty.v1.PartyService", "DeleteParty") not in names
    assert ("knownparty.v1.PartyService", "CreateParty") in names
    policy = SERVICE_CONFIG["methodConfig"][0]["retryPolicy"]
    assert policy["maxAttempts"] == 4 and policy["retryableStatusCodes"] == ["UNAVAILABLE"]


def test_unreachable_server_is_unavailable():
    with KnownPartyClient("127.0.0.1:1", timeout=5) as client:
        with pytest.raises(Unavailable) as info:
            client.echo("x")
    assert info.value.code is grpc.StatusCode.UNAVAILABLE
    assert info.value.reason == ""


def test_timeout_is_a_deadline(target, fake):
    from knownparty_client import DeadlineExceeded

    with KnownPartyClient(target, timeout=0.1) as client:
        with pytest.raises(DeadlineExceeded):
            client.echo("sleep:0.5")  # the client's default deadline (the reply would come, later)
        assert client.echo("sleep:0.3", timeout=5) == "sleep:0.3"  # per-call override
    with KnownPartyClient(target, timeout=10) as client:
        with pytest.raises(DeadlineExceeded):
            client.echo("sleep:0.5", timeout=0.1)


def test_public_api_hides_generated_code():
    assert knownparty_client.types.Party.DESCRIPTOR.full_name == "knownparty.v1.Party"
    assert knownparty_client.types.PARTY_KIND_SELLER == types.PartyKind.Value("PARTY_KIND_SELLER")
    assert all(not name.startswith("_") for name in knownparty_client.__all__ if name != "__version__")
